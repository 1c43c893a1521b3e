import type { Dataset } from './dataset.js';

/** One library under test, built on a dataset. Vectors are handed over unnormalized; each peer uses cosine. */
export interface BuiltPeer {
  /**
   * Top-k labels (row numbers of the dataset) of query row `q`, searching with beam `ef` when `efAware`. A promise
   * only for libraries whose search is async (the time to settle it counts).
   */
  search(q: number, k: number, ef: number): ArrayLike<number> | Promise<ArrayLike<number>>;
  /** False for peers without a beam parameter (exact scans): they are measured once, not per ef. */
  efAware: boolean;
  /** Bytes the index keeps beyond the raw float32 vectors, when the library lets us know it exactly. */
  indexBytes?: number;
  note?: string;
  /** Frees what the index holds outside the process's memory (temp files), after its queries. */
  dispose?(): Promise<void>;
}

export interface Peer {
  name: string;
  /** Builds the index; returns a reason string when the peer cannot run on this dataset. */
  build(ds: Dataset, params: { m: number; efConstruct: number }): Promise<BuiltPeer | string>;
}
