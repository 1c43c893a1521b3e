import { type FuncDef, I32, V128, op, uleb } from './wasm-assembler.js';
import {
  type WasmKernel,
  type WasmMemory,
  type WasmModule,
  type WasmMetric,
  Q,
  ROW,
  compiledOnce,
  instantiateOver,
  rowKernel,
} from './wasm-kernels.js';

/**
 * WebAssembly SIMD rank kernels over rows of half floats (the float16 datatype), same calling convention as the
 * f32 kernels (q, src, cnt, out, base, rowBytes) and the same keys (-dot, squared L2, L1). The query is f32; rows
 * are binary16 bit patterns, zero-padded to a multiple of 8 halves (16 bytes), and the query is zero-padded to
 * match, so there is no tail (a zero half decodes to 0 and adds nothing).
 *
 * Wasm SIMD has no half-float conversion, so 8 halves at a time are decoded with integer ops: each half is
 * sign-extended to 32 bits and shifted left 13, which puts the magnitude bits where an f32's exponent and mantissa
 * go and the sign on bit 31, with the sign's copies on bits 28-30 that one AND clears. That f32's exponent is 112
 * too small, so one multiply by 2^112 gives the value, subnormals included (the multiply is exact and IEEE, never
 * flushed), sign kept. Infinities and NaN would decode wrong, but the storage never holds them (writes that would
 * overflow are refused). Sums are f32 in two 4-lane accumulators.
 */
export type F16Kernels = Record<`batch_${WasmMetric}` | `range_${WasmMetric}`, WasmKernel> & { decode: F16Decode };

/**
 * `decode(src, dst, halves)`: the f32 values of `halves` (a multiple of 8) half floats at byte `src`, written from
 * byte `dst`, as the kernels decode a row (the same values as the JS table for every finite half). A stored row
 * used as the query is decoded once this way, then ranked as a loaded query.
 */
export type F16Decode = (src: number, dst: number, halves: number) => void;

const simd = (code: number, ...imm: number[]): number[] => [0xfd, ...uleb(code), ...imm];
const v128Const = (bytes: number[]): number[] => simd(0x0c, ...bytes);
const splat32 = (v: number): number[] => v128Const(new Array(4).fill(0).flatMap(() => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]));
const splatF32 = (v: number): number[] => {
  const b = new Uint8Array(new Float32Array([v]).buffer);
  return v128Const(new Array(4).fill(0).flatMap(() => Array.from(b)));
};
const V128_AND = simd(0x4e);
const I32X4_EXTEND_LOW_I16X8_S = simd(0xa7);
const I32X4_EXTEND_HIGH_I16X8_S = simd(0xa8);
const I32X4_SHL = simd(0xab);
const v128Store = (offset: number): number[] => [...simd(0x0b), 4, ...uleb(offset)];

const I = 6, P = 7, QQ = 8, E = 9, W0 = 10, WE = 11, E16 = 12;
const ACC = [13, 14, 15, 16], H = 17, T = 18, MASK = 19, SCALE = 20;
const LOCALS = [I32, I32, I32, I32, I32, I32, I32, V128, V128, V128, V128, V128, V128, V128, V128];

/** Decodes the low or high 4 of the 8 halves in local `h` into f32 lanes on the stack. */
function decode(high: boolean, h = H, mask = MASK, scale = SCALE): number[] {
  const extend = high ? I32X4_EXTEND_HIGH_I16X8_S : I32X4_EXTEND_LOW_I16X8_S;
  return [...op.get(h), ...extend, ...op.i32(13), ...I32X4_SHL, ...op.get(mask), ...V128_AND, ...op.get(scale), ...op.f32x4Mul];
}

const decodeMask = (): number[] => splat32(0x8fffffff);
const decodeScale = (): number[] => splatF32(2 ** 112);

/** Adds the metric's terms of 4 halves (the high or low ones of H) against the query at QQ + qOffset into `acc`. */
function term(metric: WasmMetric, high: boolean, qOffset: number, acc: number): number[] {
  const q = [...op.get(QQ), ...op.v128Load(qOffset)];
  const pair = [...q, ...decode(high)];
  const t =
    metric === 'dot'
      ? [...pair, ...op.f32x4Mul]
      : metric === 'l2'
        ? [...pair, ...op.f32x4Sub, ...op.tee(T), ...op.get(T), ...op.f32x4Mul]
        : [...pair, ...op.f32x4Sub, ...op.f32x4Abs];
  return [...op.get(acc), ...t, ...op.f32x4Add, ...op.set(acc)];
}

