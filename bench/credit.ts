/**
 * `npm run bench -- credit`: the credit-assignment kernels (src/learn/credit/) at the learner's
 * default rollout shape (16 steps × 8 tasks × 10 agents = 1,280 agent-steps, 8 candidates per
 * decision, every agent hearing the other 9) and at a large one (128 steps × 64 tasks × 10
 * agents), side by side: µs per call and million entries per second. GAE is also timed against
 * the obvious version on plain number arrays, the reference its test compares with. The return
 * decomposition (MLP F→64→1) runs on the blocked GEMM backend.
 * `--quick` times each for less long.
 */
import { Rng } from "../src/core/prng.js";
import { counterfactualAdvantage } from "../src/learn/credit/counterfactual.js";
import { computeGae, type GaeInput } from "../src/learn/credit/gae.js";
import { messageInfluence } from "../src/learn/credit/influence.js";
import { groupsOfColumns, normalizeAdvantagesPerGroup } from "../src/learn/credit/normalize.js";
import { ReturnDecomposition } from "../src/learn/credit/redistribution.js";
import { shapeRewards } from "../src/learn/credit/shaping.js";
import { blockedGemm } from "../src/model/gemm/blocked.js";
import { type BenchSuite, type Figure, table, timeIt } from "./suite.js";

const AGENTS = 10;
const CANDIDATES = 8;
const FEATURES = 128;
const SHAPES = [
  { label: "learner 16×8×10", steps: 16, envs: 8 },
  { label: "large 128×64×10", steps: 128, envs: 64 },
] as const;

interface Kernel {
  readonly name: string;
  /** Entries processed per call (agent-steps, candidates or rows, as the unit says). */
  readonly entries: number;
  readonly call: () => void;
}

function kernelsFor(steps: number, envs: number, rng: Rng): Kernel[] {
  const width = envs * AGENTS;
  const size = steps * width;
  const uniform = (count: number) => Float32Array.from({ length: count }, () => rng.uniform(-1, 1));
  const terminated = Uint8Array.from({ length: size }, (_, i) =>
    Math.floor(i / width) === steps - 1 ? 1 : 0,
  );
  const gae: GaeInput = {
    steps,
    width,
    rewards: uniform(size),
    values: uniform(size),
    lastValues: uniform(width),
    terminated,
    gamma: 0.99,
    lambda: 0.95,
  };
  const gaeOut = { advantages: new Float32Array(size), returns: new Float32Array(size) };
  const plain = {
    rewards: Array.from(gae.rewards),
    values: Array.from(gae.values),
    ends: Array.from(terminated),
  };
  const plainOut = {
    advantages: new Array<number>(size).fill(0),
    returns: new Array<number>(size).fill(0),
  };

  const candidateOffsets = Int32Array.from({ length: size + 1 }, (_, r) => r * CANDIDATES);
  const probs = new Float32Array(size * CANDIDATES).fill(1 / CANDIDATES);
  const coma = {
    offsets: candidateOffsets,
    qValues: uniform(size * CANDIDATES),
    probs,
    chosen: Int32Array.from({ length: size }, () => rng.int(CANDIDATES)),
  };
  const comaOut = { advantages: new Float32Array(size), baselines: new Float32Array(size) };

  const pairs = size * (AGENTS - 1);
  const influenceOut = new Float32Array(size);
  const influence = {
    offsets: Int32Array.from({ length: pairs + 1 }, (_, p) => p * CANDIDATES),
    withMessage: new Float32Array(pairs * CANDIDATES)
      .fill(1 / CANDIDATES)
      .map((p, c) => (c % 2 === 0 ? p * 1.5 : p * 0.5)),
    silenced: new Float32Array(pairs * CANDIDATES).fill(1 / CANDIDATES),
    sender: Int32Array.from({ length: pairs }, (_, p) => Math.floor(p / (AGENTS - 1))),
    outputSize: size,
  };

  const shapingOut = new Float32Array(size);
  const shaping = { ...gae, potentials: uniform(size), lastPotentials: uniform(width), beta: 0.1 };

  const groupOf = groupsOfColumns(
    steps,
    Int32Array.from({ length: width }, (_, n) => n % AGENTS),
  );
  const advantages = uniform(size);
  const scratch = new Float32Array(size);

  const teamRows = steps * envs;
  const decomposition = new ReturnDecomposition("bench", {
    featureSize: FEATURES,
    gemm: blockedGemm,
    rng,
  });
  const episodes = {
    features: uniform(teamRows * FEATURES),
    offsets: Int32Array.from({ length: envs + 1 }, (_, e) => e * steps),
    returns: uniform(envs),
  };
  const redistributed = new Float32Array(teamRows);

  return [
    { name: "computeGae", entries: size, call: () => computeGae(gae, gaeOut) },
    {
      name: "GAE, plain arrays",
      entries: size,
      call: () => plainGae(plain, steps, width, gae.lastValues, plainOut),
    },
    {
      name: "counterfactualAdvantage",
      entries: size * CANDIDATES,
      call: () => counterfactualAdvantage(coma, comaOut),
    },
    {
      name: "messageInfluence (TV)",
      entries: pairs * CANDIDATES,
      call: () => messageInfluence(influence, influenceOut),
    },
    { name: "shapeRewards", entries: size, call: () => shapeRewards(shaping, shapingOut) },
    {
      name: "normalizeAdvantagesPerGroup",
      entries: size,
      call: () => {
        scratch.set(advantages);
        normalizeAdvantagesPerGroup(scratch, { groupOf, groups: AGENTS });
      },
    },
    {
      name: `ReturnDecomposition.redistribute (F=${FEATURES})`,
      entries: teamRows,
      call: () => decomposition.redistribute(episodes, redistributed),
    },
    {
      name: `ReturnDecomposition.trainStep (F=${FEATURES})`,
      entries: teamRows,
      call: () => decomposition.trainStep(episodes),
    },
  ];
}

