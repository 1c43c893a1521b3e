import type { Schemas } from '../client/sextant-client.js';
import { cloneJson } from '../storage/utf8.js';
import { errors } from '../client/errors.js';
import { type BinarySpec, type ProductSpec, type TurboSpec, binarySpec, checkQuantization, productSpec, turboSpec } from './quantization-config.js';

export type DistanceName = 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan';
const DISTANCES: readonly string[] = ['Cosine', 'Dot', 'Euclid', 'Manhattan'];

export type CollectionConfig = Schemas['CollectionConfig'];
type HnswConfig = Schemas['HnswConfig'];

/** What the segment needs to know about one vector name. `name` is `''` for the unnamed vector. */
export type VectorSpec =
  | {
      kind: 'dense';
      name: string;
      size: number;
      distance: DistanceName;
      hnsw: HnswConfig;
      indexingThresholdKb: number;
      /** How the storage keeps each component (Qdrant's `datatype`; absent in the params means float32). */
      datatype: VectorDatatype;
      /** Scalar int8 quantization (the vector's own config, else the collection's); absent: none. */
      scalar?: ScalarSpec;
      /** Binary quantization (the vector's own config, else the collection's); absent: none. */
      binary?: BinarySpec;
      /** Product quantization (the vector's own config, else the collection's); absent: none. */
      product?: ProductSpec;
      /** TurboQuant (the vector's own config, else the collection's); absent: none. */
      turbo?: TurboSpec;
      /**
       * Originals served from disk (`memory: "cold"`, or the deprecated `on_disk: true` when `memory` is unset): a
       * float32 storage keeps its rows in a row file where the storage offers row files (server files; not
       * IndexedDB, where they stay in RAM), the quantized codes in RAM. Absent: in RAM.
       */
      onDisk?: true;
    }
  | { kind: 'multi'; name: string; size: number; distance: DistanceName; hnsw: HnswConfig; datatype: VectorDatatype }
  | { kind: 'sparse'; name: string; modifier: 'none' | 'idf'; /** The index `datatype` its weights are stored in; absent: float32. */ datatype?: VectorDatatype };

/**
 * Qdrant's vector storage datatypes that Sextant stores: float32 (4 bytes a component), float16 (2 bytes, rounded
 * to nearest even) and uint8 (1 byte; Qdrant casts each number as Rust's `as u8` does: truncated, clamped to
 * 0..255). Qdrant 1.19's `turbo4` (4-bit TurboQuant) is refused with a clear error rather than stored as float32.
 */
export type VectorDatatype = 'float32' | 'float16' | 'uint8';
const DATATYPES: readonly string[] = ['float32', 'uint8', 'float16', 'turbo4'];

/** Bytes one component takes in a datatype's storage (what Qdrant's vector size figures count). */
export function datatypeBytes(datatype: VectorDatatype): number {
  return datatype === 'uint8' ? 1 : datatype === 'float16' ? 2 : 4;
}

/** Validates a `datatype` field (absent or null: float32) and returns the storage datatype it selects. */
export function checkDatatype(value: unknown, path: string): VectorDatatype {
  if (value === undefined || value === null) return 'float32';
  if (typeof value !== 'string' || !DATATYPES.includes(value)) {
    throw errors.validation(`${path}: unknown variant \`${String(value)}\`, expected one of \`float32\`, \`uint8\`, \`float16\`, \`turbo4\``);
  }
  if (value === 'turbo4') {
    throw errors.validation(`${path}: \`turbo4\` is not supported by Sextant; use \`float32\`, \`float16\` or \`uint8\` (or scalar quantization)`);
  }
  return value as VectorDatatype;
}

/** What a segment needs of a `scalar` quantization config: the central fraction of values kept unclipped. */
export interface ScalarSpec {
  quantile: number;
}

/** The scalar spec of a quantization config (per-vector one first, as Qdrant), or undefined for none / other kinds. */
export function scalarSpec(own: unknown, collection: unknown): ScalarSpec | undefined {
  const q = (own ?? collection) as { scalar?: { quantile?: number | null } } | null | undefined;
  if (q === null || q === undefined || typeof q !== 'object' || q.scalar === undefined) return undefined;
  return { quantile: q.scalar.quantile ?? 1 };
}

