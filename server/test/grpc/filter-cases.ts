import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Schemas } from '@sextant/core';
import type { ConditionSchema, FilterSchema } from '@sextant/proto';

export type ConditionInit = MessageInitShape<typeof ConditionSchema>;
export type FilterInit = MessageInitShape<typeof FilterSchema>;

const field = (key: string, rest: Record<string, unknown>): ConditionInit => ({
  conditionOneOf: { case: 'field', value: { key, ...rest } },
});
const match = (key: string, c: string, value: unknown): ConditionInit => field(key, { match: { matchValue: { case: c, value } } });
const ts = (iso: string) => timestampFromDate(new Date(iso));

/**
 * Every condition kind of qdrant_common.proto, next to the REST condition that means the same. Each pair must
 * select exactly the same points through gRPC as the REST form does through the engine.
 */
export const cases: Array<[string, ConditionInit, Schemas['Condition']]> = [
  ['match keyword', match('city', 'keyword', 'Paris'), { key: 'city', match: { value: 'Paris' } }],
  ['match integer', match('n', 'integer', 12n), { key: 'n', match: { value: 12 } }],
  ['match bool', match('ok', 'boolean', true), { key: 'ok', match: { value: true } }],
  ['match text', match('text', 'text', 'brown'), { key: 'text', match: { text: 'brown' } }],
  ['match any keywords', match('city', 'keywords', { strings: ['Rome', 'Oslo'] }), { key: 'city', match: { any: ['Rome', 'Oslo'] } }],
  ['match any integers', match('n', 'integers', { integers: [1n, 2n, 3n] }), { key: 'n', match: { any: [1, 2, 3] } }],
  ['match except keywords', match('city', 'exceptKeywords', { strings: ['Rome'] }), { key: 'city', match: { except: ['Rome'] } }],
  ['match except integers', match('n', 'exceptIntegers', { integers: [0n, 1n] }), { key: 'n', match: { except: [0, 1] } }],
  ['range', field('price', { range: { gte: 20, lt: 60 } }), { key: 'price', range: { gte: 20, lt: 60 } }],
  [
    'datetime range',
    field('created', { datetimeRange: { gte: ts('2024-01-05T00:00:00Z'), lt: ts('2024-01-20T00:00:00Z') } }),
    { key: 'created', range: { gte: '2024-01-05T00:00:00.000Z', lt: '2024-01-20T00:00:00.000Z' } },
  ],
  [
    'geo bounding box',
    field('loc', { geoBoundingBox: { topLeft: { lon: 11.5, lat: 53.5 }, bottomRight: { lon: 15.5, lat: 50.5 } } }),
    { key: 'loc', geo_bounding_box: { top_left: { lon: 11.5, lat: 53.5 }, bottom_right: { lon: 15.5, lat: 50.5 } } },
  ],
  [
    'geo radius',
    field('loc', { geoRadius: { center: { lon: 12, lat: 51 }, radius: 150_000 } }),
    { key: 'loc', geo_radius: { center: { lon: 12, lat: 51 }, radius: 150_000 } },
  ],
  [
    'geo polygon',
    field('loc', {
      geoPolygon: { exterior: { points: [{ lon: 9, lat: 49 }, { lon: 14, lat: 49 }, { lon: 14, lat: 52.5 }, { lon: 9, lat: 52.5 }, { lon: 9, lat: 49 }] } },
    }),
    {
      key: 'loc',
      geo_polygon: { exterior: { points: [{ lon: 9, lat: 49 }, { lon: 14, lat: 49 }, { lon: 14, lat: 52.5 }, { lon: 9, lat: 52.5 }, { lon: 9, lat: 49 }] } },
    },
  ],
  ['values count', field('tags', { valuesCount: { gte: 1n } }), { key: 'tags', values_count: { gte: 1 } }],
  ['is empty', { conditionOneOf: { case: 'isEmpty', value: { key: 'tags' } } }, { is_empty: { key: 'tags' } }],
  ['is null', { conditionOneOf: { case: 'isNull', value: { key: 'maybe' } } }, { is_null: { key: 'maybe' } }],
  [
    'has id',
    { conditionOneOf: { case: 'hasId', value: { hasId: [{ pointIdOptions: { case: 'num', value: 3n } }, { pointIdOptions: { case: 'uuid', value: '00000000-0000-4000-8000-000000000019' } }] } } },
    { has_id: [3, '00000000-0000-4000-8000-000000000019'] },
  ],
  ['has vector', { conditionOneOf: { case: 'hasVector', value: { hasVector: 'sp' } } }, { has_vector: 'sp' }],
  [
    'nested',
    { conditionOneOf: { case: 'nested', value: { key: 'nested', filter: { must: [match('k', 'integer', 1n)] } } } },
    { nested: { key: 'nested', filter: { must: [{ key: 'k', match: { value: 1 } }] } } },
  ],
  [
    'sub-filter',
    { conditionOneOf: { case: 'filter', value: { should: [match('city', 'keyword', 'Rome'), match('n', 'integer', 1n)] } } },
    { should: [{ key: 'city', match: { value: 'Rome' } }, { key: 'n', match: { value: 1 } }] },
  ],
];

