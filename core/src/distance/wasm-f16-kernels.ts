import { type FuncDef, I32, V128, assembleModule, op, uleb } from './wasm-assembler.js';
import { type WasmKernel, type WasmMemory, type WasmModule, type WasmMetric, touchRows, wasmApi } from './wasm-kernels.js';

/**
 * WebAssembly SIMD rank kernels over rows of half floats (the float16 datatype), same calling convention as the
 * f32 kernels (q, src, cnt, out, base, rowBytes) and the same keys (-dot, squared L2, L1). The query is f32; rows
 * are binary16 bit patterns, zero-padded to a multiple of 8 halves (16 bytes), and the query is zero-padded to
 * match, so there is no tail (a zero half decodes to 0 and adds nothing).
 *
 * Wasm SIMD has no half-float conversion, so 8 halves at a time are decoded with integer ops: magnitude bits
 * `h & 0x7fff` shifted left 13 are the f32 whose exponent is 112 too small, so one multiply by 2^112 gives the
 * value, subnormals included (the multiply is exact and IEEE, never flushed); the sign bit `h & 0x8000` shifted
 * left 16 is OR-ed back. Infinities and NaN would decode wrong, but the storage never holds them (writes that
 * would overflow are refused). Sums are f32 in two 4-lane accumulators.
 */
export type F16Kernels = Record<`batch_${WasmMetric}` | `range_${WasmMetric}`, WasmKernel>;

const simd = (code: number, ...imm: number[]): number[] => [0xfd, ...uleb(code), ...imm];
const v128Const = (bytes: number[]): number[] => simd(0x0c, ...bytes);
const splat16 = (v: number): number[] => v128Const(new Array(8).fill(0).flatMap(() => [v & 0xff, v >>> 8]));
const splatF32 = (v: number): number[] => {
  const b = new Uint8Array(new Float32Array([v]).buffer);
  return v128Const(new Array(4).fill(0).flatMap(() => Array.from(b)));
};
const V128_AND = simd(0x4e);
const V128_OR = simd(0x50);
const I32X4_EXTEND_LOW_I16X8_U = simd(0xa9);
const I32X4_EXTEND_HIGH_I16X8_U = simd(0xaa);
const I32X4_SHL = simd(0xab);
const F32_STORE = [0x38, 2, 0];

const Q = 0, SRC = 1, CNT = 2, OUT = 3;
const I = 6, P = 7, QQ = 8, E = 9, W0 = 10, WE = 11;
const ACC = [12, 13], M = 14, S = 15, T = 16, MASK_M = 17, MASK_S = 18, SCALE = 19;
const LOCALS = [I32, I32, I32, I32, I32, I32, V128, V128, V128, V128, V128, V128, V128, V128];
const WINDOW = 32;

/** Decodes the low or high 4 halves of M / S (already masked) into f32 lanes on the stack. */
function decode(high: boolean): number[] {
  const extend = high ? I32X4_EXTEND_HIGH_I16X8_U : I32X4_EXTEND_LOW_I16X8_U;
  return [
    ...op.get(M), ...extend, ...op.i32(13), ...I32X4_SHL, ...op.get(SCALE), ...op.f32x4Mul,
    ...op.get(S), ...extend, ...op.i32(16), ...I32X4_SHL,
    ...V128_OR,
  ];
}

function term(metric: WasmMetric, high: boolean): number[] {
  const q = [...op.get(QQ), ...op.v128Load(high ? 16 : 0)];
  const pair = [...q, ...decode(high)];
  const t =
    metric === 'dot'
      ? [...pair, ...op.f32x4Mul]
      : metric === 'l2'
        ? [...pair, ...op.f32x4Sub, ...op.tee(T), ...op.get(T), ...op.f32x4Mul]
        : [...pair, ...op.f32x4Sub, ...op.f32x4Abs];
  const acc = ACC[high ? 1 : 0]!;
  return [...op.get(acc), ...t, ...op.f32x4Add, ...op.set(acc)];
}

