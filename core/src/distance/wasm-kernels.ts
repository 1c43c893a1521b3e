import { type FuncDef, F32, I32, V128, assembleModule, op } from './wasm-assembler.js';

/**
 * WebAssembly SIMD rank kernels (the same lower-is-closer keys as `rankKernel`: -dot, squared L2, L1) over rows
 * of one arena in the module's memory. They work on batches, never one pair per call: a JS -> wasm call costs
 * about as much as a few dozen multiply-adds, and a batch of independent rows lets the CPU overlap their cache
 * misses (see `touch` below).
 *
 * Every function has the signature (q, src, cnt, out, base, rowBytes), all byte addresses / counts as i32:
 * - `batch_<m>`: out[i] = rank(q, base + ids[i] * rowBytes) with ids read as u32 from `src`;
 * - `range_<m>`: out[i] = rank(q, base + (src + i) * rowBytes), a contiguous scan from row `src`.
 * `out` receives f32s. Rows need no alignment and any length (a 16-float body, a 4-float body, a scalar tail).
 * Sums are f32 with 16 partial accumulators, as Qdrant's and hnswlib's SIMD kernels do.
 */

export type WasmMetric = 'dot' | 'l2' | 'l1';
export type WasmKernel = (q: number, src: number, cnt: number, out: number, base: number, rowBytes: number) => void;
export type WasmKernels = Record<`batch_${WasmMetric}` | `range_${WasmMetric}`, WasmKernel>;

/** The parameters, the same in every kernel of every element type (f32, f16, u8, bit). */
export const Q = 0, SRC = 1, CNT = 2, OUT = 3, BASE = 4, ROW = 5;
export const KERNEL_PARAMS = [I32, I32, I32, I32, I32, I32];
/** Rows per touch-then-compute window: 32 rows of 128 floats are 16 KB, so a window stays in L1. */
export const WINDOW = 32;

const I = 6, P = 7, QQ = 8, E = 9, E16 = 10, E4 = 11;
const A = [12, 13, 14, 15];
const S = 16, T = 17, TS = 18;
const W0 = 19, WE = 20;
const LOCALS = [I32, I32, I32, I32, I32, I32, V128, V128, V128, V128, F32, V128, F32, I32, I32];

/** Accumulates one 4-lane step of `metric` from (p+offset, qq+offset) into accumulator `acc`. */
function vecStep(metric: WasmMetric, acc: number, offset: number): number[] {
  const loads = [...op.get(P), ...op.v128Load(offset), ...op.get(QQ), ...op.v128Load(offset)];
  const term =
    metric === 'dot'
      ? [...loads, ...op.f32x4Mul]
      : metric === 'l2'
        ? [...loads, ...op.f32x4Sub, ...op.tee(T), ...op.get(T), ...op.f32x4Mul]
        : [...loads, ...op.f32x4Sub, ...op.f32x4Abs];
  return [...op.get(acc), ...term, ...op.f32x4Add, ...op.set(acc)];
}

function scalarStep(metric: WasmMetric): number[] {
  const loads = [...op.get(P), ...op.f32Load(0), ...op.get(QQ), ...op.f32Load(0)];
  const term =
    metric === 'dot'
      ? [...loads, ...op.f32Mul]
      : metric === 'l2'
        ? [...loads, ...op.f32Sub, ...op.tee(TS), ...op.get(TS), ...op.f32Mul]
        : [...loads, ...op.f32Sub, ...op.f32Abs];
  return [...op.get(S), ...term, ...op.f32Add, ...op.set(S)];
}

const advance = (bytes: number): number[] => [
  ...op.get(P), ...op.i32(bytes), ...op.i32Add, ...op.set(P),
  ...op.get(QQ), ...op.i32(bytes), ...op.i32Add, ...op.set(QQ),
];

/** `while (p < end) { body; p += step; qq += step }` */
const whileBelow = (end: number, body: number[], step: number): number[] => [
  ...op.block, ...op.loop,
  ...op.get(P), ...op.get(end), ...op.i32GeU, ...op.brIf(1),
  ...body, ...advance(step), ...op.br(0),
  ...op.end, ...op.end,
];