/** 8 halves from P + rowOffset (and the 8 query floats they pair with) into accumulators `a` and `b`. */
function eight(metric: WasmMetric, rowOffset: number, a: number, b: number): number[] {
  return [
    ...op.get(P), ...op.v128Load(rowOffset), ...op.set(H),
    ...term(metric, false, rowOffset * 2, a), ...term(metric, true, rowOffset * 2 + 16, b),
  ];
}

/** `while (P < end) { body; P += rowStep; QQ += 2 * rowStep }` */
function whileBelow(end: number, body: number[], rowStep: number): number[] {
  return [
    ...op.block, ...op.loop,
    ...op.get(P), ...op.get(end), ...op.i32GeU, ...op.brIf(1),
    ...body,
    ...op.get(P), ...op.i32(rowStep), ...op.i32Add, ...op.set(P),
    ...op.get(QQ), ...op.i32(2 * rowStep), ...op.i32Add, ...op.set(QQ),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

function kernel(metric: WasmMetric, gather: boolean): FuncDef {
  const lane = (l: number) => [...op.get(ACC[0]!), ...op.f32x4ExtractLane(l)];
  const perRow = [
    // E16: where the 16-half body stops (rows are a multiple of 8 halves; one 8-half step may remain).
    ...op.get(P), ...op.get(ROW), ...op.i32(~31), ...op.i32And, ...op.i32Add, ...op.set(E16),
    ...op.get(Q), ...op.set(QQ),
    ...ACC.flatMap((a) => [...op.v128Zero, ...op.set(a)]),
    // Four independent accumulators over 16 halves a step, so the adds' latency overlaps (as the f32 kernels).
    ...whileBelow(E16, [...eight(metric, 0, ACC[0]!, ACC[1]!), ...eight(metric, 16, ACC[2]!, ACC[3]!)], 32),
    ...whileBelow(E, eight(metric, 0, ACC[0]!, ACC[1]!), 16),
    ...op.get(ACC[0]!), ...op.get(ACC[1]!), ...op.f32x4Add, ...op.get(ACC[2]!), ...op.get(ACC[3]!), ...op.f32x4Add,
    ...op.f32x4Add, ...op.set(ACC[0]!),
  ];
  const value = [...lane(0), ...lane(1), ...op.f32Add, ...lane(2), ...lane(3), ...op.f32Add, ...op.f32Add, ...(metric === 'dot' ? op.f32Neg : [])];
  const prologue = [...decodeMask(), ...op.set(MASK), ...decodeScale(), ...op.set(SCALE)];
  return rowKernel(`${gather ? 'batch' : 'range'}_${metric}`, gather, { i: I, p: P, e: E, w0: W0, we: WE }, LOCALS, perRow, value, prologue);
}

/** See F16Decode: 8 halves a step, one load and two stores. */
function decodeRows(): FuncDef {
  const SRC_ = 0, DST = 1, N = 2, END = 3, HH = 4, MM = 5, SS = 6;
  const body = [
    ...decodeMask(), ...op.set(MM), ...decodeScale(), ...op.set(SS),
    ...op.get(SRC_), ...op.get(N), ...op.i32(1), ...op.i32Shl, ...op.i32Add, ...op.set(END),
    ...op.block, ...op.loop,
    ...op.get(SRC_), ...op.get(END), ...op.i32GeU, ...op.brIf(1),
    ...op.get(SRC_), ...op.v128Load(0), ...op.set(HH),
    ...op.get(DST), ...decode(false, HH, MM, SS), ...v128Store(0),
    ...op.get(DST), ...decode(true, HH, MM, SS), ...v128Store(16),
    ...op.get(SRC_), ...op.i32(16), ...op.i32Add, ...op.set(SRC_),
    ...op.get(DST), ...op.i32(32), ...op.i32Add, ...op.set(DST),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
  return { name: 'decode', params: [I32, I32, I32], results: [], locals: [I32, V128, V128, V128], body };
}

/** The compiled half-float kernel module, or undefined without WebAssembly SIMD (callers keep the JS loops). */
export const f16KernelModule: (shared?: boolean) => WasmModule | undefined = compiledOnce(() => [
  ...(['dot', 'l2', 'l1'] as const).flatMap((m) => [kernel(m, true), kernel(m, false)]),
  decodeRows(),
]);

export function instantiateF16Kernels(module: WasmModule, memory: WasmMemory): F16Kernels {
  return instantiateOver<F16Kernels>(module, memory);
}
