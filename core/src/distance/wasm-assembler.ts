/**
 * Just enough of a WebAssembly binary encoder to emit the distance kernels at run time: no toolchain, no .wasm
 * file to ship or fetch, and the bytes are built the same way in browsers and Node.
 *
 * Opcodes are named after the text format (`f32x4.add` -> `F32X4_ADD`); see the WebAssembly core spec, binary
 * format, and the SIMD proposal's opcode table.
 */

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const utf8 = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

const simd = (op: number): number[] => [0xfd, ...uleb(op)];

/** Instruction helpers; each returns the instruction's bytes. */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  get: (local: number) => [0x20, ...uleb(local)],
  set: (local: number) => [0x21, ...uleb(local)],
  tee: (local: number) => [0x22, ...uleb(local)],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32Load: [0x28, 2, 0],
  drop: [0x1a],
  select: [0x1b],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32And: [0x71],
  i32Shl: [0x74],
  i32LtU: [0x49],
  i32GeU: [0x4f],
  f32Zero: [0x43, 0, 0, 0, 0],
  f32Load: (offset: number) => [0x2a, 2, ...uleb(offset)],
  f32Store: [0x38, 2, 0],
  f32Abs: [0x8b],
  f32Neg: [0x8c],
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Mul: [0x94],
  v128Load: (offset: number) => [...simd(0), 4, ...uleb(offset)],
  v128Zero: [...simd(12), ...new Array<number>(16).fill(0)],
  f32x4ExtractLane: (lane: number) => [...simd(31), lane],
  f32x4Abs: simd(224),
  f32x4Add: simd(228),
  f32x4Sub: simd(229),
  f32x4Mul: simd(230),
};

export interface FuncDef {
  name: string;
  params: number[];
  results: number[];
  /** Extra locals after the params, by type. */
  locals: number[];
  body: number[];
}

/**
 * A module importing one memory as `env.memory` and exporting `funcs` under their names. With `sharedMaxPages` the
 * import is a shared memory of at most that many pages (threads proposal), which only a shared memory satisfies.
 */
export function assembleModule(funcs: FuncDef[], sharedMaxPages?: number): Uint8Array {
  const types = funcs.map((f) => [0x60, ...vector(f.params.map((t) => [t])), ...vector(f.results.map((t) => [t]))]);
  const codes = funcs.map((f) => {
    const groups: number[][] = [];
    for (const t of f.locals) groups.push([1, t]);
    const code = [...vector(groups), ...f.body, ...op.end];
    return [...uleb(code.length), ...code];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, vector([[...utf8('env'), ...utf8('memory'), 0x02, ...(sharedMaxPages === undefined ? [0x00, ...uleb(1)] : [0x03, ...uleb(1), ...uleb(sharedMaxPages)])]])),
    ...section(3, vector(funcs.map((_, i) => uleb(i)))),
    ...section(7, vector(funcs.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vector(codes)),
  ]);
}
