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
  /**
   * A GRU's gates over `rows` rows of `hidden` (a multiple of 4) in float32 arithmetic, as
   * gru.ts's scalar `gruGates` computes them: from the input gates `gx` and recurrent gates `gh`
   * (`rows × 3·hidden`) and the previous states `prev`, r, u, n into `gates`, W_hn·h + b_hn into
   * `hn` and the new states into `h`.
   */
  gruForward(
    gx: Float32Array,
    gh: Float32Array,
    prev: Float32Array,
    gates: Float32Array,
    hn: Float32Array,
    h: Float32Array,
    rows: number,
    hidden: number,
  ): void;
  /**
   * The GRU gates' backward in float32 arithmetic, as gru.ts's scalar `gruGatesBackward`: from
   * the states' gradient `dh` and what the forward kept, the input and recurrent gates' gradients
   * `dgx`, `dgh` (`rows × 3·hidden`) and the direct part of the previous states' `dPrev`.
   */
  gruBackward(
    dh: Float32Array,
    gates: Float32Array,
    hn: Float32Array,
    prev: Float32Array,
    dgx: Float32Array,
    dgh: Float32Array,
    dPrev: Float32Array,
    rows: number,
    hidden: number,
  ): void;
  /**
   * `data[r, j] = float32(data[r, j] + row[j])` over `rows × cols` (cols a multiple of 4): a
   * float32 add is the scalar loop's double add rounded to float32, so the same bits.
   */
  addRow(data: Float32Array, row: Float32Array, rows: number, cols: number): void;
  /** `sums[j] = float32(sums[j] + m[r, j])` for r in order (cols a multiple of 4); the same bits. */
  addColumnSums(sums: Float32Array, m: Float32Array, rows: number, cols: number): void;
}

// Past ±9, float32(tanh(x)) is exactly ±1 (the clamp of activations.ts).
const TANH_CLAMP = 9;
/** Eigen's float32 tanh: numerator coefficients (highest power of x² first), then denominator. */
export const TANH_P = [
  -2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11, 5.12229709037114e-8,
  1.48572235717979e-5, 6.37261928875436e-4, 4.89352455891786e-3,
];
export const TANH_Q = [
  1.19825839466702e-6, 1.18534705686654e-4, 2.268434632439e-3, 4.89352518554385e-3,
];

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

// ---- The GRU kernels: float32 lanes, four at a time. ----

/** Eigen's float32 tanh clamp: past it the rational function rounds to ±1 in float32. */
export const TANH_CLAMP_F32 = 7.905311107635498;

const f32x4 = {
  splat: (value: number): Bytes => {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    return [0x43, ...bytes, ...simd(0x13)];
  },
  /** v128 at the address on the stack (align hint 4 bytes). */
  load: [...simd(0x00), 2, 0],
  /** The v128 on the stack to the address beneath it. */
  store: [...simd(0x0b), 2, 0],
  add: simd(0xe4),
  sub: simd(0xe5),
  mul: simd(0xe6),
  div: simd(0xe7),
  min: simd(0xe8),
  max: simd(0xe9),
};

/**
 * A function of `params` i32 parameters whose body runs `rows` (parameter `rowsParam`) × `hidden`
 * (parameter `hiddenParam`, four at a time) iterations of `quad(column, hb)`, where local
 * `column` is the byte offset of the current four in a row of `hidden` floats and `hb` holds
 * hidden·4. After each row, every pointer parameter advances by its `strides` (in units of hb).
 */
function quadLoop(
  params: number,
  rowsParam: number,
  hiddenParam: number,
  strides: readonly number[],
  v128Locals: number,
  prologue: Bytes,
  quad: (column: number, hb: number) => Bytes,
): { params: number; body: Bytes } {
  const column = params;
  const hb = params + 1;
  const body: Bytes = [
    ...vector([
      [...uleb(2), I32],
      [...uleb(v128Locals), V128],
    ]),
    ...prologue,
    ...op.get(hiddenParam),
    ...op.i32(4),
    ...op.i32Mul,
    ...op.set(hb),
    ...op.blockLoop,
    // while (rows > 0)
    ...op.get(rowsParam),
    [0x45], // i32.eqz
    ...op.brIfOut,
    ...op.i32(0),
    ...op.set(column),
    ...op.blockLoop,
    ...op.get(column),
    ...op.get(hb),
    ...op.i32GeU,
    ...op.brIfOut,
    ...quad(column, hb),
    ...op.get(column),
    ...op.i32(16),
    ...op.i32Add,
    ...op.set(column),
    ...op.repeat,
    ...op.endBlockLoop,
    ...strides.flatMap((stride, pointer) => [
      ...op.get(pointer),
      ...op.get(hb),
      ...op.i32(stride),
      ...op.i32Mul,
      ...op.i32Add,
      ...op.set(pointer),
    ]),
    ...op.get(rowsParam),
    ...op.i32(1),
    [0x6b], // i32.sub
    ...op.set(rowsParam),
    ...op.repeat,
    ...op.endBlockLoop,
    ...op.end,
  ].flat();
  return { params, body };
}

