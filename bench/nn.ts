/**
 * `npm run bench -- nn`: the model core end to end, per GEMM backend side by side. Training: an
 * MLP 128→128(tanh)→16 with a log-softmax over the 16 outputs, the policy-gradient loss
 * −A·log π(a) (seeded random actions and advantages) and an Adam step, batch 1024, in samples/s,
 * with the share of the step spent inside GEMM calls (what the rest of the step costs). Inference:
 * a batch-1 tape-free forward (`Mlp.forwardInto`) in µs/call. Ratios are speed-ups: blocked over
 * naive, openblas over blocked. Then the recurrent agent's GRU op (`gruSequence`, the race's
 * shape: 20 rows per time step, 50 steps, hidden 128) forward and forward + backward in ns per
 * state element, its gates in the float32 SIMD kernels against the scalar loops (the same bits).
 * `--quick` times each for less long.
 */
import { Rng } from "../src/core/prng.js";
import { Adam } from "../src/model/adam.js";
import { describeBackends, resolveGemm } from "../src/model/backend.js";
import type { Gemm, GemmBackendName } from "../src/model/gemm.js";
import { randomParameter } from "../src/model/gradcheck.js";
import { Graph } from "../src/model/graph.js";
import { Mlp } from "../src/model/layers/mlp.js";
import { gruSequence } from "../src/model/ops/gru.js";
import { useSimdKernels } from "../src/model/ops/simd.js";
import { policyGradientStep, randomPolicyBatch } from "../src/model/toy.js";
import { type BenchSuite, type Figure, table, timeIt } from "./suite.js";

const SIZES = [128, 128, 16];
const BATCH = 1024;
const NAMES: readonly GemmBackendName[] = ["naive", "blocked", "openblas"];

interface Row {
  readonly name: GemmBackendName;
  readonly samplesPerS: number;
  readonly gemmShare: number;
  readonly forwardUs: number;
}

/** A Gemm that adds the wall time of every call to `seconds`. */
function timedGemm(inner: Gemm): Gemm & { seconds: number } {
  const timed = {
    name: inner.name,
    seconds: 0,
    sgemm(...args: Parameters<Gemm["sgemm"]>) {
      const start = process.hrtime.bigint();
      inner.sgemm(...args);
      timed.seconds += Number(process.hrtime.bigint() - start) / 1e9;
    },
  };
  return timed;
}

function measure(gemm: Gemm, minMs: number, repeats: number): Omit<Row, "name"> {
  const rng = Rng.fromSeed("bench-nn");
  const mlp = new Mlp("policy", SIZES, "tanh", rng);
  const adam = new Adam(mlp.parameters(), { learningRate: 1e-3, maxGradNorm: 1 });
  // Several batches in turn: one fixed batch with fixed advantages drives its log-probabilities
  // towards −∞ within a few hundred steps, which no real training run does.
  const batches = Array.from({ length: 8 }, () =>
    randomPolicyBatch(rng, BATCH, SIZES[0], SIZES[2]),
  );
  let next = 0;
  const step = (g: Graph) => {
    policyGradientStep(g, mlp, adam, batches[next]);
    next = (next + 1) % batches.length;
  };
  const graph = new Graph(gemm);
  const secondsPerStep = timeIt(
    (n) => {
      for (let i = 0; i < n; i++) step(graph);
    },
    minMs,
    repeats,
  );

  const timed = timedGemm(gemm);
  const timedGraph = new Graph(timed);
  step(timedGraph);
  timed.seconds = 0;
  const steps = 10;
  const start = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) step(timedGraph);
  const total = Number(process.hrtime.bigint() - start) / 1e9;

  const input = batches[0].inputs.slice(0, SIZES[0]);
  const output = new Float32Array(SIZES[2]);
  const secondsPerForward = timeIt(
    (n) => {
      for (let i = 0; i < n; i++) mlp.forwardInto(gemm, input, output);
    },
    minMs,
    repeats,
  );
  return {
    samplesPerS: BATCH / secondsPerStep,
    gemmShare: timed.seconds / total,
    forwardUs: secondsPerForward * 1e6,
  };
}

/** ns per state element of the GRU op forward, and forward + backward, on `gemm`. */
function measureGru(gemm: Gemm, minMs: number, repeats: number): { forward: number; both: number } {
  const [hidden, rows, steps] = [128, 20, 50];
  const samples = rows * steps;
  const rng = Rng.fromSeed("bench-nn-gru");
  const gx = randomParameter("gx", samples, 3 * hidden, rng);
  const whh = randomParameter("whh", hidden, 3 * hidden, rng, -0.09, 0.09);
  const bhh = randomParameter("bhh", 1, 3 * hidden, rng);
  const layout = {
    previous: Int32Array.from({ length: samples }, (_, s) => (s < rows ? -1 : s - rows)),
    blocks: Int32Array.from({ length: steps + 1 }, (_, t) => t * rows),
  };
  const seed = new Float32Array(samples * hidden).fill(0.01);
  const graph = new Graph(gemm);
  const run = (backward: boolean) => (n: number) => {
    for (let i = 0; i < n; i++) {
      graph.reset();
      const out = gruSequence(
        graph,
        graph.param(gx),
        graph.param(whh),
        graph.param(bhh),
        null,
        layout,
      );
      if (backward) graph.backwardFrom(out, seed);
    }
  };
  const perElement = (seconds: number) => (seconds * 1e9) / (samples * hidden);
  return {
    forward: perElement(timeIt(run(false), minMs, repeats)),
    both: perElement(timeIt(run(true), minMs, repeats)),
  };
}

