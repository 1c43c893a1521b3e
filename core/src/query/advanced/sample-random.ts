/**
 * `{"sample": "random"}`: `limit` distinct points drawn uniformly from those matching the filter, in random order.
 * Qdrant gives no score order for samples (results are not re-sorted), so the executor returns them as drawn.
 */

/** A source of uniform floats in [0, 1): `Math.random`, or `seededRandom(seed)` for reproducible tests. */
export type RandomSource = () => number;

/**
 * Draws `min(limit, population)` distinct indices from `0 .. population` uniformly, in random order.
 *
 * When the sample is a small part of the population (the usual case: 10 points out of a million), Floyd's
 * algorithm touches only `limit` slots and a small Set; otherwise a partial Fisher-Yates shuffle over one
 * Uint32Array. Either way the memory is O(limit) or one typed array, never an object per point.
 */
export function sampleIndices(population: number, limit: number, random: RandomSource = Math.random): Uint32Array {
  const k = Math.max(0, Math.min(limit, population));
  const out = new Uint32Array(k);
  if (k === 0) return out;
  if (k * 4 < population) {
    // Floyd: for j in n-k .. n-1, pick t in [0, j]; take t unless taken, else j. Uniform over k-subsets.
    const taken = new Set<number>();
    for (let j = population - k, i = 0; j < population; j++, i++) {
      const t = Math.floor(random() * (j + 1));
      const pick = taken.has(t) ? j : t;
      taken.add(pick);
      out[i] = pick;
    }
    // Floyd's order is biased towards late indices last; shuffle the k picks so the order is random too.
    shuffleInPlace(out, random);
    return out;
  }
  const all = new Uint32Array(population);
  for (let i = 0; i < population; i++) all[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (population - i));
    const tmp = all[i]!;
    all[i] = all[j]!;
    all[j] = tmp;
  }
  out.set(all.subarray(0, k));
  return out;
}

/**
 * Picks `limit` random items out of `candidates` (for instance the internal ids that pass the filter), uniformly
 * and in random order. Does not modify `candidates`.
 */
export function sampleFrom<T>(candidates: ArrayLike<T>, limit: number, random: RandomSource = Math.random): T[] {
  const picks = sampleIndices(candidates.length, limit, random);
  return Array.from(picks, (i) => candidates[i]!);
}

/** A small seeded PRNG (mulberry32): same seed, same sequence, on every platform. */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffleInPlace(items: Uint32Array, random: RandomSource): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
}
