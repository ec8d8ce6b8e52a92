/**
 * The recurrence of a GRU over many sequences at once, as one op on the tape: given every row's
 * input gates `gx = x·W_ih + b_ih` (`[S × 3H]`, one GEMM over all rows by the caller), it runs
 *
 *   gh = h_prev·W_hh + b_hh,  r = σ(gx_r + gh_r),  u = σ(gx_z + gh_z),
 *   n = tanh(gx_n + r ⊙ gh_n), h = (1 − u) ⊙ n + u ⊙ h_prev
 *
 * (PyTorch's `GRUCell`, gate order r, z, n) row after row, and back-propagates through time.
 * Rows come in time blocks ({@link RecurrentLayout}): a block's rows read only rows of earlier
 * blocks as their previous state, so each block is one GEMM forward and two backward, and the
 * rows of many environments and agents step together. Hand-written because the tape has no
 * loops: one op per block would put ~3T nodes on it (T = 50 on LBF) and copy every block.
 */
import { ShapeError } from "../../core/errors.js";
import { expectShape } from "../check.js";
import type { Graph } from "../graph.js";
import type { Tensor } from "../tensor.js";
import { simdKernels, TANH_CLAMP_F32, TANH_P, TANH_Q } from "./simd.js";

/**
 * Which earlier state each row continues. `previous[s]` ≥ 0: the output row of an earlier block
 * of the same batch; −1: the zero state (an episode's first step); ≤ −2: row `−2 − previous[s]`
 * of the initial states passed with it (a state carried in from before the batch).
 */
export interface RecurrentLayout {
  /** `[S]` as above. */
  readonly previous: Int32Array;
  /** Time blocks over the rows, `[B + 1]`: block b is rows `[blocks[b], blocks[b+1])`. */
  readonly blocks: Int32Array;
}

/** The layout of rows that are each a sequence's next step after `initial` row s (one block). */
export function carriedLayout(rows: number): RecurrentLayout {
  return {
    previous: Int32Array.from({ length: rows }, (_, s) => -2 - s),
    blocks: Int32Array.of(0, rows),
  };
}

/**
 * The GRU states `[S × H]` of every row of `layout`, from the input gates `gx` `[S × 3H]`, the
 * recurrent weight `whh` `[H × 3H]` and bias `bhh` `[1 × 3H]`, and the carried-in states
 * `initial` `[K × H]` (or null when no row reads one). Throws a ShapeError when a row reads a
 * state that is not earlier in the layout.
 */
