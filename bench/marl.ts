/**
 * `npm run bench -- marl`: the environment-throughput part of the MARL race. Joint steps per second
 * with uniformly random actions, resets included, for MPE Simple Spread (N = 3, v3) and Level-Based
 * Foraging 8x8-2p-2f-v3, side by side with the Python peer measured on this machine with the same
 * loop (MPE2 Spread through the parallel API; lbforaging v3), and the ratio (goal ≥ 20×).
 *
 * Two Troupe loops: `TaskSim` (typed-array step, every agent's features written after each reset
 * and step, as the observations a learner reads) and `ParallelEnv` (PettingZoo-style records, a
 * fresh observation object per agent per step, like the Python parallel API). Then the team return
 * of random play (beside the published figures: the parity check) and of the hand-written
 * heuristics. `--quick` times each loop for less long. `--train` runs only the training race
 * (IPPO/MAPPO vs EPyMARL, minutes; bench/marl-train.ts).
 */
import { Rng } from "../src/core/prng.js";
import {
  episodeBuffers,
  makeMarlEnv,
  marlHeuristicPolicy,
  playRandomEpisode,
  policyReturnStats,
  type ReturnStats,
  randomReturnStats,
} from "../src/env/marl.js";
import { type AgentAction, ParallelEnv } from "../src/env/parallel-env.js";
import type { TaskSim } from "../src/env/types.js";
import { runTrainingRace } from "./marl-train.js";
import { type BenchSuite, type Figure, table } from "./suite.js";

interface Scenario {
  readonly label: string;
  readonly id: string;
  readonly key: string;
  /** Joint steps/s of the Python peer with the same random loop, measured on this machine. */
  readonly pythonStepsPerS: number;
}

const SCENARIOS: readonly Scenario[] = [
  { label: "Spread N=3 (v3)", id: "simple_spread_v3", key: "spread3", pythonStepsPerS: 3918 },
  { label: "LBF 8x8-2p-2f-v3", id: "Foraging-8x8-2p-2f-v3", key: "lbf8x8", pythonStepsPerS: 12974 },
];
const GOAL_RATIO = 20;

/** Return rows: random play (our mean ± SE beside the published figure) and the heuristic. */
const RETURN_CHECKS: readonly { id: string; published: string; reference?: number }[] = [
  { id: "simple_spread_v3", published: "EPyMARL random play", reference: -80.6 },
  { id: "simple_spread_v2", published: "PettingZoo v2 docs", reference: -115.6 },
  { id: "Foraging-8x8-2p-2f-v3", published: "EPyMARL random play", reference: 0.2 },
  { id: "Foraging-8x8-2p-2f-coop-v3", published: "none" },
];
const RETURN_EPISODES = 10_000;

/** Best-of-`rounds` joint steps/s of `episode` (which plays one episode and returns its length). */
function stepsPerSecond(episode: (seed: number) => number, minMs: number, rounds = 3): number {
  let seed = 0;
  for (let warm = 0; warm < 200; warm++) episode(seed++);
  let best = 0;
  for (let round = 0; round < rounds; round++) {
    let steps = 0;
    const start = process.hrtime.bigint();
    let seconds = 0;
    do {
      for (let k = 0; k < 100; k++) steps += episode(seed++);
      seconds = Number(process.hrtime.bigint() - start) / 1e9;
    } while (seconds * 1000 < minMs);
    best = Math.max(best, steps / seconds);
  }
  return best;
}

/** One episode through the typed-array simulator loop; returns its length. */
function simEpisodes(sim: TaskSim, rng: Rng): (seed: number) => number {
  const buffers = episodeBuffers(sim);
  return (seed) => {
    playRandomEpisode(sim, seed, rng, buffers, true);
    return sim.t;
  };
}

/** One episode through ParallelEnv's records; returns its length. */
function parallelEpisodes(sim: TaskSim, rng: Rng): (seed: number) => number {
  const env = new ParallelEnv(sim);
  const joint: Record<string, AgentAction> = {};
  return (seed) => {
    env.reset(seed);
    let steps = 0;
    while (env.agents.length > 0) {
      for (const name of env.agents) joint[name] = { action: rng.int(sim.numActions) };
      env.step(joint);
      steps++;
    }
    return steps;
  };
}

