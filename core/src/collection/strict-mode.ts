import type { Schemas } from '../client/sextant-client.js';
import { SextantError, errors } from '../client/errors.js';
import type { Collection } from './collection.js';
import type { PointWrite } from './operations.js';
import { datatypeBytes } from './config.js';

type StrictConfig = Schemas['StrictModeConfigOutput'];
type JsonMap = Record<string, unknown>;

/**
 * Qdrant's strict mode (collection `strict_mode_config`), for what one node can enforce: request limits, indexed-only
 * filtering, search parameter caps, batch sizes, storage and point-count caps, multivector / sparse sizes, payload
 * index count and rate limits. Every check runs at the client boundary before any work; a disabled or absent config
 * checks nothing. Wording follows Qdrant's (`Forbidden: <what>. Help: <how to fix>`, status 403).
 */
export function strictConfig(c: Collection): StrictConfig | undefined {
  const s = c.config.strict_mode_config as StrictConfig | null | undefined;
  return s?.enabled === true ? s : undefined;
}

export function strictError(what: string, help: string): SextantError {
  return new SextantError('strict_mode', `Forbidden: ${what} Help: ${help}`);
}

function checkLimit(value: number | undefined | null, limit: number | undefined | null, name: string): void {
  if (typeof value !== 'number' || typeof limit !== 'number') return;
  if (value > limit) throw strictError(`Limit exceeded ${value} > ${limit} for "${name}"`, `Reduce the "${name}" parameter to or below ${limit}.`);
}

/** Reads: `kind` names the request so the defaults Qdrant applies (scroll's and facet's limit of 10) are checked too. */
export function checkRead(c: Collection, request: unknown, kind: 'query' | 'scroll' | 'facet' | 'count' | 'matrix' | 'groups' | 'batch', timeout?: number): void {
  const s = strictConfig(c);
  if (s === undefined) return;
  checkLimit(timeout, s.max_timeout, 'timeout');
  const r = (request ?? {}) as JsonMap;
  if (kind === 'batch') {
    const searches = Array.isArray(r['searches']) ? (r['searches'] as unknown[]) : [];
    checkLimit(searches.length, s.search_max_batchsize, 'search batch size');
    for (const one of searches) checkReadRequest(c, s, (one ?? {}) as JsonMap, 'query');
  } else checkReadRequest(c, s, r, kind);
  takeTokens(c, 'read', 1);
}

/** `topLevel`: the request itself, not one of its prefetches (a rescoring query over prefetches scans nothing). */
function checkReadRequest(c: Collection, s: StrictConfig, r: JsonMap, kind: string, topLevel = true): void {
  // Defaults Qdrant fills before checking: limit 10 (query, prefetch, scroll, facet) and group_size 3.
  const limit = typeof r['limit'] === 'number' ? r['limit'] : kind === 'count' || kind === 'matrix' ? undefined : 10;
  const groupSize = typeof r['group_size'] === 'number' ? r['group_size'] : 3;
  checkLimit(kind === 'groups' && limit !== undefined ? limit * groupSize : limit, s.max_query_limit, 'limit');
  if (r['filter'] !== undefined && r['filter'] !== null) checkFilter(c, s, r['filter'], s.unindexed_filtering_retrieve);
  checkSearchParams(s, r['params']);
  if (kind === 'groups' && typeof r['group_by'] === 'string' && s.unindexed_filtering_retrieve === false) {
    const info = c.segment.indexes.schema()[r['group_by']];
    if (info === undefined) throw strictError(`Index required but not found for "${r['group_by']}"`, 'Create an index supporting `match` for this key.');
    if (!['keyword', 'integer', 'uuid', 'bool'].includes(String(info.data_type))) {
      throw strictError(`Index of type "${String(info.data_type)}" found for "${r['group_by']}"`, 'Create an index supporting `match` for this key.');
    }
  }
  const prefetch = r['prefetch'];
  const prefetches = Array.isArray(prefetch) ? prefetch : prefetch ? [prefetch] : [];
  if (s.search_allow_exact === false && isVectorQuery(r['query']) && (!topLevel || prefetches.length === 0)) checkFullScan(c, r);
  const query = r['query'] as JsonMap | null | undefined;
  if (s.unindexed_filtering_retrieve === false && query && typeof query === 'object' && 'formula' in query) checkFormulaKeys(c, query['formula']);
  for (const p of prefetches) checkReadRequest(c, s, (p ?? {}) as JsonMap, 'query', false);
}