function kernel(metric: WasmMetric, gather: boolean): FuncDef {
  const row = gather
    ? [...op.get(SRC), ...op.get(I), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...op.i32Load]
    : [...op.get(SRC), ...op.get(I), ...op.i32Add];
  const lane = (l: number) => [...op.get(ACC[0]!), ...op.f32x4ExtractLane(l)];
  const touch = gather ? touchRows({ w0: W0, we: WE, i: I, p: P, e: E }, row) : [];
  const compute = [
    ...op.get(W0), ...op.set(I),
    ...op.block, ...op.loop,
    ...op.get(I), ...op.get(WE), ...op.i32GeU, ...op.brIf(1),
    ...op.get(4), ...row, ...op.get(5), ...op.i32Mul, ...op.i32Add, ...op.tee(P),
    ...op.get(5), ...op.i32Add, ...op.set(E),
    ...op.get(Q), ...op.set(QQ),
    ...op.v128Zero, ...op.set(ACC[0]!),
    ...op.v128Zero, ...op.set(ACC[1]!),
    ...op.block, ...op.loop,
    ...op.get(P), ...op.get(E), ...op.i32GeU, ...op.brIf(1),
    ...op.get(P), ...op.v128Load(0), ...op.tee(M), ...op.get(MASK_S), ...V128_AND, ...op.set(S),
    ...op.get(M), ...op.get(MASK_M), ...V128_AND, ...op.set(M),
    ...term(metric, false), ...term(metric, true),
    ...op.get(P), ...op.i32(16), ...op.i32Add, ...op.set(P),
    ...op.get(QQ), ...op.i32(32), ...op.i32Add, ...op.set(QQ),
    ...op.br(0),
    ...op.end, ...op.end,
    ...op.get(ACC[0]!), ...op.get(ACC[1]!), ...op.f32x4Add, ...op.set(ACC[0]!),
    ...op.get(OUT), ...op.get(I), ...op.i32(2), ...op.i32Shl, ...op.i32Add,
    ...lane(0), ...lane(1), ...op.f32Add, ...lane(2), ...lane(3), ...op.f32Add, ...op.f32Add,
    ...(metric === 'dot' ? op.f32Neg : []), ...F32_STORE,
    ...op.get(I), ...op.i32(1), ...op.i32Add, ...op.set(I),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
  const body = [
    ...splat16(0x7fff), ...op.set(MASK_M),
    ...splat16(0x8000), ...op.set(MASK_S),
    ...splatF32(2 ** 112), ...op.set(SCALE),
    ...op.i32(0), ...op.set(W0),
    ...op.block, ...op.loop,
    ...op.get(W0), ...op.get(CNT), ...op.i32GeU, ...op.brIf(1),
    ...op.get(W0), ...op.i32(WINDOW), ...op.i32Add, ...op.tee(WE), ...op.get(CNT),
    ...op.get(WE), ...op.get(CNT), ...op.i32LtU, ...op.select, ...op.set(WE),
    ...touch,
    ...compute,
    ...op.get(WE), ...op.set(W0),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
  return { name: `${gather ? 'batch' : 'range'}_${metric}`, params: [I32, I32, I32, I32, I32, I32], results: [], locals: LOCALS, body };
}

let compiled: WasmModule | null | undefined;

/** The compiled half-float kernel module, or undefined without WebAssembly SIMD (callers keep the JS loops). */
export function f16KernelModule(): WasmModule | undefined {
  if (compiled !== undefined) return compiled ?? undefined;
  compiled = null;
  try {
    const wa = wasmApi();
    if (wa === undefined) return undefined;
    const bytes = assembleModule((['dot', 'l2', 'l1'] as const).flatMap((m) => [kernel(m, true), kernel(m, false)]));
    if (!wa.validate(bytes)) return undefined;
    compiled = new wa.Module(bytes);
  } catch {
    compiled = null;
  }
  return compiled ?? undefined;
}

export function instantiateF16Kernels(module: WasmModule, memory: WasmMemory): F16Kernels {
  return new (wasmApi()!.Instance)(module, { env: { memory } }).exports as unknown as F16Kernels;
}
