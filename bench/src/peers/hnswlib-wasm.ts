import type { Peer } from '../peer.js';

interface WasmHnsw {
  initIndex(maxElements: number, m: number, efConstruction: number, seed: number): void;
  addPoint(point: Float32Array, label: number, replaceDeleted: boolean): void;
  setEfSearch(ef: number): void;
  searchKnn(query: Float32Array, k: number, filter: undefined): { neighbors: number[] };
}

/** hnswlib compiled to WebAssembly (Emscripten): the in-browser peer. */
export const hnswlibWasm: Peer = {
  name: 'hnswlib-wasm',
  async build(ds, { m, efConstruct }) {
    // The package has no entry for Node's resolver; its ESM build lives under dist/. It was compiled for the web
    // only and refuses to start unless `window` exists; the web build runs fine in Node once it does (its
    // IndexedDB file sync then logs an error, which does not touch in-memory indexes).
    const g = globalThis as { window?: unknown };
    if (g.window === undefined) g.window = globalThis;
    const mod = (await import('hnswlib-wasm/dist/hnswlib.js' as string)) as { loadHnswlib(): Promise<{ HierarchicalNSW: new (space: string, dim: number, file: string) => WasmHnsw }> };
    const lib = await mod.loadHnswlib();
    const { dim, n } = ds;
    const index = new lib.HierarchicalNSW('cosine', dim, '');
    index.initIndex(n, m, efConstruct, 100);
    for (let i = 0; i < n; i++) index.addPoint(ds.points.subarray(i * dim, i * dim + dim), i, false);
    let currentEf = -1;
    return {
      efAware: true,
      search(q, k, ef) {
        if (ef !== currentEf) index.setEfSearch((currentEf = ef));
        return index.searchKnn(ds.queries.subarray(q * dim, (q + 1) * dim), k, undefined).neighbors;
      },
    };
  },
};
