import type { Kernel } from '../../distance/distance.js';
import { f32 } from './scored.js';

/**
 * Maximal marginal relevance, as Qdrant re-ranks a `nearest` query with `mmr`. The executor:
 *   1. runs the plain nearest search with limit `mmrCandidatesLimit(mmr, limit)`, fetching the `using` vectors;
 *   2. drops duplicate ids and candidates without that vector (Qdrant does so silently);
 *   3. if fewer than 2 candidates remain, returns them as they are; else calls `mmrSelect` (or `mmrSelectDense`)
 *      and returns the selected candidates in selection order WITH THEIR ORIGINAL nearest scores (Qdrant reports
 *      the post-processed query similarity, not the MMR objective).
 * MMR results are not re-sorted afterwards: selection order is the answer, even if scores are then not monotone.
 */

/** Qdrant's `lambda`: the weight of relevance, `1 - diversity`; `diversity` defaults to 0.5. */
export function mmrLambda(diversity?: number | null): number {
  return f32(1 - f32(diversity ?? 0.5));
}

/** How many nearest candidates MMR chooses from: `candidates_limit`, or the query's `limit` when unset. */
export function mmrCandidatesLimit(mmr: { candidates_limit?: number | null }, limit: number): number {
  return mmr.candidates_limit ?? limit;
}

/**
 * Picks up to `limit` candidates by MMR and returns their indices in selection order. `relevance[i]` is candidate
 * `i`'s RAW similarity to the query and `similarity(i, j)` the raw similarity between two candidates (higher is
 * closer for every distance, see `rawSimilarity`). The first pick is the most relevant candidate; each next one
 * maximises `λ·relevance − (1−λ)·max similarity to the already selected`, in f32 like Qdrant.
 *
 * Each candidate keeps its running max similarity to the selection, so the cost is one `similarity` call per
 * (remaining candidate, selected point): O(n·limit), never the full n² matrix. Ties resolve exactly as in Qdrant:
 * candidates are scanned in Qdrant's `IndexSet` order (swap-remove on selection) and the LAST maximum wins, as
 * Rust's `max_by_key` does.
 */
export function mmrSelect(
  relevance: ArrayLike<number>,
  similarity: (i: number, j: number) => number,
  lambda: number,
  limit: number,
): Int32Array {
  const n = relevance.length;
  const take = Math.min(limit, n);
  const selected = new Int32Array(Math.max(take, 0));
  if (take <= 0) return selected;
  // `remaining` mirrors Qdrant's IndexSet: order matters for ties, removal is swap-remove.
  const remaining = new Int32Array(n);
  for (let i = 0; i < n; i++) remaining[i] = i;
  let remainingCount = n;
  const maxSim = new Float64Array(n).fill(-Infinity);
  const diversityWeight = f32(1 - lambda);

  let pos = argmaxLast(remaining, remainingCount, (c) => f32(relevance[c]!));
  for (let picked = 0; ; ) {
    const chosen = remaining[pos]!;
    selected[picked++] = chosen;
    remaining[pos] = remaining[--remainingCount]!;
    if (picked === take) break;
    for (let r = 0; r < remainingCount; r++) {
      const c = remaining[r]!;
      const s = f32(similarity(c, chosen));
      if (s > maxSim[c]!) maxSim[c] = s;
    }
    pos = argmaxLast(remaining, remainingCount, (c) => f32(f32(lambda * relevance[c]!) - f32(diversityWeight * maxSim[c]!)));
  }
  return selected;
}

/**
 * `mmrSelect` over dense vectors: candidate `i` is read from `arena` at `offsets[i]`, the query from `query`.
 * `kernel` must be the raw similarity of the vector's distance (`rawSimilarity(distance)`), and vectors must be in
 * stored form (Cosine normalised).
 */
export function mmrSelectDense(
  query: Float32Array,
  arena: Float32Array,
  offsets: ArrayLike<number>,
  dim: number,
  kernel: Kernel,
  lambda: number,
  limit: number,
): Int32Array {
  const n = offsets.length;
  const relevance = new Float64Array(n);
  for (let i = 0; i < n; i++) relevance[i] = kernel(query, 0, arena, offsets[i]!, dim);
  return mmrSelect(relevance, (i, j) => kernel(arena, offsets[i]!, arena, offsets[j]!, dim), lambda, limit);
}

/** Position in `items[0 .. count)` of the last maximum of `key` (Rust `max_by_key` semantics). */
function argmaxLast(items: Int32Array, count: number, key: (item: number) => number): number {
  let best = -1;
  let bestKey = -Infinity;
  for (let r = 0; r < count; r++) {
    const k = key(items[r]!);
    if (best < 0 || k >= bestKey) {
      best = r;
      bestKey = k;
    }
  }
  return best;
}
