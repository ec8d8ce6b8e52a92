/**
 * The default task suite: strata of generator parameters per family, how many tasks each holds,
 * the deterministic generator with the oracle rejection check, and the stratified split into
 * train, validation and test. Test-only strata hold horizons and team sizes never seen in training;
 * the negative-control stratum (no coupling, full view) is where coordination cannot help.
 */
import { ConfigError } from "../core/errors.js";
import { contentHash } from "../core/json.js";
import { Rng } from "../core/prng.js";
import { ORACLE_MARGIN, oracleClearsMargin, referenceReturns } from "./evaluate.js";
import { taskFamilies } from "./families.js";
import type { GeneratorParams, TaskFamily, TaskHeader } from "./types.js";

/** Inclusive range of one generator parameter within a stratum. */
export type Range = readonly [number, number];

/** A stratum: parameter ranges, and whether it is split three ways or held out for test. */
export interface Stratum {
  readonly name: string;
  readonly testOnly: boolean;
  /** Share of the family's tasks (shares of one family sum to 1). */
  readonly share: number;
  readonly ranges: { readonly [K in keyof GeneratorParams]: Range };
}

/** The three splits. */
export const SPLITS = ["train", "validation", "test"] as const;
/** A split name. */
export type Split = (typeof SPLITS)[number];

/** Size of the default suite: the seed paper's 11,300 tasks, half per family. */
export const DEFAULT_SUITE_SIZE = 11_300;
/** Fractions of a shared stratum that go to train and validation (the rest to test). */
export const SPLIT_FRACTIONS = { train: 0.7, validation: 0.15 } as const;
/** Most generation attempts per task before the generator gives up on a stratum. */
const MAX_ATTEMPTS = 50;

const base = { dependency: [0.2, 0.8], disruption: [0, 0.5] } as const;
/** Training sees at most this many agents and this horizon; test-only strata go beyond. */
export const TRAIN_MAX = { agents: 7, horizon: 40 } as const;

/** The strata of every family (the same parameter ranges; each family maps them onto its tasks). */
export const STRATA: readonly Stratum[] = [
  {
    name: "core",
    testOnly: false,
    share: 0.3,
    ranges: { ...base, agents: [3, 7], horizon: [20, 40], coupling: [0.5, 0.9], view: [0.1, 0.4] },
  },
  {
    name: "tight-coupling",
    testOnly: false,
    share: 0.2,
    ranges: { ...base, agents: [3, 7], horizon: [20, 40], coupling: [0.9, 1], view: [0, 0.2] },
  },
  {
    name: "wide-view",
    testOnly: false,
    share: 0.15,
    ranges: { ...base, agents: [3, 7], horizon: [20, 40], coupling: [0.5, 0.9], view: [0.6, 0.9] },
  },
  {
    name: "negative-control",
    testOnly: false,
    share: 0.15,
    ranges: { ...base, agents: [3, 7], horizon: [20, 40], coupling: [0, 0], view: [1, 1] },
  },
  {
    name: "long-horizon",
    testOnly: true,
    share: 0.08,
    ranges: { ...base, agents: [3, 7], horizon: [60, 80], coupling: [0.5, 0.9], view: [0.1, 0.4] },
  },
  {
    name: "large-team",
    testOnly: true,
    share: 0.08,
    ranges: { ...base, agents: [8, 10], horizon: [20, 40], coupling: [0.5, 0.9], view: [0.1, 0.4] },
  },
  {
    name: "large-long",
    testOnly: true,
    share: 0.04,
    ranges: { ...base, agents: [8, 10], horizon: [60, 80], coupling: [0.5, 0.9], view: [0.1, 0.4] },
  },
];

