/**
 * WebAssembly SIMD versions of the hottest elementwise loops of a training step: the tanh layer's
 * forward (`tanh(pre + bias)`, Eigen's rational function of `fastTanh`) and backward
 * (`dPre = dOut·(1 − y²)` with the bias gradient's column sums), the same two for ReLU, and
 * Adam's update. They compute in f64x2 lanes the same double-precision operations, in the same
 * order, as the scalar JavaScript loops of activations.ts and adam.ts, and round to float32 the
 * same way, so the results are bit for bit the same (tests compare them on NaN, ±0 and values
 * past the clamp). Each call copies its arrays into the module's memory and the results back
 * (typed-array `set`, a memcpy: about 5 % of the kernel). Measured on this machine (Node 20,
 * 750×128 with bias, CPU time per element, scalar → SIMD): tanh forward 11–14.6 → 8.7 ns,
 * backward 4.9–8.3 → 1.6 ns; ReLU forward 3.7–5.1 → 1.7 ns, backward 4.9–6.5 → 1.5 ns; Adam
 * (56k parameters, norm pass included) 12.5 → 7.0 ns per parameter.
 *
 * The module is a few dozen instructions, assembled below from named opcodes at load. Where
 * WebAssembly SIMD is unavailable, {@link simdKernels} returns null and the scalar loops run.
 */

/** The kernels; each takes plain arrays like the scalar loops they replace. */
export interface SimdKernels {
  /** `out[r, j] = float32(tanh(pre[r, j] + bias[j]))` over `rows × cols`; cols must be even. */
  tanhBias(
    pre: Float32Array,
    bias: Float32Array,
    out: Float32Array,
    rows: number,
    cols: number,
  ): void;
  /**
   * `dPre[r, j] = dOut[r, j]·(1 − out[r, j]²)` and `dBias[j] += dPre[r, j]` (rows in order) over
   * `rows × cols`; cols must be even.
   */
  tanhBackward(
    out: Float32Array,
    dOut: Float32Array,
    dPre: Float32Array,
    dBias: Float32Array,
    rows: number,
    cols: number,
  ): void;
  /**
   * One Adam update of `value` with `grad` and the moments `m`, `v` in place (the gradient is
   * left as it is); `scalars` = [b1, 1 − b1, b2, 1 − b2, stepSize, secondCorrection, eps,
   * clipScale, keep], the terms of adam.ts's loop, which this gives bit for bit.
   */
  adam(
    value: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    scalars: Float64Array,
  ): void;
  /** `out[r, j] = float32(max(pre[r, j] + bias[j], 0))`; cols must be even. */
  reluBias(
    pre: Float32Array,
    bias: Float32Array,
    out: Float32Array,
    rows: number,
    cols: number,
  ): void;
  /** `dPre[r, j] = out[r, j] > 0 ? dOut[r, j] : +0` and `dBias[j] += dPre[r, j]`; cols even. */
  reluBackward(
    out: Float32Array,
    dOut: Float32Array,
    dPre: Float32Array,
    dBias: Float32Array,
    rows: number,
    cols: number,
  ): void;
}

// Past ±9, float32(tanh(x)) is exactly ±1 (the clamp of activations.ts).
const TANH_CLAMP = 9;
/** Eigen's float32 tanh: numerator coefficients (highest power of x² first), then denominator. */
const TANH_P = [
  -2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11, 5.12229709037114e-8,
  1.48572235717979e-5, 6.37261928875436e-4, 4.89352455891786e-3,
];
const TANH_Q = [1.19825839466702e-6, 1.18534705686654e-4, 2.268434632439e-3, 4.89352518554385e-3];

// ---- A minimal WebAssembly assembler: only what the two kernels use. ----

type Bytes = number[];