/** The v128 at `pointer + column + part·hb` (part 0, 1 or 2 of a gate row) on the stack. */
const quadAt = (pointer: number, column: number, hb: number, part: number): Bytes => [
  ...op.get(pointer),
  ...op.get(column),
  ...op.i32Add,
  ...(part === 0
    ? []
    : [...op.get(hb), ...(part === 2 ? [...op.get(hb), ...op.i32Add] : []), ...op.i32Add]),
];

const loadQuad = (pointer: number, column: number, hb: number, part = 0): Bytes => [
  ...quadAt(pointer, column, hb, part),
  ...f32x4.load,
];

/** Stores the v128 that `value` leaves on the stack at `pointer + column + part·hb`. */
const storeQuad = (
  pointer: number,
  column: number,
  hb: number,
  part: number,
  value: Bytes,
): Bytes => [...quadAt(pointer, column, hb, part), ...value, ...f32x4.store];

/**
 * Emits tanh of the v128 on the stack in float32 lanes: clamp to ±{@link TANH_CLAMP_F32}, then
 * Eigen's rational function x·p(x²)/q(x²), with the v128 locals `x`, `x2`, `p` and the constants
 * at `k(0…12)` (TANH_P, TANH_Q, −clamp, clamp).
 */
function tanhQuad(x: number, x2: number, p: number, k: (i: number) => number): Bytes {
  const horner = (count: number, first: number): Bytes => {
    const out: Bytes = [
      ...op.get(k(first)),
      ...op.get(x2),
      ...f32x4.mul,
      ...op.get(k(first + 1)),
      ...f32x4.add,
    ];
    for (let i = first + 2; i < first + count; i++)
      out.push(...op.get(x2), ...f32x4.mul, ...op.get(k(i)), ...f32x4.add);
    return out;
  };
  return [
    ...op.get(k(11)),
    ...f32x4.max,
    ...op.get(k(12)),
    ...f32x4.min,
    ...op.tee(x),
    ...op.get(x),
    ...f32x4.mul,
    ...op.set(x2),
    ...horner(TANH_P.length, 0),
    ...op.set(p),
    ...op.get(x),
    ...op.get(p),
    ...f32x4.mul,
    ...horner(TANH_Q.length, TANH_P.length),
    ...f32x4.div,
  ];
}

/** The float32 constants of the GRU kernels, splatted into v128 locals k(0…14). */
const GRU_CONSTANTS = [...TANH_P, ...TANH_Q, -TANH_CLAMP_F32, TANH_CLAMP_F32, 0.5, 1];