function kernel(metric: WasmMetric, gather: boolean): FuncDef {
  const lane = (l: number) => [...op.get(A[0]!), ...op.f32x4ExtractLane(l)];
  const perRow = [
    ...op.get(P), ...op.get(ROW), ...op.i32(~63), ...op.i32And, ...op.i32Add, ...op.set(E16),
    ...op.get(P), ...op.get(ROW), ...op.i32(~15), ...op.i32And, ...op.i32Add, ...op.set(E4),
    ...op.get(Q), ...op.set(QQ),
    ...A.flatMap((a) => [...op.v128Zero, ...op.set(a)]),
    ...whileBelow(E16, A.flatMap((a, k) => vecStep(metric, a, 16 * k)), 64),
    ...whileBelow(E4, vecStep(metric, A[0]!, 0), 16),
    ...op.get(A[0]!), ...op.get(A[1]!), ...op.f32x4Add, ...op.get(A[2]!), ...op.get(A[3]!), ...op.f32x4Add,
    ...op.f32x4Add, ...op.set(A[0]!),
    ...lane(0), ...lane(1), ...op.f32Add, ...lane(2), ...lane(3), ...op.f32Add, ...op.f32Add, ...op.set(S),
    ...whileBelow(E, scalarStep(metric), 4),
  ];
  const value = [...op.get(S), ...(metric === 'dot' ? op.f32Neg : [])];
  return rowKernel(`${gather ? 'batch' : 'range'}_${metric}`, gather, { i: I, p: P, e: E, w0: W0, we: WE }, LOCALS, perRow, value);
}

/**
 * The slice of the WebAssembly JS API we use. Core compiles without DOM or Node typings, so the global is
 * described here and read from `globalThis` inside functions (never at module load).
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export type WasmModule = object;
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}

export function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

let compiled: WasmModule | null | undefined;
let compiledShared: WasmModule | null | undefined;

/**
 * The compiled kernel module, or undefined where WebAssembly or its SIMD is missing (callers then keep the JS
 * kernels). Compiled once per realm, synchronously: the module is under 4 KB, which browsers allow on the main
 * thread too. `sharedMaxPages`: the variant importing a shared memory of that maximum (see WasmArena), one per realm.
 */
export function kernelModule(sharedMaxPages?: number): WasmModule | undefined {
  const cached = sharedMaxPages === undefined ? compiled : compiledShared;
  if (cached !== undefined) return cached ?? undefined;
  let module: WasmModule | null = null;
  try {
    const wa = wasmApi();
    const bytes = assembleModule((['dot', 'l2', 'l1'] as const).flatMap((m) => [kernel(m, true), kernel(m, false)]), sharedMaxPages);
    // No SIMD (or no threads, for the shared variant) in this engine: the JS kernels are correct, only slower.
    if (wa !== undefined && wa.validate(bytes)) module = new wa.Module(bytes);
  } catch {
    module = null; // an engine that refuses to compile
  }
  if (sharedMaxPages === undefined) compiled = module;
  else compiledShared = module;
  return module ?? undefined;
}

/** Instantiates the kernels over `memory`. */
export function instantiateKernels(module: WasmModule, memory: WasmMemory): WasmKernels {
  return instantiateOver<WasmKernels>(module, memory);
}

/** Local indices the row-touching loop uses; the parameters BASE and ROW are the same in every kernel. */
export interface TouchLocals {
  w0: number;
  we: number;
  i: number;
  p: number;
  e: number;
}

/**
 * Touches one word of every 64-byte line of the gathered rows W0..WE, shared by the f32 and u8 kernels. `row` pushes
 * the row index of entry I.
 */