function uleb(value: number): Bytes {
  const out: Bytes = [];
  let n = value >>> 0;
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(value: number): Bytes {
  const out: Bytes = [];
  let n = value | 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const vector = (items: readonly Bytes[]): Bytes => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: Bytes): Bytes => [id, ...uleb(body.length), ...body];
const name = (text: string): Bytes => [
  ...uleb(text.length),
  ...Array.from(text, (c) => c.charCodeAt(0)),
];
const simd = (opcode: number): Bytes => [0xfd, ...uleb(opcode)];

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  get: (index: number): Bytes => [0x20, ...uleb(index)],
  set: (index: number): Bytes => [0x21, ...uleb(index)],
  tee: (index: number): Bytes => [0x22, ...uleb(index)],
  i32: (value: number): Bytes => [0x41, ...sleb(value)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32GeU: [0x4f],
  /** `block` … `loop` (no result); `br_if 1` leaves, `br 0` repeats. */
  blockLoop: [0x02, 0x40, 0x03, 0x40],
  brIfOut: [0x0d, 1],
  repeat: [0x0c, 0],
  endBlockLoop: [0x0b, 0x0b],
  end: [0x0b],
  /** f64x2 splat of a double constant. */
  splat: (value: number): Bytes => {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    return [0x44, ...bytes, ...simd(0x14)];
  },
  /** Two float32 at the address on the stack into the low half of a v128 (align 8 bytes). */
  load2: [...simd(0x5d), 3, 0],
  /** The low two float32 of the v128 on the stack to the address beneath it. */
  store2: [...simd(0x5b), 3, 0, 0],
  promote: simd(0x5f),
  demote: simd(0x5e),
  add: simd(0xf0),
  sub: simd(0xf1),
  mul: simd(0xf2),
  div: simd(0xf3),
  min: simd(0xf4),
  max: simd(0xf5),
  /** f64x2 lane-wise a > b as all-ones / all-zero lanes. */
  gt: simd(0x4a),
  and: simd(0x4e),
  sqrt: simd(0xef),
  /** f64x2 splat of the double at the address on the stack (align 8 bytes). */
  loadSplat64: [0x2b, 3, 0, ...simd(0x14)],
};

/** The address `base + offset` (two i32 locals) on the stack. */
const at = (base: number, offset: number): Bytes => [
  ...op.get(base),
  ...op.get(offset),
  ...op.i32Add,
];

/** Two float32 at `base + offset`, promoted to an f64x2, on the stack. */
const loadPair = (base: number, offset: number): Bytes => [
  ...at(base, offset),
  ...op.load2,
  ...op.promote,
];

/**
 * The tail of both backward kernels: d[offset] ← float32(delta) and dBias[column] ←
 * float32(dBias[column] + delta), `delta` an f64x2 local.
 */
function storeDeltaAndBias(
  d: number,
  dBias: number,
  offset: number,
  column: number,
  delta: number,
): Bytes {
  return [
    ...at(d, offset),
    ...op.get(delta),
    ...op.demote,
    ...op.store2,
    ...at(dBias, column),
    ...loadPair(dBias, column),
    ...op.get(delta),
    ...op.add,
    ...op.demote,
    ...op.store2,
  ];
}

/**
 * A function of `params` i32 parameters with the given extra i32 and v128 locals whose body
 * runs `rows` (parameter `rowsParam`) × `cols` (parameter `colsParam`, in pairs) iterations of
 * `pair(offset)`, where local `offset` is the byte offset of the current pair in a `rows × cols`
 * float32 array. Locals after the parameters: offset, row end, array end, then the caller's.
 */
function pairLoop(
  params: number,
  rowsParam: number,
  colsParam: number,
  v128Locals: number,
  prologue: Bytes,
  pair: (offset: number, column: number) => Bytes,
): { params: number; body: Bytes } {
  const offset = params;
  const column = params + 1;
  const end = params + 2;
  const rowBytes = params + 3;
  const body: Bytes = [
    ...vector([
      [...uleb(4), I32],
      [...uleb(v128Locals), V128],
    ]),
    ...prologue,
    // rowBytes = cols·4; end = rows·rowBytes; offset = 0.
    ...op.get(colsParam),
    ...op.i32(4),
    ...op.i32Mul,
    ...op.set(rowBytes),
    ...op.get(rowsParam),
    ...op.get(rowBytes),
    ...op.i32Mul,
    ...op.set(end),
    ...op.i32(0),
    ...op.set(offset),
    ...op.blockLoop,
    ...op.get(offset),
    ...op.get(end),
    ...op.i32GeU,
    ...op.brIfOut,
    // One row: column runs over its pairs in bytes.
    ...op.i32(0),
    ...op.set(column),
    ...op.blockLoop,
    ...op.get(column),
    ...op.get(rowBytes),
    ...op.i32GeU,
    ...op.brIfOut,
    ...pair(offset, column),
    ...op.get(offset),
    ...op.i32(8),
    ...op.i32Add,
    ...op.set(offset),
    ...op.get(column),
    ...op.i32(8),
    ...op.i32Add,
    ...op.set(column),
    ...op.repeat,
    ...op.endBlockLoop,
    ...op.repeat,
    ...op.endBlockLoop,
    ...op.end,
  ];
  return { params, body };
}

/** `tanhBias(data, bias, rows, cols)`: data[r, j] ← tanh(data[r, j] + bias[j]) in place. */
function tanhBiasFunction(): { params: number; body: Bytes } {
  const [data, bias] = [0, 1];
  // v128 locals from 4 + 4 = 8: x, x², p, q, then the constants.
  const [x, x2, p, q] = [8, 9, 10, 11];
  const constants = [...TANH_P, ...TANH_Q, -TANH_CLAMP, TANH_CLAMP];
  const k = (i: number) => 12 + i;
  const prologue = constants.flatMap((c, i) => [...op.splat(c), ...op.set(k(i))]);
  return pairLoop(4, 2, 3, 4 + constants.length, prologue, (offset, column) => {
    const polynomial = (coefficients: number, first: number) => {
      const out = [
        ...op.get(k(first)),
        ...op.get(x2),
        ...op.mul,
        ...op.get(k(first + 1)),
        ...op.add,
      ];
      for (let i = first + 2; i < first + coefficients; i++)
        out.push(...op.get(x2), ...op.mul, ...op.get(k(i)), ...op.add);
      return out;
    };
    return [
      // x = min(max(pre + bias, −9), 9); x² = x·x
      ...loadPair(data, offset),
      ...loadPair(bias, column),
      ...op.add,
      ...op.get(k(constants.length - 2)),
      ...op.max,
      ...op.get(k(constants.length - 1)),
      ...op.min,
      ...op.tee(x),
      ...op.get(x),
      ...op.mul,
      ...op.set(x2),
      ...polynomial(TANH_P.length, 0),
      ...op.set(p),
      ...polynomial(TANH_Q.length, TANH_P.length),
      ...op.set(q),
      // data = float32((x·p)/q)
      ...at(data, offset),
      ...op.get(x),
      ...op.get(p),
      ...op.mul,
      ...op.get(q),
      ...op.div,
      ...op.demote,
      ...op.store2,
    ];
  });
}

/** `tanhBackward(y, d, dBias, rows, cols)`: d ← d·(1 − y²) in place; dBias[j] += d[r, j]. */
function tanhBackwardFunction(): { params: number; body: Bytes } {
  const [y, d, dBias] = [0, 1, 2];
  // v128 locals from 5 + 4 = 9: one, the new d.
  const [one, delta, yv] = [9, 10, 11];
  return pairLoop(5, 3, 4, 3, [...op.splat(1), ...op.set(one)], (offset, column) => [
    // delta = d·(1 − y·y)
    ...loadPair(d, offset),
    ...op.get(one),
    ...loadPair(y, offset),
    ...op.tee(yv),
    ...op.get(yv),
    ...op.mul,
    ...op.sub,
    ...op.mul,
    ...op.set(delta),
    ...storeDeltaAndBias(d, dBias, offset, column, delta),
  ]);
}

/** `reluBias(data, bias, rows, cols)`: data[r, j] ← max(data[r, j] + bias[j], 0) in place. */
function reluBiasFunction(): { params: number; body: Bytes } {
  const [data, bias] = [0, 1];
  const zero = 8;
  return pairLoop(4, 2, 3, 1, [...op.splat(0), ...op.set(zero)], (offset, column) => [
    // f64x2.max(NaN, 0) is NaN and max(−0, +0) is +0, as the scalar (z + |z|)/2.
    ...at(data, offset),
    ...loadPair(data, offset),
    ...loadPair(bias, column),
    ...op.add,
    ...op.get(zero),
    ...op.max,
    ...op.demote,
    ...op.store2,
  ]);
}

/** `reluBackward(y, d, dBias, rows, cols)`: d ← d·[y > 0] in place; dBias[j] += d[r, j]. */
function reluBackwardFunction(): { params: number; body: Bytes } {
  const [y, d, dBias] = [0, 1, 2];
  const [zero, delta] = [9, 10];
  return pairLoop(5, 3, 4, 2, [...op.splat(0), ...op.set(zero)], (offset, column) => [
    // delta = d where y > 0, else +0 (the lanes' mask ANDed with d)
    ...loadPair(d, offset),
    ...loadPair(y, offset),
    ...op.get(zero),
    ...op.gt,
    ...op.and,
    ...op.set(delta),
    ...storeDeltaAndBias(d, dBias, offset, column, delta),
  ]);
}

/**
 * `adam(value, grad, m, v, scalars, rows, cols)`: Adam's update of `rows × cols` float32 values
 * in place, the scalars (f64 at `scalars`) being b1, 1 − b1, b2, 1 − b2, stepSize,
 * secondCorrection, eps, clipScale, keep; the same f64 operations in the same order as
 * adam.ts's scalar loop (g = grad·clip; m' = b1·m + c1·g; v' = b2·v + (c2·g)·g;
 * value' = keep·value − (step·m')/(√(v'·sc) + eps)), each stored as float32.
 */
function adamFunction(): { params: number; body: Bytes } {
  const [value, grad, m, v, scalars] = [0, 1, 2, 3, 4];
  // v128 locals from 7 + 4 = 11: the nine scalars, then g, m', v'.
  const k = (i: number) => 11 + i;
  const [b1, c1, b2, c2, step, sc, eps, clip, keep] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map(k);
  const [g, mi, vi] = [20, 21, 22];
  const prologue = Array.from({ length: 9 }, (_, i) => [
    ...op.get(scalars),
    ...op.i32(8 * i),
    ...op.i32Add,
    ...op.loadSplat64,
    ...op.set(k(i)),
  ]).flat();
  return pairLoop(7, 5, 6, 12, prologue, (offset) => [
    ...loadPair(grad, offset),
    ...op.get(clip),
    ...op.mul,
    ...op.set(g),
    // m' = b1·m + c1·g
    ...op.get(b1),
    ...loadPair(m, offset),
    ...op.mul,
    ...op.get(c1),
    ...op.get(g),
    ...op.mul,
    ...op.add,
    ...op.set(mi),
    // v' = b2·v + (c2·g)·g
    ...op.get(b2),
    ...loadPair(v, offset),
    ...op.mul,
    ...op.get(c2),
    ...op.get(g),
    ...op.mul,
    ...op.get(g),
    ...op.mul,
    ...op.add,
    ...op.set(vi),
    ...at(m, offset),
    ...op.get(mi),
    ...op.demote,
    ...op.store2,
    ...at(v, offset),
    ...op.get(vi),
    ...op.demote,
    ...op.store2,
    // value' = keep·value − (step·m')/(√(v'·sc) + eps)
    ...at(value, offset),
    ...op.get(keep),
    ...loadPair(value, offset),
    ...op.mul,
    ...op.get(step),
    ...op.get(mi),
    ...op.mul,
    ...op.get(vi),
    ...op.get(sc),
    ...op.mul,
    ...op.sqrt,
    ...op.get(eps),
    ...op.add,
    ...op.div,
    ...op.sub,
    ...op.demote,
    ...op.store2,
  ]);
}

/** The module's bytes: five functions, one exported memory. */
function moduleBytes(): Uint8Array {
  const functions = [
    tanhBiasFunction(),
    tanhBackwardFunction(),
    reluBiasFunction(),
    reluBackwardFunction(),
    adamFunction(),
  ];
  const types = functions.map((f) => [
    0x60,
    ...vector(Array.from({ length: f.params }, () => [I32])),
    0,
  ]);
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(5, vector([[0x00, ...uleb(1)]])),
    ...section(
      7,
      vector([
        [...name("memory"), 0x02, 0],
        [...name("tanhBias"), 0x00, 0],
        [...name("tanhBackward"), 0x00, 1],
        [...name("reluBias"), 0x00, 2],
        [...name("reluBackward"), 0x00, 3],
        [...name("adam"), 0x00, 4],
      ]),
    ),
    ...section(10, vector(functions.map((f) => [...uleb(f.body.length), ...f.body]))),
  ]);
}

