/**
 * parseJsonBody (the fast reader, falling back to JSON.parse) against parseJsonBodyStandard (JSON.parse alone, the
 * path before it) on REST body shapes:
 *
 *   node bench/json-body-ab.mjs [rounds=15]
 *
 * Each round times a batch of each variant (alternating which goes first) in process CPU time, so that other work
 * on a shared machine inflates both alike; prints the median microseconds per body and the median of the per-round
 * standard/fast ratios. Needs `npm run build`.
 */
import { parseJsonBody, parseJsonBodyStandard } from '../server/dist/rest/validation/json-body.js';

const rounds = Number(process.argv[2] ?? 15);
let seed = 42;
const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
/** As clients send embeddings: float32 values printed as the shortest double (16-17 digits). */
const vector = (dim) => Array.from(new Float32Array(dim).map(() => random() * 2 - 1));
const shapes = {
  'query 768': () => ({ query: vector(768), limit: 10 }),
  'query 128': () => ({ query: vector(128), limit: 10 }),
  'query + filter (small)': () => ({ limit: 10, with_payload: true, filter: { must: [{ key: 'city', match: { value: 'London' } }, { key: 'price', range: { gte: 10.5, lt: 100 } }] } }),
  'upsert 20 x 128 + payload': () => ({
    points: Array.from({ length: 20 }, (_, i) => ({ id: i, vector: vector(128), payload: { name: `item ${i}`, tags: ['a', 'b'], price: Math.round(random() * 10000) / 100, nested: { ok: true, n: null } } })),
  }),
  'set payload (small)': () => ({ points: [1, 2, 3], payload: { title: 'hello world', count: 3, tags: ['x', 'y', 'z'], meta: { a: 1, b: 'two', c: [1.5, 2.5] } } }),
  'scroll (tiny)': () => ({ limit: 100, with_payload: false }),
};
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const [name, make] of Object.entries(shapes)) {
  const bodies = Array.from({ length: 32 }, () => Buffer.from(JSON.stringify(make())));
  for (const b of bodies) if (JSON.stringify(parseJsonBody(b)) !== JSON.stringify(parseJsonBodyStandard(b))) throw new Error(`${name}: the readers differ`);
  const perBatch = Math.max(200, Math.round(4e6 / bodies[0].length));
  const variants = { standard: parseJsonBodyStandard, fast: parseJsonBody };
  const times = { standard: [], fast: [] };
  let sink = 0;
  for (let r = -2; r < rounds; r++) {
    for (const v of r % 2 ? ['fast', 'standard'] : ['standard', 'fast']) {
      const parse = variants[v];
      const t = cpu();
      for (let i = 0; i < perBatch; i++) sink += parse(bodies[i & 31]) === undefined ? 1 : 0;
      if (r >= 0) times[v].push((cpu() - t) / perBatch);
    }
  }
  const ratios = times.standard.map((s, i) => s / times.fast[i]);
  console.log(`${name.padEnd(26)} ${String(bodies[0].length).padStart(6)} B  standard ${median(times.standard).toFixed(2).padStart(7)} us  fast ${median(times.fast).toFixed(2).padStart(7)} us  standard/fast ${median(ratios).toFixed(2)}${sink ? ' !' : ''}`);
}
