import { cp, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedClient, SextantError, type EmbeddedClient } from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';
import { IssueLog } from '../src/rest/issues.js';
import { FileStorage } from '../src/storage/file-storage.js';
import { flipByte, FullDiskStorage } from './reliability/fault-storage.js';
import { Rng } from './reliability/hostile-values.js';
import { dataChecksum } from './reliability/seeded-data.js';

/**
 * Promise: stored bytes are checked, and damage never turns into wrong answers. A corrupted or torn segment is
 * detected at open, reported, and the collection comes back exactly from the previous segment and the op logs; a
 * corrupted op log loses only what follows the damage, and says so; a full disk refuses writes with 507 while reads
 * keep working, and every acknowledged write survives.
 */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sextant-integrity-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function open(path = dir, issues: string[] = []): Promise<EmbeddedClient> {
  return createEmbeddedClient({ storage: new FileStorage(path), onIntegrityIssue: (message: string) => issues.push(message) });
}

function points(rng: Rng, from: number, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: from + i,
    vector: Array.from({ length: 8 }, () => rng.next() * 2 - 1),
    payload: { n: from + i, word: `w${rng.int(1000)}` },
  }));
}

/** Two flushed generations and a tail in the log: every place a point can live. Returns the data's checksum. */
async function writeGenerations(): Promise<string> {
  const rng = new Rng(11);
  let db = await open();
  await db.createCollection('c', { vectors: { size: 8, distance: 'Cosine' } });
  await db.upsert('c', { wait: true, points: points(rng, 0, 300) });
  await db.close();
  db = await open();
  await db.upsert('c', { wait: true, points: points(rng, 300, 200) });
  await db.delete('c', { wait: true, points: [5, 6, 7] });
  await db.close();
  db = await open();
  await db.upsert('c', { wait: true, points: points(rng, 500, 50) });
  await db.setPayload('c', { wait: true, payload: { late: true }, points: [1, 2] });
  const sum = await dataChecksum(db, ['c']);
  // No close: the last writes live only in the op log, as after a crash.
  return sum;
}

/**
 * The live generation's files (segment-generations.ts): its manifest and, in manifest order, the chunk blobs it does
 * not share with the previous generation (a shared chunk's damage is beyond what two generations can repair). The
 * manifest body is JSON after a 24-byte header: `[[section, length, [[blob, crc, length], ...]], ...]`.
 */
async function liveFiles(root: string): Promise<{ manifest: string; chunks: string[] }> {
  const folder = join(root, 'collections', 'c');
  const blobs = async (name: string) => {
    const body = (await readFile(join(folder, name))).subarray(24).toString('utf8');
    return (JSON.parse(body) as [string, number, [string, number, number][]][]).flatMap(([, , chunks]) => chunks.map(([blob]) => blob));
  };
  const previous = new Set(await blobs('manifest.prev'));
  const chunks = (await blobs('manifest')).filter((blob) => !previous.has(blob)).map((blob) => join(folder, 'blobs', blob));
  return { manifest: join(folder, 'manifest'), chunks };
}

type Target = (files: { manifest: string; chunks: string[] }) => string;
const firstChunk: Target = (files) => files.chunks[0]!;
const lastChunk: Target = (files) => files.chunks[files.chunks.length - 1]!;
const manifest: Target = (files) => files.manifest;

