import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { Schemas } from '@sextant/core';
import {
  ConditionSchema,
  CreateCollectionSchema,
  HnswConfigDiffSchema,
  OptimizersConfigDiffSchema,
  PayloadIndexParamsSchema,
  PointIdSchema,
  StrictModeConfigSchema,
  StructSchema,
  ValueSchema,
  VectorsOutputSchema,
  VectorsSchema,
} from '@sextant/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  collectionInfoToProto,
  createCollectionFromProto,
  payloadIndexParamsFromProto,
  payloadIndexParamsToProto,
  quantizationToProto,
  strictModeFromProto,
  strictModeToProto,
  vectorsConfigToProto,
} from '../src/grpc/convert/collections.js';
import { conditionFromProto } from '../src/grpc/convert/filter.js';
import { jsonToStruct, jsonToValue, structToJson, valueToJson } from '../src/grpc/convert/json-value.js';
import { messageToPlain, plainToMessage } from '../src/grpc/convert/plain-message.js';
import { pointIdFromProto, pointIdToProto } from '../src/grpc/convert/point-id.js';
import { vectorFromProto, vectorsFromProto, vectorsToProto } from '../src/grpc/convert/vectors.js';
import { cases as filterCases } from './grpc/filter-cases.js';

// Conversions tested both ways, through the binary wire format so that what we build is what a client decodes.
const wire = <T extends Parameters<typeof toBinary>[0]>(schema: T, init: unknown) =>
  fromBinary(schema, toBinary(schema, create(schema, init as never)));

const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.string(),
    fc.integer({ min: -1e12, max: 1e12 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('payload values (json_with_int)', () => {
  it('round-trips any JSON payload, keeping integers and doubles apart', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 8 }), jsonValue, { maxKeys: 6 }), (payload) => {
        const struct = wire(StructSchema, { fields: jsonToStruct(payload) });
        expect(structToJson(struct.fields)).toEqual(payload);
      }),
      { seed: 42, numRuns: 200 },
    );
    expect(wire(ValueSchema, jsonToValue(5)).kind.case).toBe('integerValue');
    expect(wire(ValueSchema, jsonToValue(5.5)).kind.case).toBe('doubleValue');
  });

  it('rejects integers the engine cannot hold exactly', () => {
    const big = create(ValueSchema, { kind: { case: 'integerValue', value: 2n ** 60n } });
    expect(() => valueToJson(big)).toThrow(/safe integer/);
  });
});

describe('filter conditions', () => {
  it.each(filterCases)('%s converts to exactly the REST condition', (_name, grpc, rest) => {
    expect(conditionFromProto(wire(ConditionSchema, grpc))).toEqual(rest);
  });

  it('rejects empty oneofs instead of guessing', () => {
    expect(() => conditionFromProto(create(ConditionSchema))).toThrow(/condition is empty/);
    expect(() => conditionFromProto(create(ConditionSchema, { conditionOneOf: { case: 'field', value: { key: 'a', match: {} } } }))).toThrow(/match is empty/);
  });
});

describe('point ids', () => {
  it('round-trips numbers and UUIDs', () => {
    for (const id of [0, 1, 2 ** 40, '5c56c793-69f3-4fbf-87e6-c4bf54c28c26']) {
      expect(pointIdFromProto(wire(PointIdSchema, pointIdToProto(id)))).toEqual(id);
    }
    expect(() => pointIdFromProto(create(PointIdSchema))).toThrow(/empty/);
  });
});

describe('vectors', () => {
  it('round-trips dense, multi-dense, sparse and named vectors between REST and proto', () => {
    const cases: unknown[] = [
      [0.5, -1, 2],
      [[1, 2], [3, 4]],
      { image: [1, 2, 3], text: { indices: [1, 7], values: [0.5, 0.25] }, colbert: [[1, 0], [0, 1]] },
    ];
    for (const rest of cases) {
      const out = wire(VectorsOutputSchema, vectorsToProto(rest));
      // VectorsOutput and Vectors share field numbers for the oneof variants they have in common.
      const asInput = fromBinary(VectorsSchema, toBinary(VectorsOutputSchema, out));
      expect(vectorsFromProto(asInput)).toEqual(rest);
    }
  });

  it('reads the deprecated flat layout older clients send', () => {
    const sparse = create(VectorsSchema, { vectorsOptions: { case: 'vector', value: { data: [1, 2], indices: { data: [3, 9] } } } });
    expect(vectorsFromProto(sparse)).toEqual({ indices: [3, 9], values: [1, 2] });
    const multi = create(VectorsSchema, { vectorsOptions: { case: 'vector', value: { data: [1, 2, 3, 4, 5, 6], vectorsCount: 3 } } });
    expect(vectorsFromProto(multi)).toEqual([[1, 2], [3, 4], [5, 6]]);
    const broken = create(VectorsSchema, { vectorsOptions: { case: 'vector', value: { data: [1, 2, 3], vectorsCount: 2 } } });
    expect(() => vectorsFromProto(broken)).toThrow(/split/);
    const doc = create(VectorsSchema, { vectorsOptions: { case: 'vector', value: { vector: { case: 'document', value: { text: 'hi', model: 'm' } } } } });
    expect(() => vectorFromProto(doc.vectorsOptions.value as never)).toThrow(/inference/);
  });
});