export function touchRows(l: TouchLocals, row: number[]): number[] {
  const { w0: W0, we: WE, i: I, p: P, e: E } = l;
  return [
    ...op.get(W0), ...op.set(I),
    ...op.block, ...op.loop,
    ...op.get(I), ...op.get(WE), ...op.i32GeU, ...op.brIf(1),
    ...op.get(BASE), ...row, ...op.get(ROW), ...op.i32Mul, ...op.i32Add, ...op.tee(P),
    ...op.get(ROW), ...op.i32Add, ...op.set(E),
    ...op.block, ...op.loop,
    ...op.get(P), ...op.get(E), ...op.i32GeU, ...op.brIf(1),
    ...op.get(P), ...op.i32Load, ...op.drop,
    ...op.get(P), ...op.i32(64), ...op.i32Add, ...op.set(P),
    ...op.br(0),
    ...op.end, ...op.end,
    ...op.get(I), ...op.i32(1), ...op.i32Add, ...op.set(I),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

/**
 * One kernel of the shared shape, whatever the element type: for each window of WINDOW rows (gathered by the u32
 * ids at SRC, or the contiguous rows from SRC), touch the window's rows (gather only, see `touchRows`), then for
 * each row I of it set P = BASE + row * ROW and E = P + ROW, run `perRow`, and store the f32 that `value` pushes at
 * OUT + 4 * I. `prologue` runs once before the windows (constants held in locals).
 *
 * Gathered rows are scattered over the arena: touching every cache line of a window first (a few instructions per
 * line, so the CPU has dozens of misses in flight), then computing over rows that are in L1 by then, is hnswlib's
 * _mm_prefetch without a prefetch instruction; it doubled q/s at 100k x 128 (51 MB of f32 rows), and matters as
 * much for the compact types, a graph walk reads scattered rows. Windows, not the whole batch: touching 4096 rows
 * first would evict the early ones before use. Contiguous ranges need none: the hardware prefetcher follows a stream.
 */
export function rowKernel(
  name: string,
  gather: boolean,
  l: TouchLocals,
  locals: number[],
  perRow: number[],
  value: number[],
  prologue: number[] = [],
): FuncDef {
  const { w0: W0, we: WE, i: I, p: P, e: E } = l;
  const row = gather
    ? [...op.get(SRC), ...op.get(I), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...op.i32Load]
    : [...op.get(SRC), ...op.get(I), ...op.i32Add];
  const touch = gather ? touchRows(l, row) : [];
  const compute = [
    ...op.get(W0), ...op.set(I),
    ...op.block, ...op.loop,
    ...op.get(I), ...op.get(WE), ...op.i32GeU, ...op.brIf(1),
    ...op.get(BASE), ...row, ...op.get(ROW), ...op.i32Mul, ...op.i32Add, ...op.tee(P),
    ...op.get(ROW), ...op.i32Add, ...op.set(E),
    ...perRow,
    ...op.get(OUT), ...op.get(I), ...op.i32(2), ...op.i32Shl, ...op.i32Add,
    ...value, ...op.f32Store,
    ...op.get(I), ...op.i32(1), ...op.i32Add, ...op.set(I),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
  const body = [
    ...prologue,
    ...op.i32(0), ...op.set(W0),
    ...op.block, ...op.loop,
    ...op.get(W0), ...op.get(CNT), ...op.i32GeU, ...op.brIf(1),
    // WE = min(W0 + WINDOW, CNT)
    ...op.get(W0), ...op.i32(WINDOW), ...op.i32Add, ...op.tee(WE), ...op.get(CNT),
    ...op.get(WE), ...op.get(CNT), ...op.i32LtU, ...op.select, ...op.set(WE),
    ...touch,
    ...compute,
    ...op.get(WE), ...op.set(W0),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
  return { name, params: KERNEL_PARAMS, results: [], locals, body };
}

/**
 * A getter for the module of `funcs` (built on first use), compiled once per realm: undefined where WebAssembly or
 * its SIMD is missing or the engine refuses to compile (callers then keep the JS loops, which are correct, only
 * slower). Synchronous: the modules are a few KB, which browsers allow on the main thread too. `shared` asks for the
 * variant importing a shared memory of MAX_BYTES at most (an arena search threads read, see WasmU8Arena), compiled
 * once too.
 */
/** wasm-memory.ts's MAX_BYTES in pages (not imported: that module imports this one). */
const SHARED_MAX_PAGES = 0xffff;

export function compiledOnce(funcs: () => FuncDef[]): (shared?: boolean) => WasmModule | undefined {
  const compiled: [WasmModule | null | undefined, WasmModule | null | undefined] = [undefined, undefined];
  return (shared = false) => {
    const i = shared ? 1 : 0;
    const have = compiled[i];
    if (have !== undefined) return have ?? undefined;
    compiled[i] = null;
    try {
      const wa = wasmApi();
      if (wa === undefined) return undefined;
      const bytes = assembleModule(funcs(), shared ? SHARED_MAX_PAGES : undefined);
      if (!wa.validate(bytes)) return undefined;
      compiled[i] = new wa.Module(bytes);
    } catch {
      compiled[i] = null;
    }
    return compiled[i] ?? undefined;
  };
}

/** The exports of `module` instantiated over `memory` (every kernel module imports `env.memory`). */
export function instantiateOver<T>(module: WasmModule, memory: WasmMemory): T {
  return new (wasmApi()!.Instance)(module, { env: { memory } }).exports as unknown as T;
}
