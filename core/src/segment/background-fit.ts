import type { DenseVectors } from './vector-storage.js';

/**
 * The background fit of a quantized companion whose codes need a trained model (product's centroids, turbo's
 * calibration): Qdrant's optimizer quantizing after the fact. A fit runs in slices (`fitSome`; `refresh` runs it
 * whole); while one is due or under way `ready` is false and searches rank the floats. The encode pass reads
 * `idLimit` at each row, so rows written during it are met by the pass, or encoded by `set` once the pass is behind
 * them: none is left without codes.
 *
 * A subclass gives the model (`train`, which yields between slices of work), the codes of one row (`encodeRow`) and
 * room for rows (`ensureRows`).
 */
export abstract class BackgroundFit {
  /** Live count at the last fit; -1 when never fitted. */
  protected fittedAt = -1;
  /** The fit under way (a generator yielding between slices of work), if any. */
  private job: Generator<void, void> | undefined;
  /** Rows below this have codes from the current model (`set` encodes them); Infinity when no fit is under way. */
  encodedTo = Infinity;
  /**
   * Changes whenever a search thread's copy of the codes would be stale: a fit starts or ends (the model and every
   * row change), and (subclasses) the codes move to a larger array.
   */
  protected codesEpoch = 0;

  get epoch(): number {
    return this.codesEpoch;
  }

  protected constructor(
    readonly vectors: DenseVectors,
    /** A model fitted on fewer live vectors than this is fitted again once they have doubled. */
    private readonly trainSize: number,
    /** The encode pass yields after every `encodeStep` rows (a power of two). */
    private readonly encodeStep: number,
  ) {}

  /** Trains the model on the live vectors, yielding between slices of work. */
  protected abstract train(): Generator<void, void>;
  /** Writes row `id`'s codes from its float vector with the current model. */
  protected abstract encodeRow(id: number): void;
  /** Makes room for the codes of `rows` rows. */
  protected abstract ensureRows(rows: number): void;

  /** Whether the codes rank searches: fitted, and no re-fit under way. */
  get ready(): boolean {
    return this.fittedAt > 0 && this.job === undefined;
  }

  /** Whether a fit is under way or due (never fitted, or the vectors doubled under the training size). */
  get wantsFit(): boolean {
    return this.job !== undefined || this.due();
  }

  /** The live count to save with the model: a fit under way saves as unfitted (-1), the reopened segment fits again. */
  protected get savedFittedAt(): number {
    return this.job === undefined ? this.fittedAt : -1;
  }

  private due(): boolean {
    const live = this.vectors.count;
    return live > 0 && (this.fittedAt <= 0 || (this.fittedAt < this.trainSize && live >= 2 * this.fittedAt));
  }

  /** Advances the due fit until `deadline` (Date.now() ms; each step is well under a millisecond); true while work is left. */
  fitSome(deadline: number): boolean {
    if (this.job === undefined) {
      if (!this.due()) return false;
      this.job = this.fitting();
    }
    for (;;) {
      if (this.job.next().done === true) {
        this.job = undefined;
        return this.due();
      }
      if (Date.now() >= deadline) return true;
    }
  }

  /** Runs a due fit to its end now. */
  refresh(): void {
    while (this.fitSome(Infinity));
  }

  /** Encodes slot `id` from the float storage (after `vectors.set(id, ...)`); a row the fit under way has yet to reach waits for it. */
  set(id: number): void {
    this.ensureRows(id + 1);
    if (this.fittedAt > 0 && id < this.encodedTo) this.encodeRow(id);
  }

  private *fitting(): Generator<void, void> {
    const v = this.vectors;
    this.encodedTo = 0;
    this.codesEpoch++;
    if (v.count === 0) {
      this.fittedAt = -1;
      this.encodedTo = Infinity;
      return;
    }
    const count = v.count;
    yield* this.train();
    this.fittedAt = count;
    this.ensureRows(v.capacity);
    // idLimit read each row: rows written during the pass are met by it (or encoded by `set` once behind it).
    const mask = this.encodeStep - 1;
    for (let id = 0; id < v.idLimit; id++) {
      if (v.has(id)) this.encodeRow(id);
      this.encodedTo = id + 1;
      if ((id & mask) === mask) yield;
    }
    this.encodedTo = Infinity;
    this.codesEpoch++;
  }
}