export function gruSequence(
  g: Graph,
  gx: Tensor,
  whh: Tensor,
  bhh: Tensor,
  initial: Tensor | null,
  layout: RecurrentLayout,
): Tensor {
  const hidden = whh.rows;
  const width = 3 * hidden;
  expectShape("gruSequence", whh, hidden, width);
  expectShape("gruSequence", bhh, 1, width);
  expectShape("gruSequence", gx, -1, width);
  if (initial !== null) expectShape("gruSequence", initial, -1, hidden);
  const rows = gx.rows;
  const { previous, blocks } = layout;
  checkLayout(layout, rows, initial?.rows ?? 0);
  const out = g.output(`gru(${gx.name})`, rows, hidden, [gx, whh, bhh, initial]);
  // Kept for backward: each row's previous state, its r, u, n and W_hn·h_prev + b_hn.
  const prevStates = g.pool.take(rows * hidden);
  const gates = g.pool.take(rows * width);
  const hn = g.pool.take(rows * hidden);
  const gh = g.pool.take(rows * width);
  const h = out.value;
  for (let b = 0; b + 1 < blocks.length; b++) {
    const r0 = blocks[b];
    const n = blocks[b + 1] - r0;
    if (n === 0) continue;
    for (let s = r0; s < r0 + n; s++) {
      const p = previous[s];
      const dst = s * hidden;
      if (p === -1) prevStates.fill(0, dst, dst + hidden);
      else if (p >= 0) prevStates.set(h.subarray(p * hidden, p * hidden + hidden), dst);
      else {
        const k = (-2 - p) * hidden;
        prevStates.set((initial as Tensor).value.subarray(k, k + hidden), dst);
      }
    }
    const ghBlock = gh.subarray(r0 * width, (r0 + n) * width);
    for (let s = 0; s < n; s++) ghBlock.set(bhh.value, s * width);
    g.gemm.sgemm(
      false,
      false,
      n,
      width,
      hidden,
      1,
      prevStates.subarray(r0 * hidden, (r0 + n) * hidden),
      hidden,
      whh.value,
      width,
      1,
      ghBlock,
      width,
    );
    gruGates(
      gx.value.subarray(r0 * width, (r0 + n) * width),
      ghBlock,
      prevStates.subarray(r0 * hidden, (r0 + n) * hidden),
      gates.subarray(r0 * width, (r0 + n) * width),
      hn.subarray(r0 * hidden, (r0 + n) * hidden),
      h.subarray(r0 * hidden, (r0 + n) * hidden),
      n,
      hidden,
    );
  }
  if (!out.requiresGrad) return out;
  g.record(() => {
    if (out.grad === null) return;
    // dh accumulates what later rows send back to their previous states before a row is reached.
    const dh = g.pool.take(rows * hidden);
    dh.set(out.grad);
    // The input gates' gradient is written straight into gx's when nothing else has sent it one
    // (the usual case: gx is the input projection's output, read only here), else added after.
    const direct = gx.requiresGrad && gx.grad === null;
    const dgx = direct ? g.gradOf(gx) : g.pool.take(rows * width);
    const dgh = g.pool.take(rows * width);
    const dPrev = g.pool.take(rows * hidden);
    const dInitial = initial?.requiresGrad === true ? g.gradOf(initial) : null;
    for (let b = blocks.length - 2; b >= 0; b--) {
      const r0 = blocks[b];
      const n = blocks[b + 1] - r0;
      if (n === 0) continue;
      gruGatesBackward(
        dh.subarray(r0 * hidden, (r0 + n) * hidden),
        gates.subarray(r0 * width, (r0 + n) * width),
        hn.subarray(r0 * hidden, (r0 + n) * hidden),
        prevStates.subarray(r0 * hidden, (r0 + n) * hidden),
        dgx.subarray(r0 * width, (r0 + n) * width),
        dgh.subarray(r0 * width, (r0 + n) * width),
        dPrev.subarray(r0 * hidden, (r0 + n) * hidden),
        n,
        hidden,
      );
      // dh_prev += dgh·W_hhᵀ, then into the rows (or carried-in states) each row continued.
      g.gemm.sgemm(
        false,
        true,
        n,
        hidden,
        width,
        1,
        dgh.subarray(r0 * width, (r0 + n) * width),
        width,
        whh.value,
        width,
        1,
        dPrev.subarray(r0 * hidden, (r0 + n) * hidden),
        hidden,
      );
      sendBack(previous, dPrev, dh, dInitial, r0, r0 + n, hidden);
    }
    // The weights' gradients over every row at once: dW_hh += h_prevᵀ·dgh; db_hh += Σ dgh.
    if (whh.requiresGrad) {
      g.gemm.sgemm(
        true,
        false,
        hidden,
        width,
        rows,
        1,
        prevStates,
        hidden,
        dgh,
        width,
        1,
        g.gradOf(whh),
        width,
      );
    }
    if (bhh.requiresGrad) {
      // db_hh += 1ᵀ·dgh as a GEMM: the column sums were 4 ns per element as a loop here.
      const ones = g.pool.take(rows).fill(1);
      g.gemm.sgemm(true, false, 1, width, rows, 1, ones, 1, dgh, width, 1, g.gradOf(bhh), width);
    }
    if (gx.requiresGrad && !direct) {
      const dGx = g.gradOf(gx);
      for (let i = 0; i < rows * width; i++) dGx[i] += dgx[i];
    }
  });
  return out;
}

const f = Math.fround;
const P = TANH_P.map(f);
const Q = TANH_Q.map(f);
const CLAMP = f(TANH_CLAMP_F32);

/** tanh in float32 arithmetic: Eigen's float32 rational function, as the SIMD kernel computes it. */
function tanhF32(value: number): number {
  const x = Math.min(Math.max(value, -CLAMP), CLAMP);
  const x2 = f(x * x);
  let p = f(f(P[0] * x2) + P[1]);
  for (let i = 2; i < P.length; i++) p = f(f(p * x2) + P[i]);
  let q = f(f(Q[0] * x2) + Q[1]);
  for (let i = 2; i < Q.length; i++) q = f(f(q * x2) + Q[i]);
  return f(f(x * p) / q);
}

/** σ(x) = tanh(x/2)/2 + 1/2 in float32 arithmetic. */
function sigmoidF32(x: number): number {
  return f(f(tanhF32(f(0.5 * x)) * 0.5) + 0.5);
}

/**
 * The gates and new states of `rows` rows of `hidden`: r, u and n into `gates`, W_hn·h_prev +
 * b_hn into `hn`, h into `h`, every operation rounded to float32 as the SIMD kernel's lanes do
 * (the same bits: a test compares them). σ and tanh are Eigen's float32 rational tanh: with
 * `Math.exp` and `Math.tanh` in float64 this loop took ~100 ns per state element (20 rows × 128,
 * 50 steps), three quarters of a recurrent race step; the float32 SIMD kernel takes ~10 ns and
 * its copies ~4 ns.
 */
