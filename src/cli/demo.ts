/**
 * `troupe demo`: the main job until the study lands. A policy network learns a contextual bandit
 * by policy gradient (REINFORCE with a batch-mean baseline): each context is a random vector, the
 * rewarded action is the argmax of a hidden linear map of it, and the network only ever sees the
 * reward of the action it sampled. It prints the loss, the mean reward and the greedy accuracy on
 * held-out contexts as it learns, so a user sees a real trained result on the embedded defaults.
 */
import { z } from "zod";
import { Rng } from "../core/prng.js";
import { Adam } from "../model/adam.js";
import { announceGemm, GEMM_BACKEND_CHOICES, resolveGemm } from "../model/backend.js";
import type { Gemm } from "../model/gemm.js";
import { Graph } from "../model/graph.js";
import { Mlp } from "../model/layers/mlp.js";
import { policyGradientLoss } from "../model/ops/losses.js";
import { uniformOffsets } from "../model/ops/rows.js";
import { maskedLogSoftmax } from "../model/ops/softmax.js";
import type { Command } from "./command.js";
import { parseFlags } from "./flags.js";

const DemoFlags = z.object({
  steps: z.coerce.number().int().positive().max(100_000).default(300).describe("policy updates"),
  batch: z.coerce
    .number()
    .int()
    .positive()
    .max(65_536)
    .default(256)
    .describe("contexts per update"),
  actions: z.coerce.number().int().min(2).max(64).default(8).describe("actions per context"),
  features: z.coerce.number().int().positive().max(1024).default(16).describe("context size"),
  learningRate: z.coerce.number().positive().max(1).default(0.01).describe("Adam step size"),
  backend: z.enum(GEMM_BACKEND_CHOICES).default("auto").describe("GEMM backend"),
  seed: z.coerce.number().int().default(0).describe("seed of every random draw"),
});

/** The result of a demo run, for tests and callers. */
export interface DemoResult {
  readonly initialAccuracy: number;
  readonly finalAccuracy: number;
  readonly finalLoss: number;
}

/** Trains the bandit policy; `log` receives one progress line per report. */
export function runDemo(
  options: z.infer<typeof DemoFlags>,
  gemm: Gemm,
  log: (line: string) => void,
): DemoResult {
  const { steps, batch, actions, features, learningRate, seed } = options;
  const rng = Rng.fromSeed(seed);
  const hidden = Float32Array.from({ length: actions * features }, () => rng.normal());
  const policy = new Mlp("policy", [features, 64, actions], "tanh", rng.split("policy"));
  const adam = new Adam(policy.parameters(), { learningRate, maxGradNorm: 1 });
  const graph = new Graph(gemm);
  const data = rng.split("contexts");
  const sampling = rng.split("actions");

  const heldOut = randomContexts(data, 1024, features);
  const accuracy = () => greedyAccuracy(policy, gemm, heldOut, hidden, actions, features);
  const initialAccuracy = accuracy();
  log(
    `random guessing scores ${(1 / actions).toFixed(3)}; untrained policy ${initialAccuracy.toFixed(3)}`,
  );

  const offsets = uniformOffsets(batch, actions);
  const chosen = new Int32Array(batch);
  const advantages = new Float32Array(batch);
  const rewards = new Float32Array(batch);
  let loss = Number.NaN;
  const reportEvery = Math.max(1, Math.floor(steps / 10));
  for (let step = 1; step <= steps; step++) {
    // Act: sample one action per context from the current policy.
    const contexts = randomContexts(data, batch, features);
    graph.reset();
    const x = graph.input("contexts", contexts, batch, features);
    const logProbs = maskedLogSoftmax(graph, policy.forward(graph, x), offsets);
    let meanReward = 0;
    for (let b = 0; b < batch; b++) {
      const action = sampleFromLogProbs(sampling, logProbs.value, b * actions, actions);
      chosen[b] = b * actions + action;
      rewards[b] = action === bestAction(hidden, contexts, b, actions, features) ? 1 : 0;
      meanReward += rewards[b] / batch;
    }
    // Learn: advantage = reward − batch mean, loss = −mean(A · log π(a)).
    for (let b = 0; b < batch; b++) advantages[b] = rewards[b] - meanReward;
    const lossTensor = policyGradientLoss(graph, logProbs, chosen, advantages);
    graph.backward(lossTensor);
    adam.step();
    loss = lossTensor.value[0];
    if (step % reportEvery === 0 || step === steps) {
      log(
        `step ${String(step).padStart(String(steps).length)}  loss ${loss.toFixed(4)}  ` +
          `mean reward ${meanReward.toFixed(3)}  held-out accuracy ${accuracy().toFixed(3)}`,
      );
    }
  }
  return { initialAccuracy, finalAccuracy: accuracy(), finalLoss: loss };
}

function randomContexts(rng: Rng, rows: number, features: number): Float32Array {
  const out = new Float32Array(rows * features);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

function bestAction(
  hidden: Float32Array,
  contexts: Float32Array,
  row: number,
  actions: number,
  features: number,
): number {
  let best = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let a = 0; a < actions; a++) {
    let score = 0;
    for (let f = 0; f < features; f++)
      score += hidden[a * features + f] * contexts[row * features + f];
    if (score > bestScore) {
      bestScore = score;
      best = a;
    }
  }
  return best;
}

function sampleFromLogProbs(
  rng: Rng,
  logProbs: Float32Array,
  start: number,
  count: number,
): number {
  let u = rng.float();
  for (let a = 0; a < count; a++) {
    u -= Math.exp(logProbs[start + a]);
    if (u < 0) return a;
  }
  return count - 1;
}

function greedyAccuracy(
  policy: Mlp,
  gemm: Gemm,
  contexts: Float32Array,
  hidden: Float32Array,
  actions: number,
  features: number,
): number {
  const rows = contexts.length / features;
  const scores = new Float32Array(rows * actions);
  policy.forwardInto(gemm, contexts, scores);
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let a = 1; a < actions; a++)
      if (scores[r * actions + a] > scores[r * actions + best]) best = a;
    if (best === bestAction(hidden, contexts, r, actions, features)) correct += 1;
  }
  return correct / rows;
}

/** The `troupe demo` command. */
export const demoCommand: Command = {
  name: "demo",
  summary: "train a small policy network by policy gradient and print how it learns",
  async run(args, io) {
    const parsed = parseFlags("demo", DemoFlags, args);
    if (parsed.help) {
      io.stdout(parsed.text);
      return 0;
    }
    const gemm = resolveGemm(parsed.values.backend);
    announceGemm(gemm, (line) => io.stderr(`${line}\n`));
    io.stdout(
      `troupe demo: a policy network learns a ${parsed.values.actions}-armed contextual bandit ` +
        "by policy gradient (REINFORCE, Adam)\n",
    );
    const result = runDemo(parsed.values, gemm, (line) => io.stdout(`${line}\n`));
    io.stdout(
      `done: held-out accuracy ${result.initialAccuracy.toFixed(3)} -> ${result.finalAccuracy.toFixed(3)}\n`,
    );
    return 0;
  },
};