/** Nearest, recommend, discover, context and point-id queries; fusion, order_by, formula and sample never walk vectors. */
function isVectorQuery(q: unknown): boolean {
  if (q === undefined || q === null) return false;
  if (typeof q !== 'object' || Array.isArray(q)) return true;
  return !('fusion' in q || 'rrf' in q || 'order_by' in q || 'formula' in q || 'sample' in q);
}

/**
 * With `search_allow_exact: false`, a vector query must not be able to fall back to scanning every vector: a dense
 * vector with `m = 0` (no global graph) is refused, unless the filter names an `is_tenant` field and `payload_m`
 * is not 0 (Qdrant builds per-tenant graphs then). Sparse vectors always have their index.
 */
function checkFullScan(c: Collection, r: JsonMap): void {
  const using = typeof r['using'] === 'string' ? r['using'] : '';
  const spec = c.specs.find((x) => x.name === using);
  if (spec === undefined || spec.kind === 'sparse') return;
  const m = spec.hnsw.m;
  if (m > 0) return;
  const label = using === '' ? '' : ` on '${using}'`;
  const schema = c.segment.indexes.schema();
  const tenant = filterKeys(r['filter']).some((k) => (schema[k]?.params as { is_tenant?: boolean } | undefined)?.is_tenant === true);
  if (!tenant) {
    throw strictError(
      `Request is forbidden${label} because global vector indexing is disabled (hnsw_config.m = 0)`,
      'Use tenant-specific filter, enable global vector indexing or enable strict mode `search_allow_exact` option',
    );
  }
  const payloadM = (spec.hnsw as { payload_m?: number | null }).payload_m ?? m;
  if (payloadM === 0) {
    throw strictError(
      `Request is forbidden${label} because vector indexing is disabled (hnsw_config.m = 0 and hnsw_config.payload_m = 0)`,
      'Enable vector indexing, use a prefetch query with indexed vectors or enable strict mode `search_allow_exact` option',
    );
  }
}

/**
 * A formula reads payload values at every scored point: under `unindexed_filtering_retrieve: false` each key it
 * reads needs an index (numbers: integer or float; `geo_distance.to`: geo; `datetime_key`: datetime; conditions:
 * as in filters). `$score` variables and literals need none.
 */
function checkFormulaKeys(c: Collection, formula: unknown): void {
  const fields: [string, string[]][] = [];
  const walk = (e: unknown): void => {
    if (typeof e === 'string') {
      if (!e.startsWith('$score')) fields.push([e, ['float', 'integer']]);
      return;
    }
    if (e === null || typeof e !== 'object') return;
    if (Array.isArray(e)) return e.forEach(walk);
    const o = e as JsonMap;
    if (typeof o['key'] === 'string' || 'nested' in o || 'must' in o || 'should' in o || 'must_not' in o) {
      walkFilter({ must: [o] }, '', { conditions: 0, maxSize: 0 }, fields);
      return;
    }
    for (const [k, v] of Object.entries(o)) {
      if (k === 'datetime') continue; // a literal
      if (k === 'datetime_key' && typeof v === 'string') fields.push([v, ['datetime']]);
      else if (k === 'geo_distance' && v && typeof v === 'object' && typeof (v as JsonMap)['to'] === 'string') fields.push([(v as JsonMap)['to'] as string, ['geo']]);
      else walk(v);
    }
  };
  walk(formula);
  const schema = c.segment.indexes.schema();
  for (const [key, types] of fields) {
    const have = schema[key]?.data_type;
    if (have !== undefined && types.includes(String(have))) continue;
    throw strictError(
      `Index required but not found for "${key}" of one of the following types: [${[...new Set(types)].sort().join(', ')}]`,
      'Create an index for this key or use a different formula expression.',
    );
  }
}