/** Qdrant's defaults for a new collection (config.yaml of v1.19), echoed back by getCollection. */
export const defaultHnsw = (): HnswConfig => ({
  m: 16,
  ef_construct: 100,
  full_scan_threshold: 10000,
  max_indexing_threads: 0,
  on_disk: false,
});
const defaultOptimizers = (): Schemas['OptimizersConfig'] => ({
  deleted_threshold: 0.2,
  vacuum_min_vector_number: 1000,
  default_segment_number: 0,
  max_segment_size: null,
  memmap_threshold: null,
  indexing_threshold: 10000,
  flush_interval_sec: 5,
  max_optimization_threads: null,
});
const defaultWal = (): Schemas['WalConfig'] => ({ wal_capacity_mb: 32, wal_segments_ahead: 0, wal_retain_closed: 1 });

type CreateArgs = Schemas['CreateCollection'];

/** Validates a createCollection body and fills Qdrant's defaults; throws 400/422 with Qdrant's wording. */
export function buildCollectionConfig(args: CreateArgs): CollectionConfig {
  checkSettingNumbers(args, '');
  const hnsw = { ...defaultHnsw(), ...stripNulls(args.hnsw_config ?? {}) } as HnswConfig;
  checkHnsw(hnsw, 'hnsw_config');
  checkQuantization(args.quantization_config, 'quantization_config');
  const vectors = args.vectors;
  if (vectors !== undefined && vectors !== null) {
    if (isVectorParams(vectors)) checkVectorParams(vectors, 'vectors');
    else if (typeof vectors === 'object') {
      for (const [name, params] of Object.entries(vectors)) {
        if (!isVectorParams(params)) throw errors.validation(`vectors.${name}: expected size and distance`);
        checkVectorParams(params, `vectors.${name}`);
      }
    } else throw errors.validation('vectors: expected an object');
  }
  for (const [name, params] of Object.entries(args.sparse_vectors ?? {})) {
    if (params === null || typeof params !== 'object') throw errors.validation(`sparse_vectors.${name}: expected an object`);
    // A sparse index's datatype is how its weights are kept: float32, float16 or uint8 (SparseVectorStorage).
    checkDatatype(params.index?.datatype, `sparse_vectors.${name}.index.datatype`);
  }
  const params: Schemas['CollectionParams'] = {
    vectors: (vectors ?? {}) as Schemas['VectorsConfig'],
    shard_number: args.shard_number ?? 1,
    replication_factor: args.replication_factor ?? 1,
    write_consistency_factor: args.write_consistency_factor ?? 1,
    on_disk_payload: args.on_disk_payload ?? true,
  };
  if (args.sharding_method !== undefined && args.sharding_method !== null) params.sharding_method = args.sharding_method;
  if (args.sparse_vectors !== undefined && args.sparse_vectors !== null) params.sparse_vectors = args.sparse_vectors;
  if (args.payload !== undefined && args.payload !== null) {
    checkNotPinned(args.payload.memory, 'payload.memory', 'payload');
    params.payload = args.payload;
  }
  return {
    params,
    hnsw_config: hnsw,
    optimizer_config: { ...defaultOptimizers(), ...stripNulls(args.optimizers_config ?? {}) } as Schemas['OptimizersConfig'],
    wal_config: { ...defaultWal(), ...stripNulls(args.wal_config ?? {}) } as Schemas['WalConfig'],
    quantization_config: args.quantization_config ?? null,
    strict_mode_config: { enabled: false, ...stripNulls(args.strict_mode_config ?? {}) },
    metadata: args.metadata ?? null,
  } as CollectionConfig;
}

