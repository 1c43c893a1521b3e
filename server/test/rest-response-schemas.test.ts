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

  it('answers GET / with the version information Qdrant publishes', async () => {
    const schema = (qdrantSpec().paths['/']!['get']!.responses['200']!.content!['application/json']!.schema);
    const validate = specValidator(schema);
    const body = (await call(app, 'GET', '/')).json();
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  });
});
