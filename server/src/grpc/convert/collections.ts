import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Schemas } from '@sextant/core';
import {
  CollectionStatus,
  Distance,
  HnswConfigDiffSchema,
  OptimizersConfigDiffSchema,
  PayloadIndexParamsSchema,
  PayloadSchemaType,
  QuantizationConfigDiffSchema,
  QuantizationConfigSchema,
  SparseVectorParamsSchema,
  StrictModeConfigSchema,
  VectorParamsSchema,
  WalConfigDiffSchema,
  CollectionParamsDiffSchema,
  VectorParamsDiffSchema,
  ShardingMethod,
  UpdateQueueInfoSchema,
} from '@sextant/proto';
import type {
  AliasOperations,
  CollectionInfoSchema,
  CreateCollection,
  OptimizersConfigDiff,
  PayloadIndexParams,
  SparseVectorConfig,
  StrictModeConfig,
  UpdateCollection,
  VectorParams,
  VectorParamsDiff,
  VectorsConfig,
  VectorsConfigDiff,
  Value,
  VectorsConfigSchema,
} from '@sextant/proto';
import { invalid } from '../status.js';
import { jsonToStruct, structToJson } from './json-value.js';
import { messageToPlain, plainToMessage } from './plain-message.js';

/** Collections family: create/update requests in, CollectionInfo out, aliases. */

const distanceNames = ['', 'Cosine', 'Euclid', 'Dot', 'Manhattan'] as const;

export function createCollectionFromProto(request: CreateCollection): Schemas['CreateCollection'] {
  const body: Schemas['CreateCollection'] = {};
  if (request.vectorsConfig) body.vectors = vectorsConfigFromProto(request.vectorsConfig);
  if (request.sparseVectorsConfig) body.sparse_vectors = sparseFromProto(request.sparseVectorsConfig);
  if (request.hnswConfig) body.hnsw_config = messageToPlain(HnswConfigDiffSchema, request.hnswConfig);
  if (request.walConfig) body.wal_config = messageToPlain(WalConfigDiffSchema, request.walConfig);
  if (request.optimizersConfig) body.optimizers_config = optimizersFromProto(request.optimizersConfig);
  if (request.quantizationConfig) {
    body.quantization_config = quantizationFromPlain(messageToPlain(QuantizationConfigSchema, request.quantizationConfig)) as Schemas['QuantizationConfig'];
  }
  if (request.strictModeConfig) body.strict_mode_config = strictModeFromProto(request.strictModeConfig);
  if (request.shardNumber !== undefined) body.shard_number = request.shardNumber;
  if (request.replicationFactor !== undefined) body.replication_factor = request.replicationFactor;
  if (request.writeConsistencyFactor !== undefined) body.write_consistency_factor = request.writeConsistencyFactor;
  if (request.onDiskPayload !== undefined) body.on_disk_payload = request.onDiskPayload;
  if (request.shardingMethod !== undefined) body.sharding_method = request.shardingMethod === ShardingMethod.Custom ? 'custom' : 'auto';
  if (Object.keys(request.metadata).length) body.metadata = metadataFromProto(request.metadata);
  return body;
}

export function updateCollectionFromProto(request: UpdateCollection): Schemas['UpdateCollection'] {
  const body: Schemas['UpdateCollection'] = {};
  if (request.vectorsConfig) body.vectors = vectorsDiffFromProto(request.vectorsConfig);
  if (request.sparseVectorsConfig) body.sparse_vectors = sparseFromProto(request.sparseVectorsConfig);
  if (request.optimizersConfig) body.optimizers_config = optimizersFromProto(request.optimizersConfig);
  if (request.params) body.params = messageToPlain(CollectionParamsDiffSchema, request.params);
  if (request.hnswConfig) body.hnsw_config = messageToPlain(HnswConfigDiffSchema, request.hnswConfig);
  if (request.quantizationConfig) {
    const q = request.quantizationConfig.quantization;
    body.quantization_config = q.case === 'disabled' ? 'Disabled'
      : (quantizationFromPlain(messageToPlain(QuantizationConfigDiffSchema, request.quantizationConfig)) as Schemas['QuantizationConfigDiff']);
  }
  if (request.strictModeConfig) body.strict_mode_config = strictModeFromProto(request.strictModeConfig);
  if (Object.keys(request.metadata).length) body.metadata = metadataFromProto(request.metadata);
  return body;
}