/** The part of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: unknown };
}

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

interface Exports {
  readonly memory: WasmMemory;
  tanhBias(data: number, bias: number, rows: number, cols: number): void;
  tanhBackward(y: number, d: number, dBias: number, rows: number, cols: number): void;
  reluBias(data: number, bias: number, rows: number, cols: number): void;
  reluBackward(y: number, d: number, dBias: number, rows: number, cols: number): void;
  adam(
    value: number,
    grad: number,
    m: number,
    v: number,
    scalars: number,
    rows: number,
    cols: number,
  ): void;
}

/** The kernels over one module instance; its memory grows to the largest call seen. */
function instantiate(api: WasmApi, bytes: Uint8Array): SimdKernels {
  const exports = new api.Instance(new api.Module(bytes)).exports as Exports;
  let heap = new Float32Array(exports.memory.buffer);
  /** The heap, at least `floats` long (growing detaches the old view, so it is remade). */
  const reserve = (floats: number): Float32Array => {
    if (heap.length < floats) {
      const pages = Math.ceil((floats * 4 - exports.memory.buffer.byteLength) / 65536);
      exports.memory.grow(pages);
      heap = new Float32Array(exports.memory.buffer);
    }
    return heap;
  };
  const forward =
    (kernel: Exports["tanhBias"]) =>
    (pre: Float32Array, bias: Float32Array, out: Float32Array, rows: number, cols: number) => {
      const n = rows * cols;
      const h = reserve(n + cols);
      h.set(pre.subarray(0, n), 0);
      h.set(bias.subarray(0, cols), n);
      kernel(0, n * 4, rows, cols);
      out.set(h.subarray(0, n));
    };
  const backward =
    (kernel: Exports["tanhBackward"]) =>
    (
      out: Float32Array,
      dOut: Float32Array,
      dPre: Float32Array,
      dBias: Float32Array,
      rows: number,
      cols: number,
    ) => {
      const n = rows * cols;
      const h = reserve(2 * n + cols);
      h.set(out.subarray(0, n), 0);
      h.set(dOut.subarray(0, n), n);
      h.set(dBias.subarray(0, cols), 2 * n);
      kernel(0, n * 4, 2 * n * 4, rows, cols);
      dPre.set(h.subarray(n, 2 * n));
      dBias.set(h.subarray(2 * n, 2 * n + cols));
    };
  return {
    adam(value, grad, m, v, scalars) {
      // Each array padded to an even length (the last pair's second lane is scratch, never copied
      // back); the scalars after them, 8-byte aligned.
      const n = value.length;
      const padded = n + (n % 2);
      const h = reserve(4 * padded + 2 * scalars.length);
      h.set(value, 0);
      h.set(grad, padded);
      h.set(m, 2 * padded);
      h.set(v, 3 * padded);
      new Float64Array(h.buffer, 16 * padded, scalars.length).set(scalars);
      exports.adam(0, 4 * padded, 8 * padded, 12 * padded, 16 * padded, 1, padded);
      value.set(h.subarray(0, n));
      m.set(h.subarray(2 * padded, 2 * padded + n));
      v.set(h.subarray(3 * padded, 3 * padded + n));
    },
    tanhBias: forward(exports.tanhBias),
    tanhBackward: backward(exports.tanhBackward),
    reluBias: forward(exports.reluBias),
    reluBackward: backward(exports.reluBackward),
  };
}

let loaded: SimdKernels | null | undefined;
let enabled = true;

/**
 * The SIMD kernels, or null where WebAssembly SIMD is unavailable (or after
 * `useSimdKernels(false)`); built once per process (per worker thread).
 */
export function simdKernels(): SimdKernels | null {
  if (!enabled) return null;
  if (loaded === undefined) {
    const bytes = moduleBytes();
    if (wasm === undefined || !wasm.validate(bytes)) loaded = null;
    else loaded = instantiate(wasm, bytes);
  }
  return loaded;
}

/** Turns the SIMD kernels off (the scalar loops run) or back on: for tests and benchmarks. */
export function useSimdKernels(on: boolean): void {
  enabled = on;
}