/** The `nn` suite: training and batch-1 inference throughput per GEMM backend. */
export const nnSuite: BenchSuite = {
  name: "nn",
  summary:
    "MLP 128→128→16: policy-gradient + Adam training (batch 1024) and batch-1 forward, per GEMM backend",
  async run({ log, args }) {
    // Many short rounds, best taken: on a machine shared with other work the fastest round is
    // the closest to what the code itself costs.
    const quick = args.includes("--quick");
    const minMs = quick ? 60 : 150;
    const repeats = quick ? 3 : 9;
    const available = new Map(describeBackends().map((b) => [b.name, b]));
    const rows: Row[] = [];
    for (const name of NAMES) {
      const info = available.get(name);
      if (info !== undefined && !info.available) {
        log(`# ${name}: skipped, ${info.detail}`);
        continue;
      }
      rows.push({ name, ...measure(resolveGemm(name), minMs, repeats) });
    }
    const byName = new Map(rows.map((r) => [r.name, r]));
    const ratio = (over: GemmBackendName, under: GemmBackendName, pick: (r: Row) => number) => {
      const a = byName.get(over);
      const b = byName.get(under);
      return a === undefined || b === undefined ? undefined : pick(a) / pick(b);
    };
    log(
      table(
        ["backend", "train samples/s", "gemm share", "forward1 µs/call"],
        rows.map((r) => [
          r.name,
          r.samplesPerS.toFixed(0),
          `${(100 * r.gemmShare).toFixed(0)}%`,
          r.forwardUs.toFixed(2),
        ]),
      ),
    );
    const figures: Figure[] = [];
    for (const r of rows) {
      figures.push({
        name: `train.${r.name}.samples_per_s`,
        value: r.samplesPerS,
        unit: "samples/s",
      });
      figures.push({ name: `train.${r.name}.gemm_share`, value: r.gemmShare, unit: "fraction" });
      figures.push({ name: `forward1.${r.name}.us_per_call`, value: r.forwardUs, unit: "µs" });
    }
    for (const [over, under] of [
      ["blocked", "naive"],
      ["openblas", "blocked"],
    ] as const) {
      const train = ratio(over, under, (r) => r.samplesPerS);
      const forward = ratio(under, over, (r) => r.forwardUs);
      if (train === undefined || forward === undefined) continue;
      log(
        `# ${over}/${under}: training ×${train.toFixed(2)}, batch-1 forward ×${forward.toFixed(2)}`,
      );
      figures.push({ name: `train.ratio.${over}_over_${under}`, value: train, unit: "×" });
      figures.push({ name: `forward1.ratio.${over}_over_${under}`, value: forward, unit: "×" });
    }
    // The GRU op on the fastest backend at hand, its gates scalar then SIMD.
    const gruBackend = byName.has("openblas") ? "openblas" : "blocked";
    const gemm = resolveGemm(gruBackend);
    useSimdKernels(false);
    const scalar = measureGru(gemm, minMs, repeats);
    useSimdKernels(true);
    const simd = measureGru(gemm, minMs, repeats);
    log(
      table(
        [
          `GRU op (${gruBackend}, 20 rows × 50 steps × 128)`,
          "forward ns/element",
          "fwd+bwd ns/element",
        ],
        [
          ["scalar float32 gates", scalar.forward.toFixed(1), scalar.both.toFixed(1)],
          ["SIMD float32 gates", simd.forward.toFixed(1), simd.both.toFixed(1)],
        ],
      ),
    );
    log(
      `# GRU SIMD/scalar: forward ×${(scalar.forward / simd.forward).toFixed(2)}, forward+backward ×${(scalar.both / simd.both).toFixed(2)}`,
    );
    for (const [kind, value] of [
      ["scalar.forward", scalar.forward],
      ["scalar.forward_backward", scalar.both],
      ["simd.forward", simd.forward],
      ["simd.forward_backward", simd.both],
    ] as const) {
      figures.push({ name: `gru.${kind}.ns_per_element`, value, unit: "ns" });
    }
    figures.push({ name: "gru.ratio.simd_over_scalar", value: scalar.both / simd.both, unit: "×" });
    return figures;
  },
};