function vectorsConfigFromProto(config: VectorsConfig): Schemas['VectorsConfig'] {
  const c = config.config;
  if (c.case === 'params') return vectorParamsFromProto(c.value);
  if (c.case === 'paramsMap') {
    const out: Record<string, Schemas['VectorParams']> = {};
    for (const [name, params] of Object.entries(c.value.map)) out[name] = vectorParamsFromProto(params);
    return out;
  }
  throw invalid('vectors config is empty: set `params` or `params_map`');
}

function vectorParamsFromProto(params: VectorParams): Schemas['VectorParams'] {
  const distance = distanceNames[params.distance];
  if (!distance) throw invalid('vector params need a distance (Cosine, Euclid, Dot or Manhattan)');
  const plain = messageToPlain(VectorParamsSchema, params) as Record<string, unknown>;
  dropDefaultDatatype(plain);
  if (plain.quantization_config) plain.quantization_config = quantizationFromPlain(plain.quantization_config as Record<string, unknown>);
  return { ...plain, size: Number(params.size), distance } as Schemas['VectorParams'];
}

/** `Datatype.Default` (0) is gRPC's "not set", which REST spells by leaving `datatype` out (float32). */
function dropDefaultDatatype(plain: Record<string, unknown> | undefined): void {
  if (plain !== undefined && plain['datatype'] === 'default') delete plain['datatype'];
}

function vectorsDiffFromProto(config: VectorsConfigDiff): Schemas['VectorsConfigDiff'] {
  const c = config.config;
  if (c.case === 'params') return { '': vectorParamsDiffFromProto(c.value) };
  if (c.case === 'paramsMap') {
    const out: Record<string, Schemas['VectorParamsDiff']> = {};
    for (const [name, params] of Object.entries(c.value.map)) out[name] = vectorParamsDiffFromProto(params);
    return out;
  }
  return {};
}

/** A vector's diff; its quantization is a QuantizationConfigDiff, whose `disabled` case REST spells `"Disabled"`. */
function vectorParamsDiffFromProto(params: VectorParamsDiff): Schemas['VectorParamsDiff'] {
  const plain = messageToPlain(VectorParamsDiffSchema, params) as Record<string, unknown>;
  const q = params.quantizationConfig?.quantization;
  if (q?.case === 'disabled') plain.quantization_config = 'Disabled';
  else if (plain.quantization_config) plain.quantization_config = quantizationFromPlain(plain.quantization_config as Record<string, unknown>);
  return plain as Schemas['VectorParamsDiff'];
}

function sparseFromProto(config: SparseVectorConfig): Record<string, Schemas['SparseVectorParams']> {
  const out: Record<string, Schemas['SparseVectorParams']> = {};
  for (const [name, params] of Object.entries(config.map)) {
    const plain = messageToPlain(SparseVectorParamsSchema, params) as Record<string, unknown>;
    dropDefaultDatatype(plain['index'] as Record<string, unknown> | undefined);
    out[name] = plain as Schemas['SparseVectorParams'];
  }
  return out;
}

/** `max_optimization_threads` is a oneof in gRPC (`value` or `setting: Auto`) and `number | "auto"` in REST. */
function optimizersFromProto(config: OptimizersConfigDiff): Schemas['OptimizersConfigDiff'] {
  const plain = messageToPlain(OptimizersConfigDiffSchema, config) as Record<string, unknown>;
  const threads = config.maxOptimizationThreads?.variant;
  delete plain.deprecated_max_optimization_threads;
  if (threads?.case === 'value') plain.max_optimization_threads = Number(threads.value);
  else if (threads?.case === 'setting') plain.max_optimization_threads = 'auto';
  else if (config.deprecatedMaxOptimizationThreads !== undefined) {
    plain.max_optimization_threads = Number(config.deprecatedMaxOptimizationThreads);
  }
  return plain as Schemas['OptimizersConfigDiff'];
}

/**
 * Where REST and gRPC config shapes differ beyond names: strict mode's per-vector maps are wrapped in a message
 * holding the map (`sparse_config.sparse_config`), binary quantization's `query_encoding` is a string in REST
 * but a message with a `setting` enum in gRPC, and REST's `turbo` quantization is gRPC's `turboquant` case.
 */
const strictMaps = ['sparse_config', 'multivector_config'] as const;