/** Every payload key a filter's conditions name (nested keys as `outer[].inner`). */
function filterKeys(filter: unknown, prefix = ''): string[] {
  if (filter === null || typeof filter !== 'object') return [];
  const f = filter as JsonMap;
  const out: string[] = [];
  const minShould = f['min_should'] as JsonMap | undefined;
  const all = ['must', 'should', 'must_not'].flatMap((k) => (Array.isArray(f[k]) ? (f[k] as unknown[]) : f[k] ? [f[k]] : []));
  if (minShould && Array.isArray(minShould['conditions'])) all.push(...minShould['conditions']);
  for (const raw of all) {
    if (raw === null || typeof raw !== 'object') continue;
    const cond = raw as JsonMap;
    if ('nested' in cond) out.push(...filterKeys((cond['nested'] as JsonMap)['filter'], `${prefix}${String((cond['nested'] as JsonMap)['key'])}[].`));
    else if (typeof cond['key'] === 'string') out.push(`${prefix}${cond['key']}`);
    else out.push(...filterKeys(cond, prefix));
  }
  return out;
}

function checkSearchParams(s: StrictConfig, raw: unknown): void {
  if (raw === null || typeof raw !== 'object') return;
  const p = raw as Schemas['SearchParams'];
  const oversampling = p.quantization?.oversampling as number | null | undefined;
  checkLimit(oversampling, s.search_max_oversampling, 'oversampling');
  checkLimit(p.hnsw_ef, s.search_max_hnsw_ef, 'hnsw_ef');
  if (s.search_allow_exact === false && p.exact === true) throw strictError('Exact search disabled!', 'Set exact=false.');
}

/** Filter-count and size caps, then (when `allowUnindexed` is false) an index for every field condition. */
function checkFilter(c: Collection, s: StrictConfig, filter: unknown, allowUnindexed: boolean | null | undefined): void {
  const stats = { conditions: 0, maxSize: 0 };
  const fields: [string, string[]][] = [];
  walkFilter(filter, '', stats, fields);
  if (typeof s.filter_max_conditions === 'number' && stats.conditions > s.filter_max_conditions) {
    throw strictError(`Filter condition limit reached (${stats.conditions} > ${s.filter_max_conditions})`, 'Reduce the amount of conditions of your filter.');
  }
  if (typeof s.condition_max_size === 'number' && stats.maxSize > s.condition_max_size) {
    throw strictError(`Condition size limit reached (${stats.maxSize} > ${s.condition_max_size})`, 'Reduce the size of your condition.');
  }
  if (allowUnindexed !== false) return;
  const schema = c.segment.indexes.schema();
  for (const [key, types] of fields) {
    const have = schema[key]?.data_type;
    if (have !== undefined && types.includes(String(have))) continue;
    throw strictError(
      `Index required but not found for "${key}" of one of the following types: [${[...new Set(types)].sort().join(', ')}]`,
      'Create an index for this key or use a different filter.',
    );
  }
}

