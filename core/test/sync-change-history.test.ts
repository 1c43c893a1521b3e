import { describe, expect, it } from 'vitest';
import { ChangeFeed, createEmbeddedClient, journalFromState, type Tombstones } from '../src/index.js';
import type { PointKey } from '../src/segment/id-tracker.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

type State = Map<PointKey, string>;

/**
 * A journal rebuilt from the points' versions and the deletions (what a server has after a restart) must bring a
 * replica at any checkpoint to the server's state, page by page, exactly as the journal recorded live does.
 */
describe('journalFromState', () => {
  it('answers every checkpoint of a random history like the live journal, in small pages', async () => {
    for (const seed of [1, 2, 3]) {
      const r = rng(seed);
      const db = await createEmbeddedClient();
      await db.createCollection('c', { vectors: { size: 2, distance: 'Dot' } });
      const collection = db.engine.resolve('c');
      const live = new ChangeFeed(collection, 'e');
      const deletions: Tombstones[] = [];
      collection.onApplied((op, seq) => {
        if (op.type === 'delete_points') deletions.push({ seq, keys: [...op.ids] });
      });
      // 1. A random history; the state after each op is kept (a replica that synced then).
      const history: { seq: number; state: State }[] = [{ seq: collection.lastSeq, state: new Map() }];
      const snapshot = async (): Promise<State> => {
        const { points } = await db.scroll('c', { limit: 1000, with_payload: true });
        return new Map(points.map((p) => [p.id, JSON.stringify(p.payload)]));
      };
      for (let step = 0; step < 200; step++) {
        const id = 1 + Math.floor(r() * 40);
        const roll = r();
        if (roll < 0.5) {
          const ids = [id, 1 + Math.floor(r() * 40)].filter((v, i, a) => a.indexOf(v) === i);
          await db.upsert('c', { points: ids.map((k) => ({ id: k, vector: [r(), r()], payload: { step, k } })) });
        } else if (roll < 0.75) {
          await db.delete('c', { points: [id, 1 + Math.floor(r() * 40)] });
        } else if ((await db.retrieve('c', { ids: [id] })).length > 0) {
          await db.setPayload('c', { points: [id], payload: { edited: step } });
        } else {
          continue;
        }
        history.push({ seq: collection.lastSeq, state: await snapshot() });
      }
      const now = await snapshot();
      // 2. The rebuilt journal: complete from the collection's start.
      const rebuilt = new ChangeFeed(collection, 'e', { journal: journalFromState(collection.segment, deletions, -1, collection.lastSeq) });
      for (const feed of [live, rebuilt]) {
        for (const { seq, state } of history) {
          const replica = new Map(state);
          let since = { epoch: 'e', seq };
          expect(feed.canServe(since)).toBe(true);
          for (let pages = 0; ; pages++) {
            expect(pages).toBeLessThan(200);
            const page = feed.changes(since, undefined, 3);
            for (const p of page.upserts) replica.set(p.id, JSON.stringify(p.payload));
            for (const removal of page.removals) replica.delete(removal.id);
            since = page.checkpoint;
            if (!page.more) break;
          }
          expect(since.seq).toBe(collection.lastSeq);
          expect(new Map([...replica].sort())).toEqual(new Map([...now].sort()));
        }
      }
      live.close();
      rebuilt.close();
    }
  });

  it('keeps the newest entries past `retain`, raising the floor to an op boundary', async () => {
    const db = await createEmbeddedClient();
    await db.createCollection('c', { vectors: { size: 2, distance: 'Dot' } });
    for (let i = 0; i < 10; i++) await db.upsert('c', { points: [{ id: 2 * i + 1, vector: [1, 0] }, { id: 2 * i + 2, vector: [0, 1] }] });
    const collection = db.engine.resolve('c');
    const journal = journalFromState(collection.segment, [], -1, collection.lastSeq, 5);
    // Two points per op: the newest five entries would split an op, so the journal starts after a whole op and
    // every op above its floor is there whole.
    expect(journal.length).toBeLessThanOrEqual(5);
    for (let i = journal.after(journal.floor); i < journal.end(); i++) expect(journal.seqAt(i)).toBeGreaterThan(journal.floor);
    const seqs = new Set(Array.from({ length: journal.length }, (_, i) => journal.seqAt(journal.after(journal.floor) + i)));
    for (const seq of seqs) expect(Array.from({ length: journal.length }, (_, i) => journal.seqAt(journal.after(journal.floor) + i)).filter((s) => s === seq).length).toBe(2);
    expect(journal.floor).toBe(collection.lastSeq - seqs.size);
  });
});
