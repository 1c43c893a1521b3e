import { describe, expect, it } from 'vitest';
import { createEmbeddedClient } from '@sextant/core';
import { cosine, dot, fixtureClient, fixturePoints, l2, norm, rank, sparseDotOf, N } from './query-fixture.js';

const points = fixturePoints();
const byId = new Map(points.map((p) => [p.id, p]));
const close = (list: { id: string | number; score: number }[]) => list.map((p) => [p.id, Number(p.score.toFixed(4))]);
const q = [0.4, -0.1, 0.7, 0.2, -0.5, 0.3];

describe('query: groups, matrix, formula, mmr, sample, order_by and idf against a brute-force oracle', () => {
  it('groups hits by a payload key, best groups first, with lookups', async () => {
    const client = await fixtureClient();
    await client.createCollection('groups', { vectors: { size: 2, distance: 'Dot' } });
    await client.upsert('groups', { points: [{ id: 3, vector: [1, 0], payload: { title: 'three' } }] });
    const res = await client.queryGroups('c', {
      query: q,
      using: 'd',
      group_by: 'group',
      group_size: 4,
      limit: 3,
      params: { exact: true },
    });
    const ranked = rank(points, (p) => cosine(p.d, q));
    const expected: { id: number; hits: number[] }[] = [];
    for (const hit of ranked) {
      const g = byId.get(hit.id)!.payload.group;
      let group = expected.find((x) => x.id === g);
      if (!group) {
        if (expected.length === 3) continue;
        group = { id: g, hits: [] };
        expected.push(group);
      }
      if (group.hits.length < 4) group.hits.push(hit.id);
    }
    expect(res.groups.map((g) => ({ id: g.id, hits: g.hits.map((h) => h.id) }))).toEqual(expected);
    // All 7 groups: group 3 finds point 3 of the lookup collection, the others find nothing and carry no lookup.
    const looked = await client.queryGroups('c', { query: q, using: 'd', group_by: 'group', group_size: 1, limit: 7, with_lookup: { collection: 'groups', with_payload: ['title'] } });
    expect(looked.groups).toHaveLength(7);
    for (const g of looked.groups) {
      if (g.id === 3) expect(g.lookup).toEqual({ id: 3, payload: { title: 'three' }, vector: null });
      else expect(g).not.toHaveProperty('lookup');
    }
    const legacy = await client.searchPointGroups('c', { vector: { name: 'd', vector: q }, group_by: 'group', group_size: 4, limit: 3, params: { exact: true } });
    expect(legacy.groups.map((g) => g.hits.map((h) => h.id))).toEqual(expected.map((g) => g.hits));
    const reco = await client.recommendPointGroups('c', { positive: [1], using: 'd', group_by: 'color', group_size: 2, limit: 3 });
    expect(reco.groups.map((g) => g.id).sort()).toEqual(['blue', 'green', 'red']);
  });

  it('builds the distance matrix over the whole sample when the sample covers the filter', async () => {
    const client = await fixtureClient();
    const filter = { must: [{ key: 'n', range: { lt: 12 } }] };
    const pairs = await client.searchMatrixPairs('c', { sample: 50, limit: 2, using: 'e', filter });
    const members = points.filter((p) => p.payload.n < 12);
    const expected = members.flatMap((a) =>
      rank(members.filter((b) => b.id !== a.id), (b) => l2(a.e, b.e), true)
        .slice(0, 2)
        .map((b) => ({ a: a.id, b: b.id, score: Number(b.score.toFixed(4)) })),
    );
    expect(pairs.pairs.map((p) => ({ ...p, score: Number(p.score.toFixed(4)) }))).toEqual(expected);
    const offsets = await client.searchMatrixOffsets('c', { sample: 50, limit: 2, using: 'e', filter });
    expect(offsets.ids).toEqual(members.map((p) => p.id));
    expect(offsets.offsets_row.map((r, i) => [offsets.ids[r], offsets.ids[offsets.offsets_col[i]!]])).toEqual(expected.map((p) => [p.a, p.b]));
  });

  it('rescores prefetched points with a formula over score, payload and conditions', async () => {
    const client = await fixtureClient();
    const res = await client.query('c', {
      prefetch: { query: q, using: 'd', limit: 30, params: { exact: true } },
      query: {
        formula: { sum: ['$score', { mult: [0.001, 'rank'] }, { mult: [0.5, { key: 'color', match: { value: 'blue' } }] }] },
      },
      limit: 10,
    });
    const candidates = rank(points, (p) => cosine(p.d, q)).slice(0, 30);
    const expected = rank(candidates.map((c) => ({ ...byId.get(c.id)!, base: c.score })), (p) =>
      Math.fround(p.base) + Math.fround(0.001) * p.payload.rank + (p.payload.color === 'blue' ? 0.5 : 0),
    );
    expect(res.points.map((p) => p.id)).toEqual(expected.slice(0, 10).map((p) => p.id));
    res.points.forEach((p, i) => expect(p.score).toBeCloseTo(expected[i]!.score, 4));
    await expect(
      client.query('c', { prefetch: { query: q, using: 'd' }, query: { formula: { mult: ['$score', 'missing_key'] } } }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('mmr picks diverse points greedily and reports their nearest scores', async () => {
    const client = await fixtureClient();
    const res = await client.query('c', { query: { nearest: q, mmr: { diversity: 0.6, candidates_limit: 25 } }, using: 'd', limit: 6, params: { exact: true } });
    const candidates = rank(points, (p) => cosine(p.d, q)).slice(0, 25);
    const lambda = 0.4;
    const v = (id: number) => norm(byId.get(id)!.d);
    const selected: { id: number; score: number }[] = [candidates[0]!];
    const remaining = candidates.slice(1);
    while (selected.length < 6) {
      let best = 0;
      let bestValue = -Infinity;
      remaining.forEach((c, i) => {
        const div = Math.max(...selected.map((s) => dot(v(s.id), v(c.id))));
        const value = lambda * c.score - (1 - lambda) * div;
        if (value > bestValue) [best, bestValue] = [i, value];
      });
      selected.push(remaining.splice(best, 1)[0]!);
    }
    expect(close(res.points)).toEqual(close(selected));
  });

  it('mmr over multivectors uses max_sim for relevance and for diversity', async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('m', { vectors: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } });
    const rows: Record<number, number[][]> = { 1: [[1, 0]], 2: [[0.99, 0.1]], 3: [[0, 1], [0.6, 0.6]], 4: [[-1, 0]] };
    await client.upsert('m', { points: Object.entries(rows).map(([id, vector]) => ({ id: Number(id), vector })) });
    const maxSim = (a: number[][], b: number[][]) => a.reduce((s, x) => s + Math.max(...b.map((y) => dot(x, y))), 0);
    const query = [[1, 0.2]];
    const res = await client.query('m', { query: { nearest: query, mmr: { diversity: 0.9, candidates_limit: 4 } }, limit: 2 });
    // 1. the most relevant first; 2. then the best of 0.1 * relevance - 0.9 * max_sim to the picked one.
    const byRel = [1, 2, 3, 4].sort((a, b) => maxSim(query, rows[b]!) - maxSim(query, rows[a]!));
    const first = byRel[0]!;
    const second = byRel.slice(1).sort((a, b) => {
      const v = (id: number) => 0.1 * maxSim(query, rows[id]!) - 0.9 * maxSim(rows[first]!, rows[id]!);
      return v(b) - v(a);
    })[0]!;
    expect(res.points.map((p) => p.id)).toEqual([first, second]);
    expect(res.points[0]!.score).toBeCloseTo(maxSim(query, rows[first]!), 5);
  });

  it('samples distinct filtered points at random and orders by a payload index', async () => {
    const client = await fixtureClient();
    const sample = await client.query('c', { query: { sample: 'random' }, filter: { must: [{ key: 'color', match: { value: 'green' } }] }, limit: 30 });
    const ids = sample.points.map((p) => p.id as number);
    expect(new Set(ids).size).toBe(30);
    expect(ids.every((id) => byId.get(id)!.payload.color === 'green')).toBe(true);
    const all = await client.query('c', { query: { sample: 'random' }, limit: N + 10 });
    expect(all.points.map((p) => p.id as number).sort((a, b) => a - b)).toEqual(points.map((p) => p.id));

    const ordered = await client.query('c', { query: { order_by: 'rank' }, limit: 7 });
    const expected = [...points].sort((a, b) => a.payload.rank - b.payload.rank || a.id - b.id).slice(0, 7);
    expect(ordered.points.map((p) => [p.id, p.order_value])).toEqual(expected.map((p) => [p.id, p.payload.rank]));
  });

  it('weighs sparse query values by idf when the vector name has modifier idf', async () => {
    const client = await fixtureClient();
    const sq = { indices: [2, 5, 11], values: [1, 1, 1] };
    const df = (dim: number) => points.filter((p) => p.s.indices.includes(dim)).length;
    const idf = (dim: number) => Math.log((N - df(dim) + 0.5) / (df(dim) + 0.5) + 1);
    const weighted = { indices: sq.indices, values: sq.indices.map((d, i) => sq.values[i]! * idf(d)) };
    const sharing = points.filter((p) => p.s.indices.some((d) => sq.indices.includes(d)));
    const res = await client.query('c', { query: sq, using: 'si', limit: 10 });
    expect(close(res.points)).toEqual(close(rank(sharing, (p) => sparseDotOf(weighted, p.s)).slice(0, 10)));
    const plain = await client.query('c', { query: sq, using: 's', limit: 10 });
    expect(close(plain.points)).toEqual(close(rank(sharing, (p) => sparseDotOf(sq, p.s)).slice(0, 10)));
  });
});
