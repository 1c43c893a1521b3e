import { Distance } from '@sextant/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, expectCode } from './grpc/expect-code.js';
import { startHarness } from './grpc/harness.js';
import type { Harness } from './grpc/harness.js';

describe('gRPC Snapshots', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.connect().api('collections').create({
      collectionName: 's',
      vectorsConfig: { config: { case: 'params', value: { size: 2n, distance: Distance.Cosine } } },
    });
    await h.engine.upsert('s', { wait: true, points: [{ id: 1, vector: [1, 0], payload: { a: 1 } }] });
  });
  afterAll(async () => h.close());

  it('creates, lists and deletes collection snapshots', async () => {
    const snapshots = h.connect().api('snapshots');
    const created = await snapshots.create({ collectionName: 's' });
    const name = created.snapshotDescription!.name;
    expect(name).toMatch(/^s/);
    expect(created.snapshotDescription!.size).toBeGreaterThan(0n);
    expect(created.snapshotDescription!.creationTime?.seconds).toBeGreaterThan(0n);
    const listed = await snapshots.list({ collectionName: 's' });
    expect(listed.snapshotDescriptions.map((d) => d.name)).toEqual([name]);
    expect(listed.snapshotDescriptions[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
    await snapshots.delete({ collectionName: 's', snapshotName: name });
    expect((await snapshots.list({ collectionName: 's' })).snapshotDescriptions).toEqual([]);
    await expectCode(snapshots.delete({ collectionName: 's', snapshotName: name }), Code.NotFound);
    await expectCode(snapshots.create({ collectionName: 'missing' }), Code.NotFound);
  });

  it('creates, lists and deletes full snapshots', async () => {
    const snapshots = h.connect().api('snapshots');
    const created = await snapshots.createFull({});
    const name = created.snapshotDescription!.name;
    expect((await snapshots.listFull({})).snapshotDescriptions.map((d) => d.name)).toContain(name);
    await snapshots.deleteFull({ snapshotName: name });
    expect((await snapshots.listFull({})).snapshotDescriptions.map((d) => d.name)).not.toContain(name);
  });
});
