import { type FuncDef, I32, V128, op, uleb } from './wasm-assembler.js';
import { type WasmKernel, type WasmMemory, type WasmModule, Q, compiledOnce, instantiateOver, rowKernel } from './wasm-kernels.js';

/**
 * WebAssembly SIMD kernels over rows of uint8 codes (scalar quantization), same calling convention as the f32
 * kernels (q, src, cnt, out, base, rowBytes): `batch_*` gathers rows by the u32 ids at `src`, `range_*` scans
 * rows `src ..`. Both the query and the rows are codes; rows are zero-padded to a multiple of 16 bytes, so there
 * is no tail (padding adds 0 to every sum). Each 8 codes widen to i16x8 (`v128.load8x8_u`), then:
 * - u8dot: `i32x4.dot_i16x8_s` (255 * 255 * 2 fits i32) -> sum(q * c);
 * - u8l2: `i16x8.sub`, then dot with itself -> sum((q - c)^2);
 * - u8l1: `i16x8.sub`, `i16x8.abs`, `i32x4.extadd_pairwise_i16x8_u` -> sum(|q - c|).
 * `out` receives the exact integer sums as f32 (exact below 2^24: 16M, i.e. dims up to ~250 for u8dot/l2, and
 * rounding above that is f32's as in the float kernels); the caller turns them into ranks.
 */
export type U8Metric = 'u8dot' | 'u8l2' | 'u8l1';
export type U8Kernels = Record<`batch_${U8Metric}` | `range_${U8Metric}`, WasmKernel>;

const simd = (code: number, ...imm: number[]): number[] => [0xfd, ...uleb(code), ...imm];
const load8x8u = (offset: number): number[] => simd(0x02, 3, ...uleb(offset));
const I16X8_SUB = simd(0x91);
const I16X8_ABS = simd(0x80);
const I32X4_DOT_I16X8_S = simd(0xba);
const I32X4_EXTADD_PAIRWISE_I16X8_U = simd(0x7f);
const I32X4_ADD = simd(0xae);
const i32x4ExtractLane = (lane: number): number[] => simd(0x1b, lane);
const F32_CONVERT_I32_S = [0xb2];

const I = 6, P = 7, QQ = 8, E = 9, ACC = 10, T = 11, W0 = 12, WE = 13;
const LOCALS = [I32, I32, I32, I32, V128, V128, I32, I32];

function step(metric: U8Metric, offset: number): number[] {
  const loads = [...op.get(P), ...load8x8u(offset), ...op.get(QQ), ...load8x8u(offset)];
  const term =
    metric === 'u8dot'
      ? [...loads, ...I32X4_DOT_I16X8_S]
      : metric === 'u8l2'
        ? [...loads, ...I16X8_SUB, ...op.tee(T), ...op.get(T), ...I32X4_DOT_I16X8_S]
        : [...loads, ...I16X8_SUB, ...I16X8_ABS, ...I32X4_EXTADD_PAIRWISE_I16X8_U];
  return [...op.get(ACC), ...term, ...I32X4_ADD, ...op.set(ACC)];
}

function kernel(metric: U8Metric, gather: boolean): FuncDef {
  const lane = (l: number) => [...op.get(ACC), ...i32x4ExtractLane(l)];
  const perRow = [
    ...op.get(Q), ...op.set(QQ),
    ...op.v128Zero, ...op.set(ACC),
    ...op.block, ...op.loop,
    ...op.get(P), ...op.get(E), ...op.i32GeU, ...op.brIf(1),
    ...step(metric, 0), ...step(metric, 8),
    ...op.get(P), ...op.i32(16), ...op.i32Add, ...op.set(P),
    ...op.get(QQ), ...op.i32(16), ...op.i32Add, ...op.set(QQ),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
  const value = [...lane(0), ...lane(1), ...op.i32Add, ...lane(2), ...lane(3), ...op.i32Add, ...op.i32Add, ...F32_CONVERT_I32_S];
  return rowKernel(`${gather ? 'batch' : 'range'}_${metric}`, gather, { i: I, p: P, e: E, w0: W0, we: WE }, LOCALS, perRow, value);
}

/** The compiled u8 kernel module, or undefined without WebAssembly SIMD (callers keep the JS loops). */
export const u8KernelModule: (shared?: boolean) => WasmModule | undefined = compiledOnce(() =>
  (['u8dot', 'u8l2', 'u8l1'] as const).flatMap((m) => [kernel(m, true), kernel(m, false)]),
);

export function instantiateU8Kernels(module: WasmModule, memory: WasmMemory): U8Kernels {
  return instantiateOver<U8Kernels>(module, memory);
}
