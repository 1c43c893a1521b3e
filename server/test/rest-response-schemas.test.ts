import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createEmbeddedClient } from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';
import { qdrantSpec, specOperations, type Operation } from '../src/rest/spec/load-spec.js';
import { specValidator } from '../src/rest/validation/ajv-instance.js';
import { call } from './rest/helpers.js';

// Every GET operation of Qdrant's API description, with each of its query-parameter variants, and the common writes,
// against a collection with named dense vectors, a sparse vector, payload indexes of several kinds, an alias and
// snapshots: each 2xx JSON answer must match the response schema the operation publishes (required fields, types).

const COLLECTION = 'docs';
const PATH_PARAMS: Record<string, string> = { collection_name: COLLECTION, id: '3', shard_id: '0', peer_id: '1' };

/** Values for a query parameter: every boolean, the details levels Qdrant distinguishes (0..10), each enum arm. */
function variants(op: Operation, name: string): string[] {
  if (name === 'details_level') return Array.from({ length: 11 }, (_, level) => String(level));
  if (name === 'with') return ['queued', 'completed', 'idle_segments', 'queued,completed,idle_segments'];
  if (name === 'completed_limit') return ['0', '3'];
  if (name === 'consistency') return ['1', 'majority', 'all', 'quorum'];
  if (name === 'timeout') return ['30'];
  const schema = op.query.get(name)!;
  if (schema['type'] === 'boolean') return ['true', 'false'];
  throw new Error(`${op.id}: no variants for query parameter ${name}`);
}

/** The URLs that try each query parameter's values in turn, all unset first. */
function urls(op: Operation, pathParams: Record<string, string>): string[] {
  const path = op.path.replace(/\{([a-z_]+)\}/g, (_, name: string) => encodeURIComponent(pathParams[name] ?? PATH_PARAMS[name]!));
  const out = [path];
  for (const name of op.query.keys()) for (const value of variants(op, name)) out.push(`${path}?${name}=${encodeURIComponent(value)}`);
  return out;
}

function mismatch(op: Operation, url: string, body: string): string | undefined {
  if (!op.result) return undefined;
  const envelope = JSON.parse(body) as { result: unknown; status: unknown; time: unknown };
  if (envelope.status !== 'ok' || typeof envelope.time !== 'number') return `${op.id} ${url}: envelope ${body.slice(0, 200)}`;
  const validate = specValidator(op.result);
  if (validate(envelope.result)) return undefined;
  return `${op.id} ${url}: ${JSON.stringify(validate.errors?.slice(0, 2).map((e) => [e.instancePath, e.message, e.params]))}`;
}

