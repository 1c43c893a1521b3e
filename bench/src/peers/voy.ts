import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Peer } from '../peer.js';

/** Node has WebAssembly at runtime; our lib setting has no DOM types, so describe the one call we use. */
const wasm = (globalThis as unknown as { WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: object } }> } }).WebAssembly;

interface VoyModule {
  __wbg_set_wasm(exports: object): void;
  Voy: new (resource: { embeddings: { id: string; title: string; url: string; embeddings: number[] }[] }) => {
    search(query: Float32Array, k: number): { neighbors: { id: string }[] };
  };
}

/**
 * Voy (Rust k-d tree compiled to WebAssembly). Its package imports the .wasm as an ES module, which only
 * bundlers understand, so we instantiate the wasm ourselves and hand it to the generated glue. A k-d tree is
 * exact and has no beam, so Voy is measured once. Voy ranks by L2, so vectors are normalized first (same order
 * as cosine).
 */
export const voy: Peer = {
  name: 'voy-search',
  async build(ds) {
    const dir = dirname(createRequire(import.meta.url).resolve('voy-search/package.json'));
    const glue = (await import(join(dir, 'voy_search_bg.js'))) as VoyModule;
    const { instance } = await wasm.instantiate(await readFile(join(dir, 'voy_search_bg.wasm')), {
      './voy_search_bg.js': glue,
    });
    glue.__wbg_set_wasm(instance.exports);
    const { dim, n } = ds;
    const unit = (src: Float32Array, row: number) => {
      const v = Array.from(src.subarray(row * dim, (row + 1) * dim));
      const norm = Math.hypot(...v) || 1;
      return v.map((x) => x / norm);
    };
    const embeddings = [];
    for (let i = 0; i < n; i++) embeddings.push({ id: String(i), title: '', url: '', embeddings: unit(ds.points, i) });
    const index = new glue.Voy({ embeddings });
    const queries: Float32Array[] = [];
    for (let q = 0; q < ds.queryCount; q++) queries.push(Float32Array.from(unit(ds.queries, q)));
    return {
      efAware: false,
      note: 'exact k-d tree, no ef',
      search: (q, k) => index.search(queries[q]!, k).neighbors.map((x) => Number(x.id)),
    };
  },
};