/** The vector names of a collection, with the effective HNSW parameters (per-vector overrides on top of the collection's). */
export function vectorSpecs(config: CollectionConfig): VectorSpec[] {
  const specs: VectorSpec[] = [];
  const vectors = config.params.vectors;
  const indexingThresholdKb = indexingThreshold(config);
  const toSpec = (name: string, p: Schemas['VectorParams']): VectorSpec => {
    const common = {
      name,
      size: p.size,
      distance: p.distance as DistanceName,
      hnsw: { ...config.hnsw_config, ...stripNulls(p.hnsw_config ?? {}) } as HnswConfig,
      datatype: (p.datatype ?? 'float32') as VectorDatatype,
    };
    if (p.multivector_config) return { kind: 'multi', ...common };
    const scalar = scalarSpec(p.quantization_config, config.quantization_config);
    const binary = binarySpec(p.quantization_config, config.quantization_config);
    const product = productSpec(p.quantization_config, config.quantization_config);
    const turbo = turboSpec(p.quantization_config, config.quantization_config);
    return {
      kind: 'dense',
      ...common,
      indexingThresholdKb,
      ...(scalar === undefined ? {} : { scalar }),
      ...(binary === undefined ? {} : { binary }),
      ...(product === undefined ? {} : { product }),
      ...(turbo === undefined ? {} : { turbo }),
      ...(servedFromDisk(p) ? { onDisk: true as const } : {}),
    };
  };
  if (vectors !== undefined && vectors !== null) {
    if (isVectorParams(vectors)) specs.push(toSpec('', vectors));
    else for (const [name, p] of Object.entries(vectors)) specs.push(toSpec(name, p as Schemas['VectorParams']));
  }
  for (const [name, p] of Object.entries(config.params.sparse_vectors ?? {})) {
    const datatype = p?.index?.datatype;
    specs.push({ kind: 'sparse', name, modifier: p?.modifier === 'idf' ? 'idf' : 'none', ...(datatype === 'float16' || datatype === 'uint8' ? { datatype } : {}) });
  }
  return specs;
}

/** Qdrant's placement of a vector's originals: `memory: "cold"`, or the deprecated `on_disk: true` when `memory` is unset. */
function servedFromDisk(p: Schemas['VectorParams']): boolean {
  const memory = (p as { memory?: string | null }).memory;
  return memory === 'cold' || ((memory === undefined || memory === null) && p.on_disk === true);
}

/**
 * Applies an updateCollection body (PATCH semantics: absent fields keep their value) to a copy of `config`.
 * Vector sizes and distances cannot change, as in Qdrant; only their HNSW / quantization / storage options.
 */
export function patchCollectionConfig(config: CollectionConfig, patch: Schemas['UpdateCollection']): CollectionConfig {
  checkSettingNumbers(patch, '');
  const next = cloneJson(config);
  if (patch.hnsw_config) {
    next.hnsw_config = { ...next.hnsw_config, ...stripNulls(patch.hnsw_config) } as HnswConfig;
    checkHnsw(next.hnsw_config, 'hnsw_config');
  }
  if (patch.optimizers_config) {
    next.optimizer_config = { ...next.optimizer_config, ...stripNulls(patch.optimizers_config) } as Schemas['OptimizersConfig'];
  }
  if (patch.params) {
    checkNotPinned((patch.params.payload as { memory?: unknown } | null | undefined)?.memory, 'params.payload.memory', 'payload');
    next.params = { ...next.params, ...stripNulls(patch.params) } as Schemas['CollectionParams'];
  }
  if (patch.quantization_config !== undefined) {
    if (patch.quantization_config !== 'Disabled') checkQuantization(patch.quantization_config, 'quantization_config');
    next.quantization_config = patch.quantization_config === 'Disabled' ? null : (patch.quantization_config as never);
  }
  if (patch.strict_mode_config) {
    next.strict_mode_config = { ...(next.strict_mode_config ?? {}), ...stripNulls(patch.strict_mode_config) };
  }
  if (patch.metadata) next.metadata = { ...(next.metadata ?? {}), ...patch.metadata };
  if (patch.vectors) {
    const current = next.params.vectors;
    for (const [name, diff] of Object.entries(patch.vectors)) {
      const target = name === '' && isVectorParams(current) ? current : isVectorParams(current) ? undefined : current?.[name];
      if (target === undefined) throw errors.vectorNameNotFound(name);
      const { hnsw_config, quantization_config, ...rest } = stripNulls(diff ?? {}) as Schemas['VectorParamsDiff'];
      checkNotPinned((rest as { memory?: unknown }).memory, `vectors.${name}.memory`, 'dense vector');
      Object.assign(target, rest);
      if (hnsw_config) target.hnsw_config = { ...(target.hnsw_config ?? {}), ...stripNulls(hnsw_config) };
      // As Qdrant: `Disabled` drops the vector's own config (the collection's applies again); another replaces it.
      if (quantization_config === 'Disabled') delete target.quantization_config;
      else if (quantization_config !== undefined) {
        checkQuantization(quantization_config, `vectors.${name}.quantization_config`);
        target.quantization_config = quantization_config as Schemas['QuantizationConfig'];
      }
    }
  }
  if (patch.sparse_vectors) {
    const sparse = next.params.sparse_vectors ?? {};
    for (const [name, diff] of Object.entries(patch.sparse_vectors)) {
      if (!(name in sparse)) throw errors.vectorNameNotFound(name);
      sparse[name] = { ...sparse[name], ...stripNulls(diff ?? {}) };
    }
  }
  return next;
}