/** Splits `total` into integer parts proportional to `shares` (largest remainder; sums to total). */
export function apportion(total: number, shares: readonly number[]): number[] {
  const sum = shares.reduce((x, y) => x + y, 0);
  const exact = shares.map((s) => (total * s) / sum);
  const parts = exact.map(Math.floor);
  const order = exact
    .map((e, i) => [e - Math.floor(e), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; k < total - parts.reduce((x, y) => x + y, 0); k++) parts[order[k][1]]++;
  return parts;
}

/** Tasks per family and stratum for a suite of `count` tasks (sums to `count`). */
export function plannedCounts(count: number, families: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  const perFamily = apportion(
    count,
    families.map(() => 1),
  );
  families.forEach((family, f) => {
    const perStratum = apportion(
      perFamily[f],
      STRATA.map((s) => s.share),
    );
    STRATA.forEach((stratum, s) => {
      out.set(`${family}/${stratum.name}`, perStratum[s]);
    });
  });
  return out;
}

/** Draws generator parameters uniformly within a stratum's ranges (integers for agents, horizon). */
export function drawParams(ranges: Stratum["ranges"], rng: Rng): GeneratorParams {
  const int = ([lo, hi]: Range) => lo + rng.int(hi - lo + 1);
  const real = ([lo, hi]: Range) => Math.round((lo + (hi - lo) * rng.float()) * 100) / 100;
  return {
    agents: int(ranges.agents),
    horizon: int(ranges.horizon),
    dependency: real(ranges.dependency),
    coupling: real(ranges.coupling),
    view: real(ranges.view),
    disruption: real(ranges.disruption),
  };
}

/** A generated suite: tasks per split, and what the manifest records about the generation. */
export interface GeneratedSuite {
  readonly splits: Record<Split, TaskHeader[]>;
  /** Rejected candidates per `family/stratum`. */
  readonly rejections: Record<string, number>;
}

/**
 * Generates the suite for `seed` with `count` tasks in all (default 11,300), deterministic in the
 * seed. A candidate the oracle does not beat max(random, nothing) on by the margin is rejected and
 * redrawn; rejections are counted.
 */
export function generateSuite(seed: number, count = DEFAULT_SUITE_SIZE): GeneratedSuite {
  if (!Number.isInteger(count) || count < 2 * STRATA.length) {
    throw new ConfigError({
      input: "--count",
      problem: "too small to give every stratum of every family a task",
      expected: `an integer ≥ ${2 * STRATA.length}`,
      actual: String(count),
      fix: `pass --count ${DEFAULT_SUITE_SIZE} (the default) or at least ${2 * STRATA.length}`,
    });
  }
  const root = Rng.fromSeed(seed);
  const families = [...taskFamilies.values()];
  const planned = plannedCounts(
    count,
    families.map((f) => f.name),
  );
  const splits: Record<Split, TaskHeader[]> = { train: [], validation: [], test: [] };
  const rejections: Record<string, number> = {};
  for (const family of families) {
    for (const stratum of STRATA) {
      const key = `${family.name}/${stratum.name}`;
      const stratumRng = root.split(key);
      rejections[key] = 0;
      const tasks: TaskHeader[] = [];
      for (let i = 0; i < (planned.get(key) ?? 0); i++) {
        const id = `${family.name}-${stratum.name}-${String(i).padStart(4, "0")}`;
        let accepted: TaskHeader | undefined;
        for (let attempt = 0; attempt < MAX_ATTEMPTS && accepted === undefined; attempt++) {
          const rng = stratumRng.split(`${i}/${attempt}`);
          const params = drawParams(stratum.ranges, rng);
          const task = family.generate({ id, stratum: stratum.name, params }, rng);
          if (oracleClearsMargin(referenceReturns(family, task))) accepted = task;
          else rejections[key]++;
        }
        if (accepted === undefined) {
          throw new ConfigError({
            input: `stratum ${key}`,
            problem: `no task passed the oracle margin in ${MAX_ATTEMPTS} attempts`,
            fix: "widen the stratum's parameter ranges (src/env/suite.ts)",
          });
        }
        tasks.push(accepted);
      }
      assignSplits(tasks, stratum, stratumRng.split("splits"), splits);
    }
  }
  return { splits, rejections };
}

/**
 * The suite generator's version. {@link generatorStamp} already sees changes to the strata, the
 * constants, the families' versions, their generators and their reference policies (through
 * probe tasks); bump this for a change it cannot see (e.g. how tasks are split), so that cached
 * built-in suites are regenerated.
 */
export const SUITE_GENERATOR_VERSION = 1;

/** The probe tasks' parameters: one small instance (exact oracles) and one larger (heuristics). */
const PROBE_PARAMS: readonly GeneratorParams[] = [
  { agents: 3, horizon: 12, dependency: 0.5, coupling: 0.7, view: 0.3, disruption: 0.3 },
  { agents: 6, horizon: 20, dependency: 0.5, coupling: 0.7, view: 0.3, disruption: 0.3 },
];

/**
 * A short hash of everything the generated suite depends on: {@link SUITE_GENERATOR_VERSION}, the
 * strata and suite constants, each family's name and version, and, per family, two probe tasks
 * generated from a fixed seed with every reference policy's return on them. A change to the
 * generator or to the policies behind the oracle rejection check changes the stamp, so a suite
 * cached under an older stamp is never reused. Costs ~0.1 s (the probes' episodes).
 */
export function generatorStamp(
  families: readonly TaskFamily[] = [...taskFamilies.values()],
): string {
  const probes = families.map((family) => ({
    family: family.name,
    version: family.version,
    probes: PROBE_PARAMS.map((params, i) => {
      const task = family.generate(
        { id: `probe-${i}`, stratum: "probe", params },
        Rng.fromSeed(`generator-stamp/${family.name}/${i}`),
      );
      return { task, returns: referenceReturns(family, task) };
    }),
  }));
  return contentHash({
    version: SUITE_GENERATOR_VERSION,
    size: DEFAULT_SUITE_SIZE,
    splitFractions: SPLIT_FRACTIONS,
    maxAttempts: MAX_ATTEMPTS,
    oracleMargin: ORACLE_MARGIN,
    trainMax: TRAIN_MAX,
    strata: STRATA,
    families: probes,
  }).slice(0, 12);
}

function assignSplits(
  tasks: TaskHeader[],
  stratum: Stratum,
  rng: Rng,
  out: Record<Split, TaskHeader[]>,
): void {
  if (stratum.testOnly) {
    out.test.push(...tasks);
    return;
  }
  const order = rng.shuffle(tasks.map((_, i) => i));
  const train = Math.round(tasks.length * SPLIT_FRACTIONS.train);
  const validation = Math.round(tasks.length * SPLIT_FRACTIONS.validation);
  const chosen = {
    train: order.slice(0, train),
    validation: order.slice(train, train + validation),
    test: order.slice(train + validation),
  };
  for (const split of SPLITS) {
    for (const i of chosen[split].sort((a, b) => a - b)) out[split].push(tasks[i]);
  }
}