describe('config messages', () => {
  it('map REST config objects to proto and back through the descriptor walk', () => {
    const hnsw = { m: 16, ef_construct: 100, full_scan_threshold: 10000, on_disk: false };
    expect(messageToPlain(HnswConfigDiffSchema, wire(HnswConfigDiffSchema, plainToMessage(HnswConfigDiffSchema, hnsw)))).toEqual(hnsw);
    const optimizers = { deleted_threshold: 0.2, vacuum_min_vector_number: 1000, flush_interval_sec: 5 };
    expect(messageToPlain(OptimizersConfigDiffSchema, wire(OptimizersConfigDiffSchema, plainToMessage(OptimizersConfigDiffSchema, optimizers)))).toEqual(optimizers);
  });

  it('round-trips quantization and strict mode configs', () => {
    const quantizations = [
      { scalar: { type: 'int8', quantile: 0.5, always_ram: true } },
      { product: { compression: 'x16' } },
      { binary: { encoding: 'one_and_half_bits', query_encoding: 'scalar4bits' } },
    ] as Schemas['QuantizationConfig'][];
    for (const q of quantizations) {
      const request = wire(CreateCollectionSchema, { collectionName: 'q', quantizationConfig: quantizationToProto(q) });
      expect(createCollectionFromProto(request).quantization_config).toEqual(q);
    }
    const strict = { enabled: true, max_query_limit: 100, upsert_max_batchsize: 50, sparse_config: { sp: { max_length: 10 } }, multivector_config: { m: { max_vectors: 3 } } };
    expect(strictModeFromProto(wire(StrictModeConfigSchema, strictModeToProto(strict)))).toEqual(strict);
  });

  it('round-trips payload index params of every type', () => {
    const all: Schemas['PayloadSchemaParams'][] = [
      { type: 'keyword', is_tenant: true },
      { type: 'integer', lookup: true, range: false },
      { type: 'float', is_principal: true },
      { type: 'geo' },
      { type: 'text', tokenizer: 'word', lowercase: true, min_token_len: 2 },
      { type: 'bool' },
      { type: 'datetime' },
      { type: 'uuid', is_tenant: false },
    ];
    for (const params of all) {
      const proto = wire(PayloadIndexParamsSchema, payloadIndexParamsToProto(params));
      expect(payloadIndexParamsFromProto(proto)).toEqual(params);
    }
  });

  it('round-trips a collection vectors config through CreateCollection', () => {
    const vectors: Schemas['VectorsConfig'] = { a: { size: 3, distance: 'Dot' }, b: { size: 8, distance: 'Manhattan', on_disk: true } };
    const request = wire(CreateCollectionSchema, { collectionName: 'x', vectorsConfig: vectorsConfigToProto(vectors) });
    expect(createCollectionFromProto(request).vectors).toEqual(vectors);
    const single: Schemas['VectorsConfig'] = { size: 4, distance: 'Cosine' };
    const one = wire(CreateCollectionSchema, { collectionName: 'x', vectorsConfig: vectorsConfigToProto(single) });
    expect(createCollectionFromProto(one).vectors).toEqual(single);
  });

  it('describes a collection with optimizer thread settings in both forms', () => {
    const base = {
      status: 'green',
      optimizer_status: 'ok',
      segments_count: 1,
      points_count: 3,
      indexed_vectors_count: 0,
      payload_schema: {},
      config: {
        params: { vectors: { size: 2, distance: 'Euclid' }, shard_number: 1 },
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000 },
        optimizer_config: { deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 0, flush_interval_sec: 5, max_optimization_threads: 2 },
        wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
      },
    } as unknown as Schemas['CollectionInfo'];
    const info = collectionInfoToProto(base);
    expect(info.pointsCount).toBe(3n);
    expect((info.config as { optimizerConfig: { maxOptimizationThreads: unknown } }).optimizerConfig.maxOptimizationThreads).toEqual({
      variant: { case: 'value', value: 2n },
    });
  });
});
