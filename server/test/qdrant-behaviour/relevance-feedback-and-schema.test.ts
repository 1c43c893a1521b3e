import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultOf, startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';

// The relevance_feedback query and malformed filters, as Qdrant's REST tests pin them: a missing example id is a
// 404 naming it, empty feedback and a negative coefficient are refused in Qdrant's words, feedback with a = 1 and
// no feedback pairs ranks exactly as the nearest query; an unknown condition shape is a client error, not a crash.
const C = 'feedback';
const target = [0.1, 0.2, 0.3, 0.4];
const naive = (a: number, b: number, c: number) => ({ naive: { a, b, c } });

describe('relevance feedback and malformed filters', () => {
  let s: Server;
  const query = (body: unknown) => s.call('POST', `/collections/${C}/points/query`, body);
  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, C);
  });
  afterAll(() => s.close());

  it('refuses a missing example, empty feedback and a negative coefficient in Qdrant words', async () => {
    let r = await query({ query: { relevance_feedback: { target, feedback: [{ example: 10000, score: 0.85 }], strategy: naive(0.12, 1.25, 0.99) } } });
    expect(r.status).toBe(404);
    expect(r.body.status.error).toBe('Not found: No point with id 10000 found');
    r = await query({ query: { relevance_feedback: { target, feedback: [], strategy: naive(0.12, 1.25, 0.99) } } });
    expect(r.status).toBe(422);
    expect(r.body.status.error).toContain('feedback elements must be non-empty');
    r = await query({ query: { relevance_feedback: { target, feedback: [{ example: 1, score: 0.85 }], strategy: naive(0.12, -1.0, 0.99) } } });
    expect(r.status).toBe(422);
    expect(r.body.status.error).toBe('Validation error in JSON body: [internal.query.relevance_feedback.strategy.naive.b: value -1.0 invalid, must be 0.0 or larger]');
  });

  it('one feedback vector with a = 1 changes nothing: the answer is the nearest query', async () => {
    const feedback = await resultOf(query({
      query: { relevance_feedback: { target, feedback: [{ example: [0.42, 0.42, 0.42, 0.42], score: 0.85 }], strategy: naive(1.0, 100.0, 100.0) } }, limit: 3,
    }));
    expect(feedback.points).toHaveLength(3);
    expect(feedback).toEqual(await resultOf(query({ query: { nearest: target }, limit: 3 })));
  });

  it('an unknown condition key in a filter is a 4xx', async () => {
    const r = await query({ query: [0.2, 0.1, 0.9, 0.7], limit: 5, filter: { should: [{ undefined_condition_key: { key: 'city' } }] }, with_payload: true });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
  });
});