/** `gruForward(gx, gh, prev, gates, hn, h, rows, hidden)`; see {@link SimdKernels.gruForward}. */
function gruForwardFunction(): { params: number; body: Bytes } {
  const [gx, gh, prev, gates, hn, h] = [0, 1, 2, 3, 4, 5];
  // i32 locals 8, 9; v128 locals from 10: x, x², p, r, u, ghn, n, then the constants.
  const [x, x2, p, r, u, ghn, cand] = [10, 11, 12, 13, 14, 15, 16];
  const k = (i: number) => 17 + i;
  const [half, one] = [k(13), k(14)];
  const prologue = GRU_CONSTANTS.flatMap((c, i) => [...f32x4.splat(c), ...op.set(k(i))]);
  const sigmoid = (part: number, column: number, hb: number): Bytes => [
    // 0.5·tanh(0.5·(gx + gh)) + 0.5
    ...op.get(half),
    ...loadQuad(gx, column, hb, part),
    ...loadQuad(gh, column, hb, part),
    ...f32x4.add,
    ...f32x4.mul,
    ...tanhQuad(x, x2, p, k),
    ...op.get(half),
    ...f32x4.mul,
    ...op.get(half),
    ...f32x4.add,
  ];
  return quadLoop(8, 6, 7, [3, 3, 1, 3, 1, 1], 7 + GRU_CONSTANTS.length, prologue, (column, hb) => [
    ...sigmoid(0, column, hb),
    ...op.set(r),
    ...sigmoid(1, column, hb),
    ...op.set(u),
    ...loadQuad(gh, column, hb, 2),
    ...op.set(ghn),
    // n = tanh(gx_n + r·ghn)
    ...loadQuad(gx, column, hb, 2),
    ...op.get(r),
    ...op.get(ghn),
    ...f32x4.mul,
    ...f32x4.add,
    ...tanhQuad(x, x2, p, k),
    ...op.set(cand),
    ...storeQuad(gates, column, hb, 0, op.get(r)),
    ...storeQuad(gates, column, hb, 1, op.get(u)),
    ...storeQuad(gates, column, hb, 2, op.get(cand)),
    ...storeQuad(hn, column, hb, 0, op.get(ghn)),
    // h = (1 − u)·n + u·prev
    ...storeQuad(h, column, hb, 0, [
      ...op.get(one),
      ...op.get(u),
      ...f32x4.sub,
      ...op.get(cand),
      ...f32x4.mul,
      ...op.get(u),
      ...loadQuad(prev, column, hb),
      ...f32x4.mul,
      ...f32x4.add,
    ]),
  ]);
}

/** `gruBackward(dh, gates, hn, prev, dgx, dgh, dPrev, rows, hidden)`; see {@link SimdKernels.gruBackward}. */
function gruBackwardFunction(): { params: number; body: Bytes } {
  const [dh, gates, hn, prev, dgx, dgh, dPrev] = [0, 1, 2, 3, 4, 5, 6];
  // i32 locals 9, 10; v128 locals from 11: d, r, u, n, dn, du, dr, one.
  const [d, r, u, cand, dn, du, dr, one] = [11, 12, 13, 14, 15, 16, 17, 18];
  return quadLoop(
    9,
    7,
    8,
    [1, 3, 1, 1, 3, 3, 1],
    8,
    [...f32x4.splat(1), ...op.set(one)],
    (column, hb) => [
      ...loadQuad(dh, column, hb),
      ...op.set(d),
      ...loadQuad(gates, column, hb, 0),
      ...op.set(r),
      ...loadQuad(gates, column, hb, 1),
      ...op.set(u),
      ...loadQuad(gates, column, hb, 2),
      ...op.set(cand),
      // dn = (d·(1 − u))·(1 − n·n)
      ...op.get(d),
      ...op.get(one),
      ...op.get(u),
      ...f32x4.sub,
      ...f32x4.mul,
      ...op.get(one),
      ...op.get(cand),
      ...op.get(cand),
      ...f32x4.mul,
      ...f32x4.sub,
      ...f32x4.mul,
      ...op.set(dn),
      // du = ((d·(prev − n))·u)·(1 − u)
      ...op.get(d),
      ...loadQuad(prev, column, hb),
      ...op.get(cand),
      ...f32x4.sub,
      ...f32x4.mul,
      ...op.get(u),
      ...f32x4.mul,
      ...op.get(one),
      ...op.get(u),
      ...f32x4.sub,
      ...f32x4.mul,
      ...op.set(du),
      // dr = ((dn·hn)·r)·(1 − r)
      ...op.get(dn),
      ...loadQuad(hn, column, hb),
      ...f32x4.mul,
      ...op.get(r),
      ...f32x4.mul,
      ...op.get(one),
      ...op.get(r),
      ...f32x4.sub,
      ...f32x4.mul,
      ...op.set(dr),
      ...storeQuad(dgx, column, hb, 0, op.get(dr)),
      ...storeQuad(dgx, column, hb, 1, op.get(du)),
      ...storeQuad(dgx, column, hb, 2, op.get(dn)),
      ...storeQuad(dgh, column, hb, 0, op.get(dr)),
      ...storeQuad(dgh, column, hb, 1, op.get(du)),
      // dgh_n = dn·r; dPrev = d·u
      ...storeQuad(dgh, column, hb, 2, [...op.get(dn), ...op.get(r), ...f32x4.mul]),
      ...storeQuad(dPrev, column, hb, 0, [...op.get(d), ...op.get(u), ...f32x4.mul]),
    ],
  );
}