export const marlSuite: BenchSuite = {
  name: "marl",
  summary:
    "MARL race: env joint steps/s (Spread N=3, LBF 8x8-2p-2f) vs the Python peer; --train: IPPO/MAPPO vs EPyMARL",
  async run({ log, args }) {
    if (args.includes("--train")) return runTrainingRace(log, args);
    const minMs = args.includes("--quick") ? 300 : 1500;
    const figures: Figure[] = [];
    const rows: string[][] = [];
    for (const scenario of SCENARIOS) {
      const rng = Rng.fromSeed(`bench-marl-${scenario.key}`);
      const sim = stepsPerSecond(simEpisodes(makeMarlEnv(scenario.id), rng), minMs);
      const parallel = stepsPerSecond(parallelEpisodes(makeMarlEnv(scenario.id), rng), minMs);
      const peer = scenario.pythonStepsPerS;
      rows.push([
        scenario.label,
        Math.round(peer).toLocaleString("en-US"),
        Math.round(sim).toLocaleString("en-US"),
        `${(sim / peer).toFixed(0)}×`,
        Math.round(parallel).toLocaleString("en-US"),
        `${(parallel / peer).toFixed(0)}×`,
      ]);
      figures.push(
        { name: `${scenario.key}.sim.steps_per_s`, value: sim, unit: "joint steps/s" },
        {
          name: `${scenario.key}.parallel_env.steps_per_s`,
          value: parallel,
          unit: "joint steps/s",
        },
        { name: `${scenario.key}.sim.ratio_vs_python`, value: sim / peer, unit: "×" },
        { name: `${scenario.key}.parallel_env.ratio_vs_python`, value: parallel / peer, unit: "×" },
      );
    }
    log(
      "Environment throughput: joint steps/s, uniformly random actions, resets included (goal ≥ 20× the Python peer)",
    );
    log(
      table(
        ["scenario", "Python peer", "Troupe TaskSim", "ratio", "Troupe ParallelEnv", "ratio"],
        rows,
      ),
    );
    for (const loop of ["sim", "parallel_env"]) {
      const ratios = figures.filter((f) => f.name.endsWith(`.${loop}.ratio_vs_python`));
      const met = ratios.every((f) => f.value >= GOAL_RATIO);
      log(
        `goal ≥ ${GOAL_RATIO}× with the ${loop === "sim" ? "TaskSim" : "ParallelEnv"} loop: ${met ? "met" : "NOT met"}`,
      );
    }
    const returnRows = RETURN_CHECKS.flatMap(({ id, published, reference }) => {
      const sim = makeMarlEnv(id);
      const rng = Rng.fromSeed(`bench-marl-return-${id}`);
      const random = randomReturnStats(sim, RETURN_EPISODES, rng);
      const heuristic = policyReturnStats(sim, marlHeuristicPolicy(sim), RETURN_EPISODES, rng);
      figures.push(
        { name: `${id}.random_return.mean`, value: random.mean, unit: "team return" },
        { name: `${id}.heuristic_return.mean`, value: heuristic.mean, unit: "team return" },
      );
      const digits = Math.abs(random.mean) < 10 ? 3 : 2;
      const show = (stats: ReturnStats) =>
        `${stats.mean.toFixed(digits)} ± ${stats.se.toFixed(digits)}`;
      const gap =
        reference === undefined ? "" : `${((random.mean - reference) / random.se).toFixed(1)} SE`;
      return [
        [
          id,
          "random",
          show(random),
          reference === undefined ? "—" : String(reference),
          published,
          gap,
        ],
        [id, "heuristic", show(heuristic), "", "", ""],
      ];
    });
    log("");
    log(
      `Team return (sum over agents and steps), ${RETURN_EPISODES.toLocaleString("en-US")} episodes per row, seeds 0…`,
    );
    log(
      table(["scenario", "policy", "Troupe mean ± SE", "published", "source", "gap"], returnRows),
    );
    log("");
    log("Training race (IPPO/MAPPO vs EPyMARL): `npm run bench -- marl --train` (minutes).");
    return figures;
  },
};