describe('segment integrity', () => {
  it.each([
    ['a flipped byte in the middle of a chunk', firstChunk, async (path: string) => writeFile(path, flipByte(await readFile(path), Math.floor((await readFile(path)).length / 2)))],
    ['a flipped byte in the last chunk', lastChunk, async (path: string) => writeFile(path, flipByte(await readFile(path), -3))],
    ['a torn chunk (half of it)', firstChunk, async (path: string) => truncate(path, Math.floor((await readFile(path)).length / 2))],
    ['an empty chunk', lastChunk, async (path: string) => truncate(path, 0)],
    ['a missing chunk', firstChunk, async (path: string) => rm(path)],
    ['a flipped byte in the manifest', manifest, async (path: string) => writeFile(path, flipByte(await readFile(path), 30))],
    ['a torn manifest', manifest, async (path: string) => truncate(path, Math.floor((await readFile(path)).length / 2))],
    ['an empty manifest', manifest, async (path: string) => truncate(path, 0)],
  ])('detects %s, reports it and recovers every point from the previous segment and the logs', async (_what, target, damage) => {
    const expected = await writeGenerations();
    const crashed = join(dir, '..', `${dir.split('/').pop()}-copy`);
    await cp(dir, crashed, { recursive: true });
    try {
      await damage(target(await liveFiles(crashed)));
      const issues: string[] = [];
      const db = await open(crashed, issues);
      expect(await dataChecksum(db, ['c'])).toBe(expected);
      expect(issues.join('\n')).toMatch(/segment of c is corrupted.*recovered/s);
      await db.upsert('c', { wait: true, points: [{ id: 9999, vector: [1, 0, 0, 0, 0, 0, 0, 0] }] });
      await db.close();
      // The repaired collection opens cleanly afterwards, with the new write.
      const again: string[] = [];
      const reopened = await open(crashed, again);
      expect(again).toEqual([]);
      expect((await reopened.count('c', { exact: true })).count).toBe(548);
      await reopened.close();
    } finally {
      await rm(crashed, { recursive: true, force: true });
    }
  });

  it('lists what it found under GET /issues, as Qdrant lists its issues', async () => {
    const expected = await writeGenerations();
    const crashed = `${dir}-issues`;
    await cp(dir, crashed, { recursive: true });
    try {
      const path = join(crashed, 'collections', 'c', 'manifest');
      await writeFile(path, flipByte(await readFile(path), 100));
      const issues = new IssueLog();
      const db = await createEmbeddedClient({ storage: new FileStorage(crashed), onIntegrityIssue: issues.integrity });
      const app = await buildRestApp({ client: db, issues });
      const listed = (await app.inject({ method: 'GET', url: '/issues' })).json().result.issues;
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ related_collection: 'c', id: expect.stringMatching(/^STORAGE_INTEGRITY/) });
      expect(listed[0].description).toMatch(/corrupted/);
      expect(await dataChecksum(db, ['c'])).toBe(expected);
      expect((await app.inject({ method: 'DELETE', url: '/issues' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/issues' })).json().result.issues).toEqual([]);
      await app.close();
      await db.close();
    } finally {
      await rm(crashed, { recursive: true, force: true });
    }
  });

  it('refuses to open a collection whose segment and previous segment are both damaged, naming it', async () => {
    await writeGenerations();
    const crashed = `${dir}-both`;
    await cp(dir, crashed, { recursive: true });
    try {
      for (const name of ['manifest', 'manifest.prev']) {
        const path = join(crashed, 'collections', 'c', name);
        await writeFile(path, flipByte(await readFile(path), 40));
      }
      const failure = await open(crashed).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(SextantError.is(failure)).toBe(true);
      expect((failure as SextantError).code).toBe('storage_corrupted');
      expect((failure as SextantError).message).toMatch(/\bc\b.*corrupted/);
    } finally {
      await rm(crashed, { recursive: true, force: true });
    }
  });
});

describe('metadata integrity', () => {
  it('names a damaged aliases file or collection config instead of failing on a JSON syntax error', async () => {
    await writeGenerations();
    const db = await open();
    await db.updateCollectionAliases({ actions: [{ create_alias: { collection_name: 'c', alias_name: 'live' } }] });
    await db.close();
    for (const [file, pattern] of [['aliases', /aliases file .* is corrupted/], [join('collections', 'c', 'config'), /config of collection c is corrupted/]] as const) {
      const crashed = `${dir}-meta`;
      await cp(dir, crashed, { recursive: true });
      try {
        const path = join(crashed, file);
        await writeFile(path, flipByte(await readFile(path), 0));
        const failure = await open(crashed).then(() => undefined, (error: unknown) => error);
        expect((failure as SextantError).code).toBe('storage_corrupted');
        expect((failure as SextantError).message).toMatch(pattern);
      } finally {
        await rm(crashed, { recursive: true, force: true });
      }
    }
  });
});

describe('op log integrity', () => {
  it('keeps the records before a corrupted one, drops the rest and reports how much', async () => {
    const rng = new Rng(3);
    const db = await open();
    await db.createCollection('c', { vectors: { size: 8, distance: 'Dot' } });
    const written = points(rng, 0, 40);
    for (const point of written) await db.upsert('c', { wait: true, points: [point] });
    const crashed = `${dir}-log`;
    await cp(dir, crashed, { recursive: true });
    try {
      const wal = join(crashed, 'collections', 'c', 'wal');
      const bytes = await readFile(wal);
      // Record 30 of 41 (the first record creates nothing: the collection is made before the log starts).
      await writeFile(wal, flipByte(bytes, Math.floor((bytes.length * 30) / 40) + 20));
      const issues: string[] = [];
      const reopened = await open(crashed, issues);
      const found = await reopened.scroll('c', { limit: 100, with_vector: true, with_payload: true });
      const ids = found.points.map((p) => Number(p.id)).sort((a, b) => a - b);
      // A prefix survives exactly, nothing after the damage is half there.
      expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i));
      expect(ids.length).toBeGreaterThan(20);
      expect(ids.length).toBeLessThan(40);
      for (const point of found.points) expect(point.payload).toEqual(written[Number(point.id)]!.payload);
      expect(issues.join('\n')).toMatch(/op log of c.*dropped/s);
      await reopened.close();
    } finally {
      await rm(crashed, { recursive: true, force: true });
    }
  });
});