describe('every REST answer matches the response schema Qdrant publishes', () => {
  let app: FastifyInstance;
  let dir: string;
  const names: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sextant-schemas-'));
    app = await buildRestApp({ client: await createEmbeddedClient(), snapshotsDir: dir });
    const ok = async (method: string, url: string, body?: unknown) => {
      const response = await call(app, method, url, body);
      expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(200);
      return response.json().result;
    };
    await ok('PUT', `/collections/${COLLECTION}`, {
      vectors: { text: { size: 4, distance: 'Cosine' }, image: { size: 3, distance: 'Dot', on_disk: true } },
      sparse_vectors: { bm25: { modifier: 'idf' } },
    });
    const points = Array.from({ length: 40 }, (_, i) => ({
      id: i + 1,
      vector: {
        text: [Math.sin(i), Math.cos(i), Math.sin(i * 0.5), 1],
        image: [i % 5, 1, Math.cos(i)],
        bm25: { indices: [i % 7, 10 + (i % 3)], values: [0.5, 1.5] },
      },
      payload: {
        city: i % 2 ? 'Berlin' : 'Paris',
        n: i,
        price: i * 1.5,
        ok: i % 3 === 0,
        at: `2024-01-${String((i % 28) + 1).padStart(2, '0')}T10:00:00Z`,
        place: { lat: 52 + i / 100, lon: 13 },
        about: `the quick brown fox number ${i}`,
        uid: `5c56c793-69f3-4fbf-87e6-${String(i).padStart(12, '0')}`,
      },
    }));
    await ok('PUT', `/collections/${COLLECTION}/points?wait=true`, { points });
    for (const [field_name, field_schema] of [
      ['city', 'keyword'],
      ['n', { type: 'integer', range: true, lookup: true }],
      ['price', 'float'],
      ['ok', 'bool'],
      ['at', 'datetime'],
      ['place', 'geo'],
      ['about', { type: 'text', tokenizer: 'word', lowercase: true }],
      ['uid', 'uuid'],
    ] as const) {
      await ok('PUT', `/collections/${COLLECTION}/index?wait=true`, { field_name, field_schema });
    }
    await ok('POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: COLLECTION, alias_name: 'current' } }] });
    names['snapshot_name'] = (await ok('POST', `/collections/${COLLECTION}/snapshots?wait=true`)).name;
    names['full_snapshot'] = (await ok('POST', '/snapshots?wait=true')).name;
    names['shard_snapshot'] = (await ok('POST', `/collections/${COLLECTION}/shards/0/snapshots?wait=true`)).name;
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every GET operation, with each query-parameter variant, in the published shape', async () => {
    const failures: string[] = [];
    const gets = specOperations().filter((op) => op.method === 'GET');
    expect(gets.length).toBeGreaterThan(20);
    for (const op of gets) {
      const snapshot = op.path.startsWith('/snapshots/') ? 'full_snapshot' : op.path.includes('/shards/') ? 'shard_snapshot' : 'snapshot_name';
      const pathParams = { snapshot_name: names[snapshot]! };
      for (const url of urls(op, pathParams)) {
        const response = await call(app, 'GET', url);
        if (response.statusCode >= 300) {
          failures.push(`${op.id} ${url}: status ${response.statusCode} ${response.body.slice(0, 200)}`);
          continue;
        }
        if (!op.result || !String(response.headers['content-type']).includes('application/json')) continue;
        const problem = mismatch(op, url, response.body);
        if (problem) failures.push(problem);
      }
    }
    expect(failures).toEqual([]);
  });

  it('fills telemetry level by level as Qdrant does: environment and aggregates at 1, collection ids from 2', async () => {
    const level = async (n: number) => (await call(app, 'GET', `/telemetry?details_level=${n}`)).json().result;
    const zero = await level(0);
    expect(zero.app).not.toHaveProperty('system');
    expect(zero.collections).toEqual({ number_of_collections: 1 });
    expect(zero.cluster).toEqual({ enabled: false, resharding_enabled: false });
    expect((await level(3)).cluster).toEqual({ enabled: false, resharding_enabled: false });
    const one = await level(1);
    expect(typeof one.app.system.cpu_flags).toBe('string');
    expect(one.app.system.cpu_flags).toMatch(/^(?:[a-z0-9]+(?:,[a-z0-9]+)*)?$/);
    expect(one.app.system.is_docker).toBe(existsSync('/.dockerenv'));
    expect(one.app.features).toMatchObject({ gpu: false, rocksdb: false });
    // 40 points, each with both dense vectors and the sparse one.
    expect(one.collections.collections).toEqual([{ vectors: 120, optimizers_status: 'ok', params: expect.objectContaining({ sparse_vectors: expect.any(Object) }) }]);
    expect(one.collections.snapshots).toEqual([]);
    const two = await level(2);
    expect(two.collections.collections).toEqual([{ id: COLLECTION }]);
  });

  it('anonymizes telemetry as Qdrant does: names hashed (stably), large counts cut to five leading digits', async () => {
    const get = async (query: string) => (await call(app, 'GET', `/telemetry?${query}`)).json().result;
    const plain = await get('details_level=2');
    const hidden = await get('details_level=2&anonymize=true');
    const [{ id }] = hidden.collections.collections;
    expect(id).toMatch(/^\d+$/);
    expect(hidden.collections.snapshots).toEqual([{ id }]);
    expect((await get('details_level=3&anonymize=true')).collections.collections).toEqual([{ id }]);
    const ram = plain.app.system.ram_size as number;
    const coarse = hidden.app.system.ram_size as number;
    expect(coarse).toBeLessThanOrEqual(ram);
    expect(ram - coarse).toBeLessThan(10 ** (Math.round(Math.log10(ram)) - 4));
    expect(coarse % 10 ** (Math.round(Math.log10(ram)) - 4)).toBe(0);
    expect(hidden.id).toBe(plain.id);
    expect((await get('details_level=1&anonymize=true')).collections.collections[0].vectors).toBe(120);
    const metrics = (await call(app, 'GET', '/metrics?anonymize=true')).body;
    expect(metrics).toContain(`collection_points{collection="${id}"} 40`);
    expect(metrics).not.toContain(`"${COLLECTION}"`);
  });

  it('prints the node metrics Qdrant documents: recovery mode, cluster flag, per-endpoint avg/min/max durations', async () => {
    await call(app, 'GET', '/cluster');
    const text = (await call(app, 'GET', '/metrics')).body;
    expect(text).toMatch(/^app_status_recovery_mode 0$/m);
    expect(text).toMatch(/^cluster_enabled 0$/m);
    expect(text).toMatch(/^collections_total 1$/m);
    const gauge = (name: string) => Number(new RegExp(String.raw`^rest_responses_${name}_duration_seconds\{method="GET",endpoint="/cluster"\} (\S+)$`, 'm').exec(text)?.[1]);
    const [avg, min, max] = [gauge('avg'), gauge('min'), gauge('max')];
    expect(min).toBeGreaterThan(0);
    expect(min).toBeLessThanOrEqual(avg);
    expect(avg).toBeLessThanOrEqual(max);
    // Every family is declared once, with HELP and TYPE, before its samples.
    const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1]);
    expect(new Set(families).size).toBe(families.length);
  });

  it('reports request durations per endpoint and status, each status with its own statistics', async () => {
    await call(app, 'GET', '/collections/nope/points/1');
    await call(app, 'GET', `/collections/${COLLECTION}/points/1`);
    const telemetry = (await call(app, 'GET', '/telemetry')).json().result;
    const byStatus = telemetry.requests.rest.responses['GET /collections/{name}/points/{id}'];
    for (const [status, stats] of Object.entries(byStatus as Record<string, Record<string, number>>)) {
      expect(stats['count'], status).toBeGreaterThan(0);
      // Before, every status showed the endpoint's totals: avg x count did not give the status's own total.
      expect(Math.abs(stats['avg_duration_micros']! * stats['count']! - stats['total_duration_micros']!), status).toBeLessThanOrEqual(1);
      expect(stats['min_duration_micros']!).toBeLessThanOrEqual(stats['max_duration_micros']!);
    }
    expect(byStatus['404']).toMatchObject({ count: 1, fail_count: 1 });
    expect(byStatus['200'].fail_count).toBe(0);
  });

  it('answers GET / with the version information Qdrant publishes', async () => {
    const schema = (qdrantSpec().paths['/']!['get']!.responses['200']!.content!['application/json']!.schema);
    const validate = specValidator(schema);
    const body = (await call(app, 'GET', '/')).json();
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  });

  it('answers the common writes and reads with bodies, with each payload and vector selector, in the published shape', async () => {
    const c = `/collections/${COLLECTION}`;
    const text = [0.1, 0.9, 0.2, 0.5];
    const sparse = { indices: [1, 10], values: [0.5, 1] };
    const filter = { must: [{ key: 'city', match: { value: 'Berlin' } }, { key: 'n', range: { gte: 2 } }] };
    const selectors: Array<Record<string, unknown>> = [];
    for (const with_payload of [true, false, ['city', 'n'], { exclude: ['about'] }]) {
      for (const with_vector of [true, false, ['text'], ['bm25', 'image']]) selectors.push({ with_payload, with_vector });
    }
    const calls: Array<[string, string, string, unknown]> = [];
    for (const sel of selectors) {
      const { with_payload, with_vector } = sel;
      calls.push(
        ['get_points', 'POST', `${c}/points`, { ids: [1, 2, 99], ...sel }],
        ['scroll_points', 'POST', `${c}/points/scroll`, { filter, limit: 3, order_by: { key: 'n', direction: 'desc' }, ...sel }],
        ['query_points', 'POST', `${c}/points/query`, { query: text, using: 'text', limit: 3, filter, ...sel }],
        ['search_points', 'POST', `${c}/points/search`, { vector: { name: 'text', vector: text }, limit: 3, with_payload, with_vector }],
        ['query_points_groups', 'POST', `${c}/points/query/groups`, { query: text, using: 'text', group_by: 'city', limit: 2, group_size: 2, ...sel }],
      );
    }
    calls.push(
      ['count_points', 'POST', `${c}/points/count`, { filter, exact: true }],
      ['count_points', 'POST', `${c}/points/count`, { filter, exact: false }],
      ['count_points', 'POST', `${c}/points/count`, {}],
      ['facet', 'POST', `${c}/facet`, { key: 'city', exact: true }],
      ['facet', 'POST', `${c}/facet`, { key: 'n', filter, limit: 3, exact: false }],
      ['query_points', 'POST', `${c}/points/query`, { query: sparse, using: 'bm25', limit: 3 }],
      ['query_points', 'POST', `${c}/points/query`, {
        prefetch: [{ query: text, using: 'text', limit: 10 }, { query: sparse, using: 'bm25', limit: 10 }],
        query: { fusion: 'rrf' }, limit: 4, with_payload: true,
      }],
      ['query_points', 'POST', `${c}/points/query`, { query: { recommend: { positive: [1, 2], negative: [3] } }, using: 'image', limit: 3 }],
      ['query_points', 'POST', `${c}/points/query`, { query: { order_by: 'n' }, limit: 3 }],
      ['query_points', 'POST', `${c}/points/query`, { query: 5, using: 'text', limit: 3, score_threshold: 0.1 }],
      ['query_batch_points', 'POST', `${c}/points/query/batch`, { searches: [{ query: text, using: 'text', limit: 2 }, { query: sparse, using: 'bm25', limit: 2 }] }],
      ['search_matrix_pairs', 'POST', `${c}/points/search/matrix/pairs`, { sample: 10, limit: 2, using: 'text' }],
      ['search_matrix_offsets', 'POST', `${c}/points/search/matrix/offsets`, { sample: 10, limit: 2, using: 'text', filter }],
      ['search_batch_points', 'POST', `${c}/points/search/batch`, { searches: [{ vector: { name: 'text', vector: text }, limit: 2 }] }],
      ['search_point_groups', 'POST', `${c}/points/search/groups`, { vector: { name: 'text', vector: text }, group_by: 'city', limit: 2, group_size: 2 }],
      ['recommend_points', 'POST', `${c}/points/recommend`, { positive: [1, 2], using: 'text', limit: 3 }],
      ['recommend_batch_points', 'POST', `${c}/points/recommend/batch`, { searches: [{ positive: [1], using: 'image', limit: 2 }] }],
      ['recommend_point_groups', 'POST', `${c}/points/recommend/groups`, { positive: [1], using: 'text', group_by: 'city', limit: 2, group_size: 2 }],
      ['discover_points', 'POST', `${c}/points/discover`, { target: 4, context: [{ positive: 1, negative: 2 }], using: 'text', limit: 3 }],
      ['discover_batch_points', 'POST', `${c}/points/discover/batch`, { searches: [{ target: 4, context: [{ positive: 1, negative: 2 }], using: 'text', limit: 3 }] }],
      ['upsert_points', 'PUT', `${c}/points?wait=true`, { points: [{ id: 100, vector: { text, image: [1, 2, 3], bm25: sparse }, payload: { city: 'Rome' } }] }],
      ['upsert_points', 'PUT', `${c}/points?wait=false`, { batch: { ids: [101], vectors: { text: [text], image: [[1, 0, 0]] } } }],
      ['update_vectors', 'PUT', `${c}/points/vectors?wait=true`, { points: [{ id: 100, vector: { image: [3, 2, 1] } }] }],
      ['delete_vectors', 'POST', `${c}/points/vectors/delete?wait=true`, { points: [100], vector: ['bm25'] }],
      ['set_payload', 'POST', `${c}/points/payload?wait=true`, { payload: { tag: 'x' }, points: [100] }],
      ['overwrite_payload', 'PUT', `${c}/points/payload?wait=true`, { payload: { city: 'Oslo' }, filter: { must: [{ has_id: [100] }] } }],
      ['delete_payload', 'POST', `${c}/points/payload/delete?wait=true`, { keys: ['city'], points: [100] }],
      ['clear_payload', 'POST', `${c}/points/payload/clear?wait=true`, { points: [101] }],
      ['batch_update', 'POST', `${c}/points/batch?wait=true`, { operations: [
        { upsert: { points: [{ id: 102, vector: { text }, payload: { n: 1 } }] } },
        { set_payload: { payload: { n: 2 }, points: [102] } },
        { delete: { points: [101] } },
      ] }],
      ['delete_points', 'POST', `${c}/points/delete?wait=true`, { points: [100, 102] }],
      ['create_field_index', 'PUT', `${c}/index?wait=true`, { field_name: 'tag', field_schema: { type: 'keyword', is_tenant: true } }],
      ['delete_field_index', 'DELETE', `${c}/index/tag?wait=true`, undefined],
      ['update_collection', 'PATCH', c, { optimizers_config: { indexing_threshold: 10000 } }],
      ['update_aliases', 'POST', '/collections/aliases', { actions: [{ rename_alias: { old_alias_name: 'current', new_alias_name: 'latest' } }] }],
      ['create_vector_name', 'PUT', `${c}/vectors/extra?wait=true`, { dense: { size: 2, distance: 'Euclid' } }],
      ['delete_vector_name', 'DELETE', `${c}/vectors/extra?wait=true`, undefined],
      ['update_quotas', 'PUT', '/quotas', { enabled: false }],
      ['clear_issues', 'DELETE', '/issues', undefined],
      ['create_collection', 'PUT', '/collections/scratch', { vectors: { size: 2, distance: 'Manhattan', datatype: 'float16' }, sparse_vectors: { s: {} } }],
      ['create_snapshot', 'POST', '/collections/scratch/snapshots?wait=true', undefined],
      ['create_full_snapshot', 'POST', '/snapshots?wait=true', undefined],
      ['create_shard_snapshot', 'POST', '/collections/scratch/shards/0/snapshots?wait=true', undefined],
      ['delete_collection', 'DELETE', '/collections/scratch', undefined],
    );
    const byId = new Map(specOperations().map((op) => [op.id, op]));
    const failures: string[] = [];
    for (const [id, method, url, body] of calls) {
      const op = byId.get(id)!;
      expect(op.method, id).toBe(method);
      const response = await call(app, method, url, body);
      if (response.statusCode !== 200) failures.push(`${id} ${url}: status ${response.statusCode} ${response.body.slice(0, 300)}`);
      else {
        const problem = mismatch(op, `${url} ${JSON.stringify(body)?.slice(0, 120)}`, response.body);
        if (problem) failures.push(problem);
      }
    }
    expect(failures).toEqual([]);
  });
});