/**
 * `(a, b, rows, cols)`: a[j] += b[j] in float32 lanes, row after row, each pointer advancing by
 * its stride (in rows) after a row: `addRow` (strides 1, 0: data[r, j] += row[j]) and
 * `addColumnSums` (strides 0, 1: sums[j] += m[r, j], rows in order).
 */
function accumulateFunction(strides: readonly [number, number]): {
  params: number;
  body: Bytes;
} {
  const [a, b] = [0, 1];
  return quadLoop(4, 2, 3, strides, 0, [], (column, hb) =>
    storeQuad(a, column, hb, 0, [
      ...loadQuad(a, column, hb),
      ...loadQuad(b, column, hb),
      ...f32x4.add,
    ]),
  );
}

/** The module's bytes: nine functions, one exported memory. */
function moduleBytes(): Uint8Array {
  const functions = [
    tanhBiasFunction(),
    tanhBackwardFunction(),
    reluBiasFunction(),
    reluBackwardFunction(),
    adamFunction(),
    gruForwardFunction(),
    gruBackwardFunction(),
    accumulateFunction([1, 0]),
    accumulateFunction([0, 1]),
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
        [...name("gruForward"), 0x00, 5],
        [...name("gruBackward"), 0x00, 6],
        [...name("addRow"), 0x00, 7],
        [...name("addColumnSums"), 0x00, 8],
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
  gruForward(...args: number[]): void;
  gruBackward(...args: number[]): void;
  addRow(data: number, row: number, rows: number, cols: number): void;
  addColumnSums(sums: number, m: number, rows: number, cols: number): void;
}

/** Copies `arrays` into the heap one after another and returns their float offsets. */
function stage(heap: Float32Array, arrays: readonly Float32Array[]): number[] {
  let at = 0;
  return arrays.map((array) => {
    heap.set(array, at);
    const start = at;
    at += array.length;
    return start;
  });
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
    gruForward(gx, gh, prev, gates, hn, h, rows, hidden) {
      const n = rows * hidden;
      const heap = reserve(12 * n);
      const [ix, ih, ip] = stage(heap, [
        gx.subarray(0, 3 * n),
        gh.subarray(0, 3 * n),
        prev.subarray(0, n),
      ]);
      const [og, on, oh] = [7 * n, 10 * n, 11 * n];
      exports.gruForward(4 * ix, 4 * ih, 4 * ip, 4 * og, 4 * on, 4 * oh, rows, hidden);
      gates.set(heap.subarray(og, og + 3 * n));
      hn.set(heap.subarray(on, on + n));
      h.set(heap.subarray(oh, oh + n));
    },
    gruBackward(dh, gates, hn, prev, dgx, dgh, dPrev, rows, hidden) {
      const n = rows * hidden;
      const heap = reserve(13 * n);
      const [id, ig, ihn, ip] = stage(heap, [
        dh.subarray(0, n),
        gates.subarray(0, 3 * n),
        hn.subarray(0, n),
        prev.subarray(0, n),
      ]);
      const [ox, oh, od] = [6 * n, 9 * n, 12 * n];
      exports.gruBackward(4 * id, 4 * ig, 4 * ihn, 4 * ip, 4 * ox, 4 * oh, 4 * od, rows, hidden);
      dgx.set(heap.subarray(ox, ox + 3 * n));
      dgh.set(heap.subarray(oh, oh + 3 * n));
      dPrev.set(heap.subarray(od, od + n));
    },
    addRow(data, row, rows, cols) {
      const n = rows * cols;
      const heap = reserve(n + cols);
      stage(heap, [data.subarray(0, n), row.subarray(0, cols)]);
      exports.addRow(0, 4 * n, rows, cols);
      data.set(heap.subarray(0, n));
    },
    addColumnSums(sums, m, rows, cols) {
      const n = rows * cols;
      const heap = reserve(n + cols);
      stage(heap, [sums.subarray(0, cols), m.subarray(0, n)]);
      exports.addColumnSums(0, 4 * cols, rows, cols);
      sums.set(heap.subarray(0, cols));
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