describe('full disk', () => {
  it('refuses writes with 507 while reads keep serving, and loses nothing acknowledged', async () => {
    const storage = new FullDiskStorage(new FileStorage(dir));
    const db = await createEmbeddedClient({ storage });
    const app = await buildRestApp({ client: db });
    const rng = new Rng(5);
    await db.createCollection('c', { vectors: { size: 8, distance: 'Cosine' } });
    const acknowledged = new Map<number, ReturnType<typeof points>[number]>();
    storage.budget = 40_000;
    let refused = 0;
    for (let i = 0; i < 200; i++) {
      const batch = points(rng, i * 5, 5);
      const response = await app.inject({ method: 'PUT', url: '/collections/c/points?wait=true', payload: { points: batch } });
      if (response.statusCode === 200) for (const p of batch) acknowledged.set(p.id, p);
      else {
        expect(response.statusCode, response.body).toBe(507);
        expect(response.json().status.error).toMatch(/No space left on device/);
        refused++;
        // Reads go on while the disk is full.
        const read = await app.inject({ method: 'POST', url: '/collections/c/points/query', payload: { query: batch[0]!.vector, limit: 3 } });
        expect(read.statusCode, read.body).toBe(200);
      }
      // Space comes back after a while: later writes must land after the torn record, and survive.
      if (i === 120) storage.budget = Number.POSITIVE_INFINITY;
    }
    expect(refused).toBeGreaterThan(10);
    expect(acknowledged.size).toBeGreaterThan(100);
    await app.close();

    // kill -9: no close, no flush. Reopen a copy of the files as the next process would.
    const crashed = `${dir}-full`;
    await cp(dir, crashed, { recursive: true });
    try {
      const reopened = await open(crashed);
      const found = await reopened.retrieve('c', { ids: [...acknowledged.keys()], with_vector: true, with_payload: true });
      expect(found.length).toBe(acknowledged.size);
      for (const point of found) expect(point.payload).toEqual(acknowledged.get(Number(point.id))!.payload);
      await reopened.close();
    } finally {
      await rm(crashed, { recursive: true, force: true });
    }
  });
});
