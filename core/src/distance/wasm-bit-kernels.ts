import { type FuncDef, I32, V128, op, uleb } from './wasm-assembler.js';
import { type WasmModule, Q, compiledOnce, rowKernel } from './wasm-kernels.js';

/**
 * WebAssembly SIMD kernels over rows of bits (binary quantization), same calling convention as the f32 and u8
 * kernels (q, src, cnt, out, base, rowBytes): `batch_*` gathers rows by the u32 ids at `src`, `range_*` scans rows
 * `src ..`. Rows are zero-padded to a multiple of 16 bytes.
 *
 * The query is `planes` bit planes, interleaved per 16-byte chunk: chunk c of plane b sits at q + (c * planes + b)
 * * 16, so each plane is a static load offset from one moving pointer. A row scores
 * sum over planes b of popcount(row XOR plane_b) << b:
 * - bit1: one plane, the query encoded as the rows are (symmetric): the Hamming distance;
 * - bit4 / bit8: the query quantized to 4 / 8 bits per dimension, plane b holding bit b of every value
 *   (asymmetric, Qdrant's `scalar4bits` / `scalar8bits` query encodings), so the sum is, per dimension, the query
 *   value where the row's bit is 0 and its complement where it is 1.
 * Per 16 bytes: `v128.xor`, `i8x16.popcnt`, two pairwise widenings to i32x4, a shift by the plane, an add. `out`
 * receives the integer sums as f32 (exact: at most 255 * 65536 bits).
 */
export type BitPlanes = 1 | 4 | 8;
export type BitMetric = `bit${BitPlanes}`;
export type BitKernels = Record<`batch_${BitMetric}` | `range_${BitMetric}`, (q: number, src: number, cnt: number, out: number, base: number, rowBytes: number) => void>;

const simd = (code: number, ...imm: number[]): number[] => [0xfd, ...uleb(code), ...imm];
const V128_XOR = simd(0x51);
const I8X16_POPCNT = simd(0x62);
const I16X8_EXTADD_PAIRWISE_I8X16_U = simd(0x7d);
const I32X4_EXTADD_PAIRWISE_I16X8_U = simd(0x7f);
const I32X4_SHL = simd(0xab);
const I32X4_ADD = simd(0xae);
const i32x4ExtractLane = (lane: number): number[] => simd(0x1b, lane);
const F32_CONVERT_I32_S = [0xb2];

const I = 6, P = 7, QQ = 8, E = 9, ACC = 10, V = 11, W0 = 12, WE = 13;
const LOCALS = [I32, I32, I32, I32, V128, V128, I32, I32];

/** ACC += (popcount(V ^ plane b) widened to i32x4) << b, for the chunk at P / QQ. */
function plane(b: number): number[] {
  return [
    ...op.get(ACC),
    ...op.get(V), ...op.get(QQ), ...op.v128Load(16 * b), ...V128_XOR,
    ...I8X16_POPCNT, ...I16X8_EXTADD_PAIRWISE_I8X16_U, ...I32X4_EXTADD_PAIRWISE_I16X8_U,
    ...(b === 0 ? [] : [...op.i32(b), ...I32X4_SHL]),
    ...I32X4_ADD, ...op.set(ACC),
  ];
}

function kernel(planes: BitPlanes, gather: boolean): FuncDef {
  const lane = (l: number) => [...op.get(ACC), ...i32x4ExtractLane(l)];
  const planeSteps: number[] = [];
  for (let b = 0; b < planes; b++) planeSteps.push(...plane(b));
  const perRow = [
    ...op.get(Q), ...op.set(QQ),
    ...op.v128Zero, ...op.set(ACC),
    ...op.block, ...op.loop,
    ...op.get(P), ...op.get(E), ...op.i32GeU, ...op.brIf(1),
    ...op.get(P), ...op.v128Load(0), ...op.set(V),
    ...planeSteps,
    ...op.get(P), ...op.i32(16), ...op.i32Add, ...op.set(P),
    ...op.get(QQ), ...op.i32(16 * planes), ...op.i32Add, ...op.set(QQ),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
  const value = [...lane(0), ...lane(1), ...op.i32Add, ...lane(2), ...lane(3), ...op.i32Add, ...op.i32Add, ...F32_CONVERT_I32_S];
  return rowKernel(`${gather ? 'batch' : 'range'}_bit${planes}`, gather, { i: I, p: P, e: E, w0: W0, we: WE }, LOCALS, perRow, value);
}

/** The compiled bit kernel module, or undefined without WebAssembly SIMD (callers keep the JS loops). */
export const bitKernelModule: (shared?: boolean) => WasmModule | undefined = compiledOnce(() =>
  ([1, 4, 8] as const).flatMap((p) => [kernel(p, true), kernel(p, false)]),
);
