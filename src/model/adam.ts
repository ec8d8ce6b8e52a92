/**
 * Adam (Kingma & Ba, 2015) with optional clipping of the global gradient norm. One step is two
 * passes over the parameters: the squared norm (float64, four partial sums per parameter), then
 * a single fused loop that clips, updates both moments and applies the bias-corrected step (the
 * factors that are exactly 1 left out when there is no clipping or decay). A parameter that no
 * gradient has reached yet (all-zero gradient and moments, no weight decay) is skipped: its
 * update is exactly zero. In the MARL race most of the network is such (attention over an
 * always-empty inbox, the message head, the unused critics). Measured in a race run (IPPO Spread,
 * 10k joint steps, 160 steps, CPU time): 540 → 315 ms for the steps, of which the norm pass
 * 136 → 90 ms; before the skip the step was 5.6 % of the run.
 */
import { ConfigError, NumericError } from "../core/errors.js";
import { simdKernels } from "./ops/simd.js";
import type { Parameter } from "./tensor.js";

/**
 * Parameters at least this long are updated by the WebAssembly SIMD kernel (the same bits as the
 * scalar loops; a test checks it), shorter ones by the loops, where the copies in and out of the
 * module's memory would cost more than they save. Measured (Node 20, this machine, 56k
 * parameters in 12 tensors, norm pass included): 12.5 → 7.0 ns per parameter per step.
 */
const SIMD_MIN_LENGTH = 64;

/** Adam's hyper-parameters. */
export interface AdamOptions {
  /** Step size; default 3e-4. */
  readonly learningRate?: number;
  /** First-moment decay; default 0.9. */
  readonly beta1?: number;
  /** Second-moment decay; default 0.999. */
  readonly beta2?: number;
  /** Denominator floor; default 1e-8. */
  readonly epsilon?: number;
  /** Clip gradients so their global L2 norm is at most this; default none (Infinity). */
  readonly maxGradNorm?: number;
  /** Decoupled weight decay (AdamW): each step multiplies parameters by `1 − lr·decay`; default 0. */
  readonly weightDecay?: number;
  /**
   * Per parameter (same order), the group whose gradient norm it is clipped with: each group is
   * clipped to `maxGradNorm` apart, as two optimisers with their own clipping would (EPyMARL clips
   * its actor's and critic's gradients apart). Default: one group.
   */
  readonly clipGroups?: readonly number[];
  /** Per parameter (same order), true to keep it as it is: its gradient is dropped. Default none. */
  readonly frozen?: readonly boolean[];
}

/** What one {@link Adam.step} did. */
export interface AdamStepInfo {
  /** Global L2 norm of the gradients before clipping (over every group). */
  readonly gradNorm: number;
  /** The factor the gradients were multiplied by (1 when not clipped; the smallest over groups). */
  readonly clipScale: number;
}

/** Adam over a fixed list of parameters; owns the first and second moments of each. */
export class Adam {
  /** Step size; may be changed between steps (schedules). Not restored from checkpoints. */
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly maxGradNorm: number;
  readonly weightDecay: number;
  private readonly first: Float32Array[];
  private readonly second: Float32Array[];
  /** Number of steps taken (the bias correction uses it). */
  stepCount = 0;
  /** Per parameter, 1 when its gradient was all zero at the last norm pass. */
  private readonly zeroGrad: Uint8Array;
  /** Per parameter, its clip group; and per group, Σ g² of the last norm pass. */
  private readonly groupOf: Int32Array;
  private readonly groupSquares: Float64Array;
  /** Per parameter, 1 when it is frozen. */
  private readonly frozen: Uint8Array;
  /** Per parameter, float64 views of its two moment arrays (for the all-zero test). */
  private readonly momentPairs: (readonly MomentPairs[])[];
  /**
   * Per parameter, 1 while its moments are known to be all zero: set when a scan finds them so,
   * cleared by an update of the parameter and, for every parameter, whenever the moment arrays
   * are handed out (whoever takes them may write them, e.g. a checkpoint being loaded).
   */
  private readonly knownZero: Uint8Array;