function gruGates(
  gx: Float32Array,
  gh: Float32Array,
  prev: Float32Array,
  gates: Float32Array,
  hn: Float32Array,
  h: Float32Array,
  rows: number,
  hidden: number,
): void {
  const simd = hidden % 4 === 0 ? simdKernels() : null;
  if (simd !== null) {
    simd.gruForward(gx, gh, prev, gates, hn, h, rows, hidden);
    return;
  }
  const width = 3 * hidden;
  for (let s = 0; s < rows; s++) {
    const gRow = s * width;
    const hRow = s * hidden;
    for (let j = 0; j < hidden; j++) {
      const r = sigmoidF32(f(gx[gRow + j] + gh[gRow + j]));
      const u = sigmoidF32(f(gx[gRow + hidden + j] + gh[gRow + hidden + j]));
      const ghn = gh[gRow + 2 * hidden + j];
      const cand = tanhF32(f(gx[gRow + 2 * hidden + j] + f(r * ghn)));
      gates[gRow + j] = r;
      gates[gRow + hidden + j] = u;
      gates[gRow + 2 * hidden + j] = cand;
      hn[hRow + j] = ghn;
      h[hRow + j] = f(f(f(1 - u) * cand) + f(u * prev[hRow + j]));
    }
  }
}

/**
 * The gates' backward over `rows` rows: from the states' gradient `dh` and the forward's `gates`,
 * `hn` and `prev`, the gradients of the input gates `dgx`, the recurrent gates `dgh` and the
 * direct part of the previous state's `dPrev`, in float32 arithmetic as the SIMD kernel.
 */
function gruGatesBackward(
  dh: Float32Array,
  gates: Float32Array,
  hn: Float32Array,
  prev: Float32Array,
  dgx: Float32Array,
  dgh: Float32Array,
  dPrev: Float32Array,
  rows: number,
  hidden: number,
): void {
  const simd = hidden % 4 === 0 ? simdKernels() : null;
  if (simd !== null) {
    simd.gruBackward(dh, gates, hn, prev, dgx, dgh, dPrev, rows, hidden);
    return;
  }
  const width = 3 * hidden;
  for (let s = 0; s < rows; s++) {
    const gRow = s * width;
    const hRow = s * hidden;
    for (let j = 0; j < hidden; j++) {
      const d = dh[hRow + j];
      const r = gates[gRow + j];
      const u = gates[gRow + hidden + j];
      const cand = gates[gRow + 2 * hidden + j];
      const dCand = f(f(d * f(1 - u)) * f(1 - f(cand * cand)));
      const du = f(f(f(d * f(prev[hRow + j] - cand)) * u) * f(1 - u));
      const dr = f(f(f(dCand * hn[hRow + j]) * r) * f(1 - r));
      dgx[gRow + j] = dr;
      dgx[gRow + hidden + j] = du;
      dgx[gRow + 2 * hidden + j] = dCand;
      dgh[gRow + j] = dr;
      dgh[gRow + hidden + j] = du;
      dgh[gRow + 2 * hidden + j] = f(dCand * r);
      dPrev[hRow + j] = f(d * u);
    }
  }
}

/**
 * Adds each row's previous-state gradient `dPrev` (rows `[from, to)`) to the row it continued
 * (`dh`) or to the carried-in state's gradient (`dInitial`, when it has one).
 */
function sendBack(
  previous: Int32Array,
  dPrev: Float32Array,
  dh: Float32Array,
  dInitial: Float32Array | null,
  from: number,
  to: number,
  hidden: number,
): void {
  for (let s = from; s < to; s++) {
    const p = previous[s];
    if (p === -1) continue;
    const target = p >= 0 ? dh : dInitial;
    if (target === null) continue;
    const base = (p >= 0 ? p : -2 - p) * hidden;
    const row = s * hidden;
    for (let j = 0; j < hidden; j++) target[base + j] += dPrev[row + j];
  }
}

/** Throws a ShapeError unless every row's previous state exists and comes from an earlier block. */
function checkLayout(layout: RecurrentLayout, rows: number, initialRows: number): void {
  const { previous, blocks } = layout;
  const fail = (actual: string): never => {
    throw new ShapeError({
      input: "gruSequence: layout",
      problem: "does not describe rows that each continue an earlier state",
      expected: `${rows} previous entries; blocks from 0 to ${rows}; previous rows in earlier blocks; initial rows < ${initialRows}`,
      actual,
      fix: "order the rows by time step (all rows of step t before step t+1) and point each at its row of the step before, −1 for a fresh start",
    });
  };
  if (previous.length !== rows) fail(`${previous.length} previous entries`);
  if (blocks.length < 1 || blocks[0] !== 0 || blocks[blocks.length - 1] !== rows)
    fail(`blocks ${blocks[0]}…${blocks[blocks.length - 1]}`);
  for (let b = 0; b + 1 < blocks.length; b++) {
    if (blocks[b + 1] < blocks[b]) fail(`block ${b} ends before it starts`);
    for (let s = blocks[b]; s < blocks[b + 1]; s++) {
      const p = previous[s];
      if (p >= blocks[b]) fail(`row ${s} continues row ${p} of its own or a later block`);
      if (p <= -2 && -2 - p >= initialRows) fail(`row ${s} reads initial row ${-2 - p}`);
    }
  }
}
