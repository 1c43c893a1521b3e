import { createEmbeddedClient } from '@sextant/core';

/**
 * `node bench/dist/vector-json.js [--points=100] [--dim=128] [--rounds=7]`: what printing stored vectors as Qdrant
 * prints float32s costs a JSON answer. One scroll page with vectors is taken from the embedded engine and
 * JSON.stringify'd as the engine returns it (B: float32 values printed as their shortest decimals) and with its
 * vectors copied into plain arrays (A: the same float32 values printed as widened doubles, the former output),
 * alternating A and B each round so a shared machine's load hits both alike. Prints each side's median ms per page
 * and the answer sizes.
 */
const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const POINTS = arg('points', 100);
const DIM = arg('dim', 128);
const ROUNDS = arg('rounds', 7);
const REPEAT = 50;

let seed = 1;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;

const client = await createEmbeddedClient();
await client.createCollection('v', { vectors: { size: DIM, distance: 'Dot' } });
await client.upsert('v', {
  wait: true,
  points: Array.from({ length: POINTS }, (_, id) => ({ id, vector: Array.from({ length: DIM }, () => random() * 2 - 1) })),
});
const page = await client.scroll('v', { limit: POINTS, with_vector: true, with_payload: true });
const widened = { ...page, points: page.points.map((p) => ({ ...p, vector: Array.from(p.vector as number[]) })) };

const time = (body: unknown) => {
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < REPEAT; i++) bytes = JSON.stringify({ result: body, status: 'ok', time: 0 }).length;
  return { ms: (performance.now() - started) / REPEAT, bytes };
};
const a: number[] = [];
const b: number[] = [];
let sizes = { a: 0, b: 0 };
for (let round = 0; round < ROUNDS; round++) {
  const x = time(widened);
  const y = time(page);
  a.push(x.ms);
  b.push(y.ms);
  sizes = { a: x.bytes, b: y.bytes };
}
const median = (values: number[]) => [...values].sort((p, q) => p - q)[values.length >> 1]!.toFixed(2);
console.log(`${POINTS} x ${DIM} scroll page, JSON.stringify: A widened doubles ${median(a)} ms (${sizes.a} B), B float32 decimals ${median(b)} ms (${sizes.b} B); medians of ${ROUNDS} alternating rounds`);