  /** An optimiser for `params` (usually `model.parameters()`). */
  constructor(
    readonly params: readonly Parameter[],
    options: AdamOptions = {},
  ) {
    this.learningRate = options.learningRate ?? 3e-4;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.maxGradNorm = options.maxGradNorm ?? Number.POSITIVE_INFINITY;
    this.weightDecay = options.weightDecay ?? 0;
    checkRange("learningRate", this.learningRate, 0, Number.POSITIVE_INFINITY, false);
    checkRange("beta1", this.beta1, 0, 1, true);
    checkRange("beta2", this.beta2, 0, 1, true);
    checkRange("epsilon", this.epsilon, 0, Number.POSITIVE_INFINITY, false);
    checkRange("maxGradNorm", this.maxGradNorm, 0, Number.POSITIVE_INFINITY, false);
    if (!(this.weightDecay >= 0 && this.learningRate * this.weightDecay < 1)) {
      throw new ConfigError({
        input: "Adam weightDecay",
        problem: "is out of range",
        expected: `a number ≥ 0 with learningRate · weightDecay < 1`,
        actual: String(this.weightDecay),
        fix: "use a small decay such as 0.01, or 0 for none",
      });
    }
    this.zeroGrad = new Uint8Array(params.length);
    this.groupOf = clipGroupsOf(params.length, options.clipGroups);
    this.frozen = Uint8Array.from(params, (_, i) => (options.frozen?.[i] === true ? 1 : 0));
    this.groupSquares = new Float64Array(Math.max(0, ...this.groupOf) + 1);
    this.first = params.map((p) => new Float32Array(p.value.length));
    this.second = params.map((p) => new Float32Array(p.value.length));
    this.momentPairs = params.map((_, i) => [
      momentPairs(this.first[i]),
      momentPairs(this.second[i]),
    ]);
    this.knownZero = new Uint8Array(params.length);
  }

  /**
   * First moments, one per parameter, same order. Write them only through an array taken from
   * here after the last step: taking them makes the next step re-check which moments are zero.
   */
  get firstMoments(): Float32Array[] {
    this.knownZero.fill(0);
    return this.first;
  }

  /** Second moments, one per parameter, same order; see {@link firstMoments}. */
  get secondMoments(): Float32Array[] {
    this.knownZero.fill(0);
    return this.second;
  }

  /**
   * Applies one update from the accumulated gradients, then zeroes them. Throws a NumericError
   * naming the first parameter whose gradient holds NaN or ±Infinity (nothing is updated then).
   */
  step(): AdamStepInfo {
    const gradNorm = Math.sqrt(this.squaredGradNorm());
    if (!Number.isFinite(gradNorm)) this.throwNonFinite();
    const groupScales = Array.from(this.groupSquares, (squares) => {
      const norm = Math.sqrt(squares);
      return norm > this.maxGradNorm ? this.maxGradNorm / norm : 1;
    });
    this.stepCount++;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const stepSize = this.learningRate / (1 - b1 ** this.stepCount);
    const secondCorrection = 1 / (1 - b2 ** this.stepCount);
    const eps = this.epsilon;
    const keep = 1 - this.learningRate * this.weightDecay;
    const kernels = simdKernels();
    const scalars = Float64Array.of(
      b1,
      1 - b1,
      b2,
      1 - b2,
      stepSize,
      secondCorrection,
      eps,
      1,
      keep,
    );
    for (let p = 0; p < this.params.length; p++) {
      const { value, grad } = this.params[p];
      if (this.frozen[p] === 1) {
        grad.fill(0);
        continue;
      }
      const m = this.first[p];
      const v = this.second[p];
      // A parameter that has never had a gradient (zero gradient, zero moments) keeps zero moments
      // and its value (keep = 1 without decay): the update would change nothing, so it is skipped.
      // Its moments are scanned once, not every step: nothing else touches them, and the scan of
      // arrays no other code reads went to memory every time (2 % of a race run).
      if (this.zeroGrad[p] === 1 && keep === 1) {
        if (this.knownZero[p] === 0 && allZero(this.momentPairs[p])) this.knownZero[p] = 1;
        if (this.knownZero[p] === 1) {
          grad.fill(0);
          continue;
        }
      }
      this.knownZero[p] = 0;
      const clipScale = groupScales[this.groupOf[p]];
      if (kernels !== null && value.length >= SIMD_MIN_LENGTH) {
        scalars[7] = clipScale;
        kernels.adam(value, grad, m, v, scalars);
      } else if (clipScale === 1 && keep === 1)
        adamUnscaled(value, grad, m, v, b1, b2, stepSize, secondCorrection, eps);
      else adamScaled(value, grad, m, v, b1, b2, stepSize, secondCorrection, eps, clipScale, keep);
      grad.fill(0);
    }
    return { gradNorm, clipScale: Math.min(...groupScales) };
  }

