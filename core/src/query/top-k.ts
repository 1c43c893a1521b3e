/**
 * Keeps the best `k` (id, score) pairs seen, for scans that score points one by one (multivectors, point lists).
 * A binary heap with the worst kept pair on top, in typed arrays. `higher` says whether a larger score is better.
 * Ties prefer the lower id, matching exactSearch.
 */
export class TopK {
  private readonly ids: Uint32Array;
  private readonly scores: Float64Array;
  private n = 0;

  constructor(
    private readonly k: number,
    private readonly higher: boolean,
  ) {
    this.ids = new Uint32Array(Math.max(k, 0));
    this.scores = new Float64Array(Math.max(k, 0));
  }

  /** true when (sa, ia) is worse than (sb, ib). */
  private worse(sa: number, ia: number, sb: number, ib: number): boolean {
    if (sa !== sb) return this.higher ? sa < sb : sa > sb;
    return ia > ib;
  }

  push(id: number, score: number): void {
    if (this.k <= 0) return;
    const { ids, scores } = this;
    if (this.n < this.k) {
      let i = this.n++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(score, id, scores[parent]!, ids[parent]!)) break;
        ids[i] = ids[parent]!;
        scores[i] = scores[parent]!;
        i = parent;
      }
      ids[i] = id;
      scores[i] = score;
      return;
    }
    if (!this.worse(scores[0]!, ids[0]!, score, id)) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.n) break;
      const r = l + 1;
      const w = r < this.n && this.worse(scores[r]!, ids[r]!, scores[l]!, ids[l]!) ? r : l;
      if (!this.worse(scores[w]!, ids[w]!, score, id)) break;
      ids[i] = ids[w]!;
      scores[i] = scores[w]!;
      i = w;
    }
    ids[i] = id;
    scores[i] = score;
  }

  /** The kept pairs, best first. */
  result(): { ids: Uint32Array; scores: Float32Array } {
    const order = Array.from({ length: this.n }, (_, i) => i);
    order.sort((a, b) => (this.worse(this.scores[a]!, this.ids[a]!, this.scores[b]!, this.ids[b]!) ? 1 : -1));
    return { ids: Uint32Array.from(order, (i) => this.ids[i]!), scores: Float32Array.from(order, (i) => this.scores[i]!) };
  }
}
