import type { Timestamp } from '@bufbuild/protobuf/wkt';
import type { Condition as RestCondition, Filter as RestFilter, Schemas } from '@sextant/core';
import type { Condition, FieldCondition, Filter, GeoLineString, GeoPoint, Match } from '@sextant/proto';
import { invalid } from '../status.js';
import { bigintToNumber, optNumber } from './json-value.js';
import { pointIdFromProto } from './point-id.js';
import { timestampToIso } from './timestamp.js';

/**
 * qdrant.Filter -> the REST filter the engine evaluates. Every condition kind of qdrant_common.proto has a REST
 * twin; gRPC's datetime range is REST's `range` with RFC 3339 strings, and a FieldCondition's `is_empty`/`is_null`
 * flags stay flags. An unset optional filter is `undefined`, never an empty filter, so "no filter" keeps meaning
 * "all points" without the engine evaluating anything.
 */
export function filterFromProto(filter: Filter | undefined): RestFilter | undefined {
  if (filter === undefined) return undefined;
  const out: RestFilter = {};
  if (filter.must.length) out.must = filter.must.map(conditionFromProto);
  if (filter.should.length) out.should = filter.should.map(conditionFromProto);
  if (filter.mustNot.length) out.must_not = filter.mustNot.map(conditionFromProto);
  if (filter.minShould) {
    out.min_should = {
      conditions: filter.minShould.conditions.map(conditionFromProto),
      min_count: bigintToNumber(filter.minShould.minCount, 'min_count'),
    };
  }
  return out;
}

export function conditionFromProto(condition: Condition): RestCondition {
  const c = condition.conditionOneOf;
  switch (c.case) {
    case 'field':
      return fieldFromProto(c.value);
    case 'isEmpty':
      return { is_empty: { key: c.value.key } };
    case 'isNull':
      return { is_null: { key: c.value.key } };
    case 'hasId':
      return { has_id: c.value.hasId.map(pointIdFromProto) };
    case 'filter':
      return filterFromProto(c.value) ?? {};
    case 'nested':
      return { nested: { key: c.value.key, filter: filterFromProto(c.value.filter) ?? {} } };
    case 'hasVector':
      return { has_vector: c.value.hasVector };
    case 'slice':
      return { slice: { total: c.value.total, index: c.value.index } } as RestCondition;
    case undefined:
      throw invalid('condition is empty: set one of its variants');
  }
}

function fieldFromProto(field: FieldCondition): Schemas['FieldCondition'] {
  const out: Schemas['FieldCondition'] = { key: field.key };
  if (field.match) out.match = matchFromProto(field.match);
  if (field.range) out.range = dropUndefined({ lt: field.range.lt, gt: field.range.gt, gte: field.range.gte, lte: field.range.lte });
  if (field.datetimeRange) {
    const r = field.datetimeRange;
    out.range = dropUndefined({ lt: iso(r.lt, 'lt'), gt: iso(r.gt, 'gt'), gte: iso(r.gte, 'gte'), lte: iso(r.lte, 'lte') });
  }
  if (field.geoBoundingBox) {
    out.geo_bounding_box = { top_left: geo(field.geoBoundingBox.topLeft), bottom_right: geo(field.geoBoundingBox.bottomRight) };
  }
  if (field.geoRadius) out.geo_radius = { center: geo(field.geoRadius.center), radius: field.geoRadius.radius };
  if (field.geoPolygon) {
    out.geo_polygon = {
      exterior: line(field.geoPolygon.exterior),
      interiors: field.geoPolygon.interiors.length ? field.geoPolygon.interiors.map(line) : undefined,
    };
  }
  if (field.valuesCount) {
    const v = field.valuesCount;
    out.values_count = dropUndefined({ lt: optNumber(v.lt), gt: optNumber(v.gt), gte: optNumber(v.gte), lte: optNumber(v.lte) });
  }
  if (field.isEmpty !== undefined) out.is_empty = field.isEmpty;
  if (field.isNull !== undefined) out.is_null = field.isNull;
  return dropUndefined(out);
}

function matchFromProto(match: Match): Schemas['Match'] {
  const m = match.matchValue;
  switch (m.case) {
    case 'keyword':
    case 'boolean':
      return { value: m.value };
    case 'integer':
      return { value: bigintToNumber(m.value, 'match integer') };
    case 'text':
      return { text: m.value };
    case 'phrase':
      return { phrase: m.value };
    case 'textAny':
      return { text_any: m.value };
    case 'prefix':
      return { prefix: m.value } as Schemas['Match'];
    case 'keywords':
      return { any: m.value.strings };
    case 'integers':
      return { any: m.value.integers.map((i) => bigintToNumber(i, 'match integer')) };
    case 'exceptKeywords':
      return { except: m.value.strings };
    case 'exceptIntegers':
      return { except: m.value.integers.map((i) => bigintToNumber(i, 'match integer')) };
    case undefined:
      throw invalid('match is empty: set one of its variants');
  }
}

function geo(point: GeoPoint | undefined): Schemas['GeoPoint'] {
  if (!point) throw invalid('geo point is missing');
  return { lon: point.lon, lat: point.lat };
}

function line(ring: GeoLineString | undefined): Schemas['GeoLineString'] {
  return { points: (ring?.points ?? []).map(geo) };
}

function iso(ts: Timestamp | undefined, bound: string): string | undefined {
  return ts === undefined ? undefined : timestampToIso(ts, `datetime_range.${bound}`);
}

/**
 * The keys whose value is defined, in order, so converted objects compare equal to what REST callers send. A new
 * object rather than `delete`s: deleting a middle key turns an object into a dictionary-mode one, slower for every
 * engine read of the request afterwards (1-2 µs per converted request measured, node micro-loop).
 */
export function dropUndefined<T extends object>(value: T): T {
  const out: Partial<T> = {};
  for (const key of Object.keys(value) as (keyof T)[]) {
    const v = value[key];
    if (v !== undefined) out[key] = v;
  }
  return out as T;
}