/** The textbook GAE loop on number arrays (no typed arrays), the benchmark's "obvious" side. */
function plainGae(
  input: { rewards: number[]; values: number[]; ends: number[] },
  steps: number,
  width: number,
  lastValues: Float32Array,
  out: { advantages: number[]; returns: number[] },
): void {
  for (let n = 0; n < width; n++) {
    let next = 0;
    for (let t = steps - 1; t >= 0; t--) {
      const i = t * width + n;
      const nextValue = input.ends[i] ? 0 : t + 1 < steps ? input.values[i + width] : lastValues[n];
      const delta = input.rewards[i] + 0.99 * nextValue - input.values[i];
      next = delta + (input.ends[i] ? 0 : 0.99 * 0.95 * next);
      out.advantages[i] = next;
      out.returns[i] = next + input.values[i];
    }
  }
}

/** The credit-kernel suite. */
export const creditSuite: BenchSuite = {
  name: "credit",
  summary:
    "credit-assignment kernels (GAE, COMA, influence, shaping, normalisation, redistribution)",
  async run({ log, args }) {
    const minMs = args.includes("--quick") ? 60 : 300;
    const figures: Figure[] = [];
    const rows: string[][] = [];
    for (const shape of SHAPES) {
      for (const kernel of kernelsFor(
        shape.steps,
        shape.envs,
        Rng.fromSeed(`bench-credit-${shape.label}`),
      )) {
        const seconds = timeIt((n) => {
          for (let i = 0; i < n; i++) kernel.call();
        }, minMs);
        const perSecond = kernel.entries / seconds / 1e6;
        rows.push([
          shape.label,
          kernel.name,
          String(kernel.entries),
          (seconds * 1e6).toFixed(1),
          perSecond.toPrecision(3),
        ]);
        const key = `${kernel.name.split(" ")[0].replace(/[^A-Za-z.]/g, "")}@${shape.steps}x${shape.envs}x${AGENTS}`;
        figures.push({ name: `credit/${key}`, value: seconds * 1e6, unit: "µs/call" });
      }
    }
    log(table(["shape", "kernel", "entries", "µs/call", "M entries/s"], rows));
    return figures;
  },
};
