import { TypedHeap } from './typed-heap.js';

/**
 * The selection of an exact scan: the k lowest ranks offered a batch at a time (ties keep the lower id). The worst
 * kept is held beside the heap, so a rejected id (almost all of them once k are kept) costs one comparison. The heap
 * is reused from scan to scan (one scan at a time per instance: nothing here awaits), so a scan allocates only its
 * answer.
 */
export class BestOfBatches {
  private heap = new TypedHeap(64);
  private k = 0;
  /** Rank of the worst kept once k are kept (Infinity before). */
  private worst = Infinity;
  private worstId = 0;

  /** Starts a scan for the `k` best; returns the heap the answer is drained from. */
  start(k: number): TypedHeap {
    if (this.heap.keys.length < k + 1) this.heap = new TypedHeap(k + 1);
    this.heap.clear();
    this.k = k;
    this.worst = Infinity;
    this.worstId = 0;
    return this.heap;
  }

  /** Offers the first `n` ids of `batch`, ranked in `ranks` (lower is closer). */
  take(batch: Uint32Array, ranks: Float32Array, n: number): void {
    const top = this.heap;
    const k = this.k;
    let worst = this.worst;
    let worstId = this.worstId;
    for (let i = 0; i < n; i++) {
      const d = ranks[i]!;
      if (d > worst) continue;
      const id = batch[i]!;
      if (top.size < k) {
        top.push(-d, id);
        if (top.size === k) {
          worst = -top.topKey();
          worstId = top.topId();
        }
      } else if (d < worst || id < worstId) {
        top.replaceTop(-d, id);
        worst = -top.topKey();
        worstId = top.topId();
      }
    }
    this.worst = worst;
    this.worstId = worstId;
  }
}