export function strictModeFromProto(config: StrictModeConfig): Schemas['StrictModeConfig'] {
  const plain = messageToPlain(StrictModeConfigSchema, config);
  for (const key of strictMaps) {
    const wrapped = plain[key] as Record<string, unknown> | undefined;
    if (wrapped) plain[key] = wrapped[key] ?? {};
  }
  return plain as Schemas['StrictModeConfig'];
}

export function strictModeToProto(config: Schemas['StrictModeConfig'] | Schemas['StrictModeConfigOutput']): Record<string, unknown> {
  const plain: Record<string, unknown> = { ...config };
  for (const key of strictMaps) if (plain[key]) plain[key] = { [key]: plain[key] };
  return plainToMessage(StrictModeConfigSchema, plain);
}

function quantizationFromPlain(plain: Record<string, unknown>): Record<string, unknown> {
  // gRPC names TurboQuant's oneof case `turboquant` where REST says `turbo`.
  if (plain.turboquant !== undefined) {
    plain.turbo = plain.turboquant;
    delete plain.turboquant;
  }
  const binary = plain.binary as Record<string, unknown> | undefined;
  const encoding = binary?.query_encoding as { setting?: string } | undefined;
  if (binary && encoding) binary.query_encoding = (encoding.setting ?? 'default').replace(/_/g, '');
  return plain;
}

export function quantizationToProto(config: Schemas['QuantizationConfig'] | Record<string, unknown>): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(config)) as Record<string, Record<string, unknown>>;
  if (plain.binary && typeof plain.binary.query_encoding === 'string') {
    plain.binary.query_encoding = { setting: plain.binary.query_encoding };
  }
  if (plain.turbo !== undefined) {
    plain.turboquant = plain.turbo;
    delete plain.turbo;
  }
  return plainToMessage(QuantizationConfigSchema, plain);
}

function metadataFromProto(metadata: { [key: string]: Value }): Schemas['Payload'] {
  return structToJson(metadata);
}

// ---- CollectionInfo out ----

type CollectionInfoInit = MessageInitShape<typeof CollectionInfoSchema>;

export function collectionInfoToProto(info: Schemas['CollectionInfo']): CollectionInfoInit {
  const optimizer = info.optimizer_status;
  const config = info.config;
  const params = config.params;
  return {
    status: { green: CollectionStatus.Green, yellow: CollectionStatus.Yellow, red: CollectionStatus.Red, grey: CollectionStatus.Grey }[
      info.status
    ],
    optimizerStatus: optimizer === 'ok' ? { ok: true, error: '' } : { ok: false, error: optimizer.error },
    segmentsCount: BigInt(info.segments_count),
    pointsCount: info.points_count === null || info.points_count === undefined ? undefined : BigInt(info.points_count),
    indexedVectorsCount:
      info.indexed_vectors_count === null || info.indexed_vectors_count === undefined ? undefined : BigInt(info.indexed_vectors_count),
    warnings: (info.warnings ?? []).map((w) => ({ message: w.message })),
    updateQueue: info.update_queue ? plainToMessage(UpdateQueueInfoSchema, info.update_queue) : { length: 0n },
    payloadSchema: payloadSchemaToProto(info.payload_schema),
    config: {
      params: {
        shardNumber: params.shard_number ?? 1,
        onDiskPayload: params.on_disk_payload ?? false,
        vectorsConfig: params.vectors ? vectorsConfigToProto(params.vectors) : undefined,
        replicationFactor: params.replication_factor ?? 1,
        writeConsistencyFactor: params.write_consistency_factor ?? 1,
        readFanOutFactor: params.read_fan_out_factor ?? undefined,
        shardingMethod: params.sharding_method === 'custom' ? ShardingMethod.Custom : undefined,
        sparseVectorsConfig: params.sparse_vectors
          ? { map: mapValues(params.sparse_vectors, (p) => plainToMessage(SparseVectorParamsSchema, p)) }
          : undefined,
      },
      hnswConfig: plainToMessage(HnswConfigDiffSchema, config.hnsw_config),
      optimizerConfig: optimizersToProto(config.optimizer_config),
      walConfig: plainToMessage(WalConfigDiffSchema, config.wal_config ?? {}),
      quantizationConfig: config.quantization_config ? quantizationToProto(config.quantization_config) : undefined,
      strictModeConfig: config.strict_mode_config ? strictModeToProto(config.strict_mode_config) : undefined,
      metadata: jsonToStruct(config.metadata as Record<string, unknown> | null | undefined),
    },
  } as CollectionInfoInit;
}