/** Qdrant's `indexing_threshold` (KB of vectors before a graph is built; 0 = never), default 10000. */
export function indexingThreshold(config: CollectionConfig): number {
  const kb = config.optimizer_config.indexing_threshold;
  return typeof kb === 'number' ? kb : 10000;
}

export function isVectorParams(value: unknown): value is Schemas['VectorParams'] {
  return value !== null && typeof value === 'object' && 'size' in value && 'distance' in value;
}

function checkVectorParams(p: Schemas['VectorParams'], path: string): void {
  if (!Number.isInteger(p.size) || p.size < 1 || p.size > 65536) {
    throw errors.validation(`[${path}.size: value ${p.size} invalid, must be from 1 to 65536]`);
  }
  if (!DISTANCES.includes(p.distance)) {
    throw errors.validation(`${path}.distance: unknown variant \`${String(p.distance)}\`, expected one of \`Cosine\`, \`Euclid\`, \`Dot\`, \`Manhattan\``);
  }
  if (p.hnsw_config) checkHnsw({ ...defaultHnsw(), ...stripNulls(p.hnsw_config) } as HnswConfig, `${path}.hnsw_config`);
  checkDatatype(p.datatype, `${path}.datatype`);
  checkQuantization(p.quantization_config, `${path}.quantization_config`);
  checkNotPinned((p as { memory?: unknown }).memory, `${path}.memory`, 'dense vector');
}

/** Qdrant has no heap variant of dense vector or payload storage: `pinned` there is a 422, as in Qdrant. */
function checkNotPinned(memory: unknown, path: string, what: string): void {
  if (memory === 'pinned') throw errors.validation(`[${path}: \`pinned\` is not supported for ${what} storage]`);
}

function checkHnsw(h: HnswConfig, path: string): void {
  if (!Number.isInteger(h.m) || h.m < 0) throw errors.validation(`${path}.m: value ${h.m} invalid, must be 0 or more`);
  if (!Number.isInteger(h.ef_construct) || h.ef_construct < 4) {
    throw errors.validation(`${path}.ef_construct: value ${h.ef_construct} invalid, must be 4 or more`);
  }
  if (!Number.isInteger(h.full_scan_threshold) || h.full_scan_threshold < 0) {
    throw errors.validation(`${path}.full_scan_threshold: value ${h.full_scan_threshold} invalid, must be 0 or more`);
  }
}

/**
 * Every number in a settings body must survive a round trip through any API: the config is echoed by getCollection
 * over REST and over gRPC, where counts are uint64. JSON reads 2^64 - 1 as 2^64, which gRPC cannot encode, so one
 * accepted setting would make the collection unreadable there. Qdrant's own limit is u64/usize; ours is the largest
 * integer a double holds exactly, refused here (not clamped) so the caller learns the value was not kept. Free-form
 * `metadata` is user JSON, not settings, and stays as sent. Depth is bounded: settings bodies are a few levels deep.
 */
export function checkSettingNumbers(value: unknown, path: string, depth = 0): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw errors.validation(`${path}: value ${value} invalid, must be a finite number`);
    if (Math.abs(value) > Number.MAX_SAFE_INTEGER) {
      throw errors.validation(`${path}: value ${value} invalid, must be at most ${Number.MAX_SAFE_INTEGER} (2^53 - 1), the largest integer stored exactly`);
    }
    return;
  }
  if (value === null || typeof value !== 'object' || depth > 16) return;
  for (const [key, inner] of Object.entries(value)) {
    if (depth === 0 && key === 'metadata') continue;
    checkSettingNumbers(inner, path ? `${path}.${key}` : key, depth + 1);
  }
}

/** Drops `null`/`undefined` fields so a diff never overwrites a set value with "unset". */
function stripNulls<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