  /**
   * Σ g² over every gradient in float64, parameter by parameter, each parameter's sum in four
   * interleaved partial sums (one running sum is bound by the latency of its additions); marks
   * the all-zero gradients and sums each clip group.
   */
  private squaredGradNorm(): number {
    let total = 0;
    this.groupSquares.fill(0);
    for (let p = 0; p < this.params.length; p++) {
      if (this.frozen[p] === 1) continue;
      const grad = this.params[p].grad;
      const n = grad.length;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      for (; i + 3 < n; i += 4) {
        s0 += grad[i] * grad[i];
        s1 += grad[i + 1] * grad[i + 1];
        s2 += grad[i + 2] * grad[i + 2];
        s3 += grad[i + 3] * grad[i + 3];
      }
      for (; i < n; i++) s0 += grad[i] * grad[i];
      const own = s0 + s1 + (s2 + s3);
      // A float32 gradient's square never underflows in float64: zero means every entry is zero.
      this.zeroGrad[p] = own === 0 ? 1 : 0;
      this.groupSquares[this.groupOf[p]] += own;
      total += own;
    }
    return total;
  }

  private throwNonFinite(): never {
    for (const param of this.params) {
      for (let i = 0; i < param.grad.length; i++) {
        if (!Number.isFinite(param.grad[i])) {
          throw new NumericError({
            input: `gradient of "${param.name}" at index ${i}`,
            problem: "is not finite",
            expected: "finite gradients",
            actual: String(param.grad[i]),
            fix: "lower the learning rate, set maxGradNorm, or check the inputs for NaN/Inf (no parameter was updated)",
          });
        }
      }
    }
    throw new NumericError({
      input: "global gradient norm",
      problem: "overflowed",
      expected: "a finite norm",
      actual: "Infinity",
      fix: "lower the learning rate or set maxGradNorm",
    });
  }
}

/**
 * One parameter's update, unclipped and without decay: the loop of {@link adamScaled} with the
 * factors that are exactly 1 left out (the same bits, fewer multiplications).
 */
function adamUnscaled(
  value: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  b1: number,
  b2: number,
  stepSize: number,
  secondCorrection: number,
  eps: number,
): void {
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  for (let i = 0; i < value.length; i++) {
    const gi = grad[i];
    const mi = b1 * m[i] + c1 * gi;
    const vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    value[i] -= (stepSize * mi) / (Math.sqrt(vi * secondCorrection) + eps);
  }
}

/** One parameter's update: clip, both moments, the bias-corrected step and decay, in one pass. */
function adamScaled(
  value: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  b1: number,
  b2: number,
  stepSize: number,
  secondCorrection: number,
  eps: number,
  clipScale: number,
  keep: number,
): void {
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  for (let i = 0; i < value.length; i++) {
    const gi = grad[i] * clipScale;
    const mi = b1 * m[i] + c1 * gi;
    const vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    value[i] = keep * value[i] - (stepSize * mi) / (Math.sqrt(vi * secondCorrection) + eps);
  }
}

/**
 * Whether a parameter's moments are all zero, read through float64 views two float32 at a time:
 * a float64 is ±0 exactly when both its float32 halves are (the tail of an odd length aside).
 */
function allZero(pairs: readonly MomentPairs[]): boolean {
  for (const { words, tail } of pairs) {
    for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
    if (tail !== null && tail[0] !== 0) return false;
  }
  return true;
}

/** A moment array as float64 words plus its odd last float32, for {@link allZero}. */
interface MomentPairs {
  readonly words: Float64Array;
  readonly tail: Float32Array | null;
}

function momentPairs(moments: Float32Array): MomentPairs {
  const pairs = moments.length >> 1;
  return {
    words: new Float64Array(moments.buffer, moments.byteOffset, pairs),
    tail: moments.length % 2 === 1 ? moments.subarray(moments.length - 1) : null,
  };
}

/** The clip group of each of `count` parameters; throws a ConfigError for a malformed list. */
function clipGroupsOf(count: number, groups: readonly number[] | undefined): Int32Array {
  if (groups === undefined) return new Int32Array(count);
  if (groups.length !== count || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 255)) {
    throw new ConfigError({
      input: "Adam clipGroups",
      problem: "does not give each parameter a group",
      expected: `${count} integers in 0…255, one per parameter`,
      actual: `${groups.length} entries`,
      fix: "pass one group index per parameter, in the parameters' order",
    });
  }
  return Int32Array.from(groups);
}

/** Sets every parameter's gradient to zero (when a step is skipped). */
export function zeroGrads(params: readonly Parameter[]): void {
  for (const p of params) p.grad.fill(0);
}

function checkRange(
  name: string,
  value: number,
  low: number,
  high: number,
  closedHigh: boolean,
): void {
  const ok = value > low && (closedHigh ? value < high : value <= high);
  if (!ok) {
    throw new ConfigError({
      input: `Adam ${name}`,
      problem: "is out of range",
      expected: closedHigh ? `a number in (${low}, ${high})` : `a number > ${low}`,
      actual: String(value),
      fix: `set ${name} to a value in range`,
    });
  }
}