function optimizersToProto(config: Schemas['OptimizersConfig']): Record<string, unknown> {
  const { max_optimization_threads: threads, ...rest } = config as Record<string, unknown>;
  const out = plainToMessage(OptimizersConfigDiffSchema, rest);
  if (typeof threads === 'number') out.maxOptimizationThreads = { variant: { case: 'value', value: BigInt(threads) } };
  else if (threads === 'auto' || threads === null) out.maxOptimizationThreads = { variant: { case: 'setting', value: 0 } };
  return out;
}

export function vectorsConfigToProto(vectors: Schemas['VectorsConfig']): MessageInitShape<typeof VectorsConfigSchema> {
  const one = (p: Schemas['VectorParams']) => ({
    ...plainToMessage(VectorParamsSchema, { ...p, distance: undefined, quantization_config: undefined }),
    quantizationConfig: p.quantization_config ? quantizationToProto(p.quantization_config) : undefined,
    size: BigInt(p.size),
    distance: Distance[p.distance as keyof typeof Distance] ?? Distance.UnknownDistance,
  });
  if ('size' in vectors && typeof vectors.size === 'number') {
    return { config: { case: 'params', value: one(vectors as Schemas['VectorParams']) } };
  }
  const map = mapValues(vectors as Record<string, Schemas['VectorParams']>, one);
  return { config: { case: 'paramsMap', value: { map } } };
}

const schemaTypes: Record<string, PayloadSchemaType> = {
  keyword: PayloadSchemaType.Keyword,
  integer: PayloadSchemaType.Integer,
  float: PayloadSchemaType.Float,
  geo: PayloadSchemaType.Geo,
  text: PayloadSchemaType.Text,
  bool: PayloadSchemaType.Bool,
  datetime: PayloadSchemaType.Datetime,
  uuid: PayloadSchemaType.Uuid,
};

function payloadSchemaToProto(schema: Schemas['CollectionInfo']['payload_schema']): Record<string, unknown> {
  return mapValues(schema as Record<string, Schemas['PayloadIndexInfo']>, (info) => ({
    dataType: schemaTypes[info.data_type] ?? PayloadSchemaType.UnknownType,
    params: info.params ? payloadIndexParamsToProto(info.params as Schemas['PayloadSchemaParams']) : undefined,
    points: BigInt(info.points ?? 0),
  }));
}

/** REST index params carry `type`; gRPC picks the oneof variant `<type>_index_params` instead. */
export function payloadIndexParamsToProto(params: Schemas['PayloadSchemaParams']): Record<string, unknown> {
  return plainToMessage(PayloadIndexParamsSchema, { [`${params.type}_index_params`]: params });
}

export function payloadIndexParamsFromProto(params: PayloadIndexParams): Schemas['PayloadSchemaParams'] | undefined {
  const p = params.indexParams;
  if (p.case === undefined) return undefined;
  const plain = messageToPlain(PayloadIndexParamsSchema, params);
  const [key] = Object.keys(plain);
  const type = key!.replace(/_index_params$/, '');
  const body = plain[key!] as Record<string, unknown>;
  if (type === 'text' && body.stemmer && typeof body.stemmer === 'object') {
    const stemmer = body.stemmer as { snowball?: { language: string } };
    body.stemmer = stemmer.snowball ? { type: 'snowball', language: stemmer.snowball.language } : undefined;
    if (body.stemmer === undefined) delete body.stemmer;
  }
  if (type === 'keyword' && body.prefix && typeof body.prefix === 'object') body.prefix = true;
  return { type, ...body } as Schemas['PayloadSchemaParams'];
}

export function aliasActionFromProto(action: AliasOperations): Schemas['AliasOperations'] {
  const a = action.action;
  switch (a.case) {
    case 'createAlias':
      return { create_alias: { collection_name: a.value.collectionName, alias_name: a.value.aliasName } };
    case 'renameAlias':
      return { rename_alias: { old_alias_name: a.value.oldAliasName, new_alias_name: a.value.newAliasName } };
    case 'deleteAlias':
      return { delete_alias: { alias_name: a.value.aliasName } };
    case undefined:
      throw invalid('alias operation is empty: set create_alias, rename_alias or delete_alias');
  }
}

function mapValues<T, U>(record: Record<string, T> | null | undefined, fn: (value: T) => U): Record<string, U> {
  const out: Record<string, U> = {};
  for (const [k, v] of Object.entries(record ?? {})) out[k] = fn(v);
  return out;
}
