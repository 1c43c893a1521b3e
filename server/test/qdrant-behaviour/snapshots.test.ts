import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';

// Snapshots as Qdrant's REST tests pin them: create, list, download (checksum = sha256 of the bytes), delete and
// recover (a wrong checksum is a 400 and recovers nothing), full snapshots, wait=false answering 202, Qdrant's
// words for bad file:// locations, and no path traversal through snapshot names.
const C = 'snap';

describe('snapshots', () => {
  let s: Server;
  let dir: string;
  let files: HttpServer;
  let filesUrl: string;

  const eventually = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 100; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('condition never held');
  };
  const list = (path: string) => s.ok('GET', path) as Promise<Array<{ name: string; checksum: string }>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'h5-snapshots-'));
    // A plain file server, as Qdrant's test serves the downloaded snapshot for recovery by URL.
    files = createServer((req, res) => {
      import('node:fs').then(({ createReadStream, existsSync }) => {
        const file = join(dir, 'served', (req.url ?? '/').slice(1));
        if (!existsSync(file)) return res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        createReadStream(file).pipe(res);
      });
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    const port = (files.address() as { port: number }).port;
    filesUrl = `http://127.0.0.1:${port}`;
    s = await startServer({ snapshotsDir: join(dir, 'snapshots'), snapshotHosts: [`127.0.0.1:${port}`] });
  });
  beforeEach(() => basicCollection(s, C));
  afterAll(async () => {
    await s.close();
    await new Promise((r) => files.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('creates, lists, downloads, deletes, and recovers only with the right checksum', async () => {
    expect(await list(`/collections/${C}/snapshots`)).toEqual([]);
    const created = await s.ok('POST', `/collections/${C}/snapshots?wait=true`);
    const listed = await list(`/collections/${C}/snapshots`);
    expect(listed.map((x) => [x.name, x.checksum])).toEqual([[created.name, created.checksum]]);

    const download = await s.call('GET', `/collections/${C}/snapshots/${created.name}`);
    expect(download.status).toBe(200);
    const bytes = download.body as Uint8Array;
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(created.checksum);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'served'), { recursive: true });
    await writeFile(join(dir, 'served', 'snapshot.tar'), bytes);

    expect(await s.ok('DELETE', `/collections/${C}/snapshots/${created.name}?wait=true`)).toBe(true);
    expect(await list(`/collections/${C}/snapshots`)).toEqual([]);
    await s.ok('DELETE', `/collections/${C}`);
    expect((await s.call('POST', `/collections/${C}/points/scroll`, {})).status).toBe(404);

    const location = `${filesUrl}/snapshot.tar`;
    const wrong = await s.call('PUT', `/collections/${C}/snapshots/recover`, { location, checksum: '3'.repeat(created.checksum.length), wait: 'true' });
    expect(wrong.status).toBe(400);
    expect((await s.call('POST', `/collections/${C}/points/scroll`, {})).status).toBe(404);
    await s.ok('PUT', `/collections/${C}/snapshots/recover`, { location, checksum: created.checksum, wait: 'true' });
    expect((await s.ok('POST', `/collections/${C}/points/scroll`, {})).points).toHaveLength(10);
  });

  it('creates, lists and deletes full snapshots', async () => {
    expect(await list('/snapshots')).toEqual([]);
    const created = await s.ok('POST', '/snapshots');
    expect((await list('/snapshots')).map((x) => x.name)).toEqual([created.name]);
    await s.ok('DELETE', `/snapshots/${created.name}?wait=true`);
    expect(await list('/snapshots')).toEqual([]);
  });

  it('answers 202 to wait=false and finishes the work after', async () => {
    expect((await s.call('POST', `/collections/${C}/snapshots?wait=false`)).status).toBe(202);
    let name = '';
    await eventually(async () => { const l = await list(`/collections/${C}/snapshots`); name = l[0]?.name ?? ''; return l.length === 1; });
    expect((await s.call('DELETE', `/collections/${C}/snapshots/${name}?wait=false`)).status).toBe(202);
    await eventually(async () => (await list(`/collections/${C}/snapshots`)).length === 0);

    expect(await list('/snapshots')).toEqual([]);
    expect((await s.call('POST', '/snapshots?wait=false')).status).toBe(202);
    await eventually(async () => { const l = await list('/snapshots'); name = l[0]?.name ?? ''; return l.length === 1; });
    expect((await s.call('DELETE', `/snapshots/${name}?wait=false`)).status).toBe(202);
    await eventually(async () => (await list('/snapshots')).length === 0);
  });

  it('refuses bad file:// locations with 400 in Qdrant words', async () => {
    const recover = (location: string) => s.call('PUT', '/collections/somethingthatdoesnotexist/snapshots/recover', { location });
    for (const location of ['file://whatever.snapshot', 'file://./etc/passwd']) {
      const r = await recover(location);
      expect(r.status).toBe(400);
      expect(r.body.status.error).toBe('Bad request: Invalid snapshot URI, file path must be absolute or on localhost');
    }
    // Qdrant names a missing file outside the folder ("does not exist"); Sextant does not tell whether a file exists
    // outside its snapshots folder, and answers with Qdrant's words for a file outside it.
    for (const location of ['file:///etc/passwd', 'file:///whatever.snapshot', 'file://localhost/whatever.snapshot']) {
      const r = await recover(location);
      expect(r.status).toBe(400);
      expect(r.body.status.error.startsWith('Bad request: Snapshot file path must be inside the snapshots directory')).toBe(true);
    }
    const missing = await recover(`file://${join(dir, 'snapshots', 'missing.snapshot')}`);
    expect(missing.status).toBe(400);
    expect(missing.body.status.error).toBe(`Bad request: Snapshot file "${join(dir, 'snapshots', 'missing.snapshot')}" does not exist`);
  });

  it('finds no snapshot through path traversal in a name', async () => {
    for (const prefix of ['/snapshots', `/collections/${C}/snapshots`]) {
      for (const name of ['%2Fetc%2Fpasswd', '..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd']) {
        expect((await s.call('GET', `${prefix}/${name}`)).status).toBe(404);
      }
      // unencoded: the URL resolves to another path, which is no snapshot either
      const raw = await fetch(`${s.url}${prefix}/../../../../../../../etc/passwd`);
      expect(raw.status).toBe(404);
    }
  });

  it('runs the same lifecycle on shard 0, recovery by URL included', async () => {
    const base = `/collections/${C}/shards/0/snapshots`;
    expect(await list(base)).toEqual([]);
    const created = await s.ok('POST', `${base}?wait=true`);
    expect((await list(base)).map((x) => [x.name, x.checksum])).toEqual([[created.name, created.checksum]]);
    const bytes = (await s.call('GET', `${base}/${created.name}`)).body as Uint8Array;
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(created.checksum);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'served'), { recursive: true });
    await writeFile(join(dir, 'served', 'shard.tar'), bytes);
    await s.ok('DELETE', `${base}/${created.name}?wait=true`);
    expect(await list(base)).toEqual([]);
    const location = `${filesUrl}/shard.tar`;
    expect((await s.call('PUT', `${base}/recover`, { location, checksum: '3'.repeat(64), wait: 'true' })).status).toBe(400);
    await s.ok('PUT', `${base}/recover`, { location, checksum: created.checksum, wait: 'true' });

    expect((await s.call('POST', `${base}?wait=false`)).status).toBe(202);
    let name = '';
    await eventually(async () => { const l = await list(base); name = l[0]?.name ?? ''; return l.length === 1; });
    expect((await s.call('DELETE', `${base}/${name}?wait=false`)).status).toBe(202);
    await eventually(async () => (await list(base)).length === 0);
  });

  it('shard recovery: 404 for a missing collection before the location is read, 400 for unusable locations', async () => {
    expect((await s.call('PUT', '/collections/somethingthatdoesnotexist/shards/0/snapshots/recover', { location: 'whatever' })).status).toBe(404);
    expect((await s.call('PUT', `/collections/${C}/shards/0/snapshots/recover`, { location: 'file:///whatever.snapshot' })).status).toBe(400);
    // a loopback snapshot URL where nothing listens: the download fails, a 400
    expect((await s.call('PUT', `/collections/${C}/shards/0/snapshots/recover`, { location: 'http://localhost:9/snapshots/whatever.snapshot' })).status).toBe(400);
    for (const name of ['%2Fetc%2Fpasswd', '..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd']) {
      expect((await s.call('GET', `/collections/${C}/shards/0/snapshots/${name}`)).status).toBe(404);
    }
  });
});
