/**
 * `npm run bench -- train`: end-to-end training throughput of each method at 3, 5 and 10 agents,
 * in joint environment steps per second including encoding (hashing encoder, 256-d, texts cached
 * in the run's text table after first sight), acting, credit and the mini-batch updates. Planning
 * tasks, horizon 10, 8 environments × 16 steps per iteration, hidden width 64, the run's default
 * backend. Each row times whole iterations after one warm-up iteration. `--quick` times fewer.
 */
import { HashingEncoder } from "../src/encode/hashing.js";
import { resolveConfig } from "../src/learn/config.js";
import { Learner } from "../src/learn/learner.js";
import { generateTasks } from "../src/learn/tasks.js";
import { resolveGemm } from "../src/model/backend.js";
import { type BenchSuite, type Figure, table } from "./suite.js";

const METHODS = ["coordinated", "shared-td", "decentralized", "bc"] as const;
const TEAM_SIZES = [3, 5, 10] as const;

async function stepsPerSecond(method: string, agents: number, iterations: number): Promise<number> {
  const learner = new Learner({
    method,
    config: resolveConfig(method, { envs: 8, rolloutSteps: 16, hidden: 64 }),
    tasks: generateTasks({
      family: "planning",
      count: 16,
      seed: 1,
      params: { agents, horizon: 10 },
    }),
    encoder: new HashingEncoder({ dimension: 256 }),
    gemm: resolveGemm("auto"),
    seed: 1,
  });
  await learner.iterate();
  const start = process.hrtime.bigint();
  const before = learner.jointSteps;
  for (let i = 0; i < iterations; i++) await learner.iterate();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return (learner.jointSteps - before) / seconds;
}

/** The train suite. */
export const trainSuite: BenchSuite = {
  name: "train",
  summary: "end-to-end training throughput (joint env steps/s) per method at 3, 5 and 10 agents",
  async run({ log, args }) {
    const iterations = args.includes("--quick") ? 1 : 3;
    log(
      `backend ${resolveGemm("auto").name}; ${iterations} timed iteration(s) of 128 joint steps each`,
    );
    const figures: Figure[] = [];
    const rows: string[][] = [];
    for (const method of METHODS) {
      const row: string[] = [method];
      for (const agents of TEAM_SIZES) {
        const rate = await stepsPerSecond(method, agents, iterations);
        figures.push({
          name: `train.${method}.agents${agents}`,
          value: rate,
          unit: "joint steps/s",
        });
        row.push(rate.toFixed(0));
      }
      rows.push(row);
    }
    log(table(["method", ...TEAM_SIZES.map((n) => `${n} agents (steps/s)`)], rows));
    return figures;
  },
};
