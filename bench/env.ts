/**
 * `npm run bench -- env`: joint steps per second of each task family at 3, 5 and 10 agents,
 * stepped by the vectorised runner (64 tasks in lock-step) with pre-drawn legal actions (the
 * oracle's recorded actions, replayed), side by side: the environment alone, plus structured
 * features and masks (what a numeric learner reads), and plus text rendering (every agent's view,
 * legal action candidates and heard messages, rendered every step). For scale: a Python MPE
 * environment manages about 4k joint steps/s on this machine. `--quick` times each for less long.
 */
import { Rng } from "../src/core/prng.js";
import { taskFamilies } from "../src/env/families.js";
import { SILENT, type TaskHeader } from "../src/env/types.js";
import { VectorEnv } from "../src/env/vector-env.js";
import { type BenchSuite, type Figure, table, timeIt } from "./suite.js";

const BATCH = 64;
const TEAM_SIZES = [3, 5, 10] as const;

/** A task's recorded oracle episode: actions and messages per step, agent-major within a step. */
interface Trace {
  readonly actions: Int32Array;
  readonly messages: Int32Array;
}

function makeTasks(familyName: string, agents: number): TaskHeader[] {
  const family = taskFamilies.get(familyName)!;
  const params = {
    agents,
    horizon: 40,
    dependency: 0.5,
    coupling: 0.7,
    view: 0.2,
    disruption: 0.2,
  };
  return Array.from({ length: BATCH }, (_, i) =>
    family.generate(
      { id: `bench-${i}`, stratum: "bench", params },
      Rng.fromSeed(`bench/${familyName}/${agents}/${i}`),
    ),
  );
}

function record(task: TaskHeader): Trace {
  const family = taskFamilies.get(task.family)!;
  const sim = family.createSim(task);
  const policy = family.policy("oracle");
  const n = sim.numAgents;
  const actions = new Int32Array(sim.horizon * n);
  const messages = new Int32Array(sim.horizon * n);
  const rewards = new Float64Array(n);
  const rng = Rng.fromSeed(0);
  sim.reset(0);
  policy.reset(sim);
  while (!sim.done) {
    const a = actions.subarray(sim.t * n, sim.t * n + n);
    const m = messages.subarray(sim.t * n, sim.t * n + n);
    policy.act(sim, rng, a, m);
    sim.step(a, m, rewards);
  }
  return { actions, messages };
}

type Variant = "env" | "features" | "text";

function measure(tasks: TaskHeader[], traces: Trace[], variant: Variant, minMs: number): number {
  const env = new VectorEnv(tasks, { batch: BATCH });
  const features = new Float32Array(BATCH * env.maxAgents * env.maxFeatures);
  const masks = new Uint8Array(BATCH * env.maxAgents * env.maxActions);
  const mask = new Uint8Array(env.maxActions);
  let sink = 0;
  const seconds = timeIt((iterations) => {
    for (let it = 0; it < iterations; it++) {
      for (let i = 0; i < BATCH; i++) {
        const sim = env.sims[i];
        const trace = traces[env.slotTask(i) % traces.length];
        const n = sim.numAgents;
        const from = sim.t * n;
        env.actions.set(trace.actions.subarray(from, from + n), i * env.maxAgents);
        env.messages.set(trace.messages.subarray(from, from + n), i * env.maxAgents);
        if (variant !== "text") continue;
        for (let a = 0; a < n; a++) {
          sink += sim.renderView(a).length;
          sim.writeActionMask(a, mask, 0);
          for (let k = 0; k < sim.numActions; k++)
            if (mask[k] === 1) sink += sim.actionText(a, k).length;
          for (let b = 0; b < n; b++)
            if (sim.lastMessages[b] !== SILENT) sink += sim.messageText(sim.lastMessages[b]).length;
        }
      }
      if (variant === "features") {
        env.writeFeatures(features);
        env.writeActionMasks(masks);
      }
      env.step();
    }
  }, minMs);
  if (sink < 0) console.log(sink);
  return BATCH / seconds;
}

/** The env suite. */
export const envSuite: BenchSuite = {
  name: "env",
  summary: "joint steps/s per family at 3, 5, 10 agents: env alone, + features/masks, + text",
  async run({ log, args }) {
    const minMs = args.includes("--quick") ? 100 : 400;
    const figures: Figure[] = [];
    const rows: string[][] = [];
    for (const familyName of taskFamilies.keys()) {
      for (const agents of TEAM_SIZES) {
        const tasks = makeTasks(familyName, agents);
        const traces = tasks.map(record);
        const rates = (["env", "features", "text"] as const).map((v) =>
          measure(tasks, traces, v, minMs),
        );
        (["env", "features", "text"] as const).forEach((v, k) => {
          figures.push({
            name: `${familyName}_${agents}_${v}`,
            value: rates[k],
            unit: "joint steps/s",
          });
        });
        rows.push([
          `${familyName} ×${agents}`,
          rates[0].toFixed(0),
          rates[1].toFixed(0),
          rates[2].toFixed(0),
          `${(rates[0] / 4000).toFixed(0)}×`,
          `${(rates[0] / rates[2]).toFixed(1)}×`,
        ]);
      }
    }
    log(
      table(["family ×agents", "env", "+features,masks", "+text", "env vs 4k", "text cost"], rows),
    );
    return figures;
  },
};