/** Counts leaf conditions (a nested filter counts its own), the largest `any`/`except`/`has_id` list, and the field conditions with the index types that could serve them. */
function walkFilter(filter: unknown, prefix: string, stats: { conditions: number; maxSize: number }, fields: [string, string[]][]): void {
  if (filter === null || typeof filter !== 'object') return;
  const f = filter as JsonMap;
  const lists: unknown[] = [];
  for (const k of ['must', 'should', 'must_not']) {
    const v = f[k];
    if (v !== undefined && v !== null) lists.push(...(Array.isArray(v) ? v : [v]));
  }
  const minShould = f['min_should'] as JsonMap | undefined;
  if (minShould && Array.isArray(minShould['conditions'])) lists.push(...minShould['conditions']);
  for (const raw of lists) {
    if (raw === null || typeof raw !== 'object') continue;
    const cond = raw as JsonMap;
    if ('must' in cond || 'should' in cond || 'must_not' in cond || 'min_should' in cond) {
      walkFilter(cond, prefix, stats, fields);
      continue;
    }
    if ('nested' in cond) {
      const n = cond['nested'] as JsonMap;
      walkFilter(n['filter'], `${prefix}${String(n['key'])}[].`, stats, fields);
      continue;
    }
    stats.conditions++;
    if ('has_id' in cond && Array.isArray(cond['has_id'])) stats.maxSize = Math.max(stats.maxSize, cond['has_id'].length);
    if (typeof cond['key'] !== 'string') continue;
    const key = `${prefix}${cond['key']}`;
    const types = indexTypesFor(cond);
    const match = cond['match'] as JsonMap | undefined;
    for (const list of [match?.['any'], match?.['except']]) if (Array.isArray(list)) stats.maxSize = Math.max(stats.maxSize, list.length);
    if (types.length > 0) fields.push([key, types]);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Index types that can answer a field condition (Qdrant's per-condition schema inference); [] = none needed. */
function indexTypesFor(cond: JsonMap): string[] {
  const match = cond['match'] as JsonMap | undefined;
  if (match) {
    if ('text' in match || 'text_any' in match || 'phrase' in match) return ['text'];
    const values = 'value' in match ? [match['value']] : Array.isArray(match['any']) ? match['any'] : Array.isArray(match['except']) ? match['except'] : [];
    // An empty `any` / `except` says nothing of the field's type: any index that serves a match will do (Qdrant)
    if (values.length === 0) return ['integer', 'keyword', 'uuid'];
    const v = values[0];
    if (typeof v === 'boolean') return ['bool'];
    if (typeof v === 'number') return ['integer'];
    if (typeof v === 'string') return UUID.test(v) ? ['keyword', 'uuid'] : ['keyword'];
    return ['keyword', 'integer'];
  }
  const range = cond['range'] as JsonMap | undefined;
  if (range) {
    const bounds = ['gt', 'gte', 'lt', 'lte'].map((k) => range[k]).filter((x) => x !== undefined && x !== null);
    return bounds.some((b) => typeof b === 'string') ? ['datetime'] : ['integer', 'float'];
  }
  if ('geo_bounding_box' in cond || 'geo_radius' in cond || 'geo_polygon' in cond) return ['geo'];
  return [];
}

/** Filtered writes (delete, payload and vector ops by filter) need indexed keys under `unindexed_filtering_update: false`. */
export function checkWriteFilter(c: Collection, filter: unknown): void {
  const s = strictConfig(c);
  if (s === undefined || filter === undefined || filter === null) return;
  checkFilter(c, s, filter, s.unindexed_filtering_update);
}

/** Per-write checks: timeout, rate, and for point writes the batch size, sizes of vectors and storage caps. */
export function checkWrite(c: Collection, timeout: number | undefined, cost: number | (() => number)): void {
  const s = strictConfig(c);
  if (s === undefined) return;
  checkLimit(timeout, s.max_timeout, 'timeout');
  takeTokens(c, 'write', cost);
}

export function checkPointWrites(c: Collection, points: readonly Pick<PointWrite, 'id' | 'vectors'>[], kind: 'upsert' | 'update'): void {
  const s = strictConfig(c);
  if (s === undefined) return;
  checkLimit(points.length, s.upsert_max_batchsize, kind === 'upsert' ? 'upsert limit' : 'update limit');
  const multi = (s.multivector_config ?? {}) as Record<string, { max_vectors?: number | null } | null>;
  const sparse = (s.sparse_config ?? {}) as Record<string, { max_length?: number | null } | null>;
  for (const p of points) {
    for (const [name, v] of Object.entries(p.vectors)) {
      const maxVectors = multi[name]?.max_vectors;
      if (typeof maxVectors === 'number' && Array.isArray(v) && Array.isArray(v[0]) && v.length > maxVectors) {
        throw errors.badRequest(`Multivector '${name}' has a limit of ${maxVectors} vectors, but ${v.length} were provided!`);
      }
      const maxLength = sparse[name]?.max_length;
      if (typeof maxLength === 'number' && !Array.isArray(v) && v.indices.length > maxLength) {
        throw errors.badRequest(`Sparse vector '${name}' has a limit of ${maxLength} indices, but ${v.indices.length} were provided!`);
      }
    }
  }
  if (kind === 'upsert' && typeof s.max_points_count === 'number') {
    const ids = c.segment.ids;
    const fresh = points.reduce((n, p) => n + (ids.internalOf(p.id) === undefined ? 1 : 0), 0);
    if (fresh > 0 && ids.liveCount + fresh > s.max_points_count) {
      throw strictError(`Max points count limit of ${s.max_points_count} reached!`, 'Delete some points or raise `max_points_count` in the strict mode config of this collection.');
    }
  }
  if (typeof s.max_collection_vector_size_bytes === 'number' && vectorBytes(c) >= s.max_collection_vector_size_bytes) {
    throw errors.badRequest(`Max vector storage size limit of ${mb(s.max_collection_vector_size_bytes)}MB reached!`);
  }
  if (typeof s.max_collection_payload_size_bytes === 'number' && payloadBytes(c) >= s.max_collection_payload_size_bytes) {
    throw errors.badRequest(`Max payload storage size limit of ${mb(s.max_collection_payload_size_bytes)}MB reached!`);
  }
}

export function checkPayloadIndexCount(c: Collection, field: string): void {
  const s = strictConfig(c);
  if (s === undefined || typeof s.max_payload_index_count !== 'number') return;
  const schema = c.segment.indexes.schema();
  if (field in schema) return; // replacing an index does not add one
  if (Object.keys(schema).length >= s.max_payload_index_count) {
    throw strictError(
      `Collection already has the maximum number of payload indices (${s.max_payload_index_count}).`,
      'Delete an existing payload index before creating a new one.',
    );
  }
}

const mb = (bytes: number) => Number((bytes / (1024 * 1024)).toFixed(6));

/** Stored vector bytes by datatype (4, 2 or 1 a component; dense and multivectors' rows), plus 8 bytes per sparse element. */
function vectorBytes(c: Collection): number {
  let bytes = 0;
  for (const slot of c.segment.slots.values()) {
    if (slot.kind === 'dense') bytes += slot.storage.count * slot.spec.size * datatypeBytes(slot.spec.datatype);
    else if (slot.kind === 'multi') bytes += slot.storage.count * slot.spec.size * datatypeBytes(slot.spec.datatype);
    else bytes += slot.storage.count * 8;
  }
  return bytes;
}

/**
 * Payload bytes as their JSON length. A full pass, so cached per operation number: it runs only for collections
 * that set `max_collection_payload_size_bytes`, once per accepted write at most.
 */
const payloadCache = new WeakMap<Collection, { seq: number; bytes: number }>();
function payloadBytes(c: Collection): number {
  const cached = payloadCache.get(c);
  if (cached !== undefined && cached.seq === c.lastSeq) return cached.bytes;
  let bytes = 0;
  const payloads = c.segment.payloads;
  for (const id of payloads.ids()) if (c.segment.ids.isLive(id)) bytes += JSON.stringify(payloads.get(id)).length;
  payloadCache.set(c, { seq: c.lastSeq, bytes });
  return bytes;
}

/**
 * `read_rate_limit` / `write_rate_limit`: requests (reads) or points (writes) per minute, as token buckets that
 * refill continuously. A bucket is rebuilt when its limit changes.
 */
interface Bucket {
  limit: number;
  tokens: number;
  at: number;
}
const buckets = new WeakMap<Collection, { read?: Bucket; write?: Bucket }>();

/** `cost` may be a function: a filtered write's estimate is worked out only when a rate limit is set. */
function takeTokens(c: Collection, kind: 'read' | 'write', price: number | (() => number)): void {
  const s = strictConfig(c)!;
  const limit = kind === 'read' ? s.read_rate_limit : s.write_rate_limit;
  if (typeof limit !== 'number') return;
  const cost = Math.max(1, typeof price === 'function' ? price() : price);
  const now = c.now();
  const mine = buckets.get(c) ?? {};
  buckets.set(c, mine);
  let b = mine[kind];
  if (b === undefined || b.limit !== limit) b = mine[kind] = { limit, tokens: limit, at: now };
  b.tokens = Math.min(limit, b.tokens + ((now - b.at) / 60_000) * limit);
  b.at = now;
  const label = kind === 'read' ? 'Read' : 'Write';
  if (cost > limit) throw new SextantError('too_many_requests', `Rate limiting exceeded: ${label} rate limit exceeded: Operation requires ${cost} tokens but only ${limit} tokens can be available per minute`);
  if (b.tokens < cost) {
    throw new SextantError(
      'too_many_requests',
      cost === 1
        ? `Rate limiting exceeded: ${label} rate limit exceeded, retry later`
        : `Rate limiting exceeded: ${label} rate limit exceeded: Operation requires ${cost} tokens but only ${Math.floor(b.tokens)} are available`,
    );
  }
  b.tokens -= cost;
}
