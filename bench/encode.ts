/**
 * `npm run bench -- encode`: sentences per second of each offline encoder (hashing, glove-100d),
 * side by side: cold (the bare encoder), cached in memory (LRU hit), and from the disk store
 * (a fresh process's first pass over rows an earlier run saved); then the load time of the
 * default encoder from its packed cache. Target: ≥ 300k sentences/s cached.
 * `--quick` times each for less long. The first run converts the vectors (~8 s, once).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../src/core/prng.js";
import { CachedEncoder } from "../src/encode/cache.js";
import type { TextEncoder } from "../src/encode/encoder.js";
import { loadGloveEncoder } from "../src/encode/glove.js";
import { HashingEncoder } from "../src/encode/hashing.js";
import type { BenchSuite, Figure } from "./suite.js";
import { table } from "./suite.js";

const SENTENCES = 20_000;
const BATCH = 1_000;
/** Sentences the disk-store measure reads (each is one small file). */
const DISK_SENTENCES = 2_000;

/** Task-like sentences, e.g. "assign agent 3 to task 12 at site 4 before step 17". */
function sentences(count: number): string[] {
  const rng = Rng.fromSeed("bench-encode");
  const verbs = ["assign", "move", "send", "work on", "deliver", "repair", "wait for"];
  const things = ["agent", "task", "site", "depot", "subtask", "crew"];
  return Array.from({ length: count }, (_, i) => {
    const verb = verbs[rng.int(verbs.length)];
    const a = things[rng.int(things.length)];
    const b = things[rng.int(things.length)];
    return `${verb} ${a} ${rng.int(10)} to ${b} ${rng.int(30)} before step ${i % 50}, value ${rng.float().toFixed(2)}`;
  });
}

/** Best-of-`repeats` sentences/s of encoding `texts` in batches, each round at least `minMs`. */
async function rate(
  encoder: TextEncoder,
  texts: readonly string[],
  minMs: number,
  repeats = 3,
): Promise<number> {
  let best = 0;
  for (let round = 0; round < repeats; round++) {
    let done = 0;
    const start = process.hrtime.bigint();
    let seconds = 0;
    do {
      for (let i = 0; i < texts.length; i += BATCH) {
        await encoder.encode(texts.slice(i, i + BATCH));
      }
      done += texts.length;
      seconds = Number(process.hrtime.bigint() - start) / 1e9;
    } while (seconds * 1000 < minMs);
    best = Math.max(best, done / seconds);
  }
  return best;
}

/** Sentences/s of a first pass through a fresh cache over a disk store filled beforehand. */
async function diskRate(makeEncoder: () => TextEncoder, texts: readonly string[]): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "troupe-bench-encode-"));
  try {
    await new CachedEncoder(makeEncoder(), { dir }).encode(texts);
    const fresh = new CachedEncoder(makeEncoder(), { dir, memoryRows: 0 });
    const start = process.hrtime.bigint();
    await fresh.encode(texts);
    return texts.length / (Number(process.hrtime.bigint() - start) / 1e9);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const format = (perSecond: number) => `${Math.round(perSecond / 1000).toLocaleString("en-US")}k`;

/** The `encode` suite. */
export const encodeSuite: BenchSuite = {
  name: "encode",
  summary: "sentences/s of the offline encoders, cold vs cached, and the default's load time",
  async run({ log, args }) {
    const minMs = args.includes("--quick") ? 100 : 500;
    const texts = sentences(SENTENCES);
    const figures: Figure[] = [];

    let loadStart = process.hrtime.bigint();
    await loadGloveEncoder({ onEvent: (event) => log(`# glove-100d: ${event}`) });
    const firstLoad = Number(process.hrtime.bigint() - loadStart) / 1e9;
    loadStart = process.hrtime.bigint();
    const glove = await loadGloveEncoder();
    const packedLoad = Number(process.hrtime.bigint() - loadStart) / 1e9;
    figures.push({ name: "glove-100d.load_packed", value: packedLoad, unit: "s" });
    log(
      `# glove-100d load: first ${firstLoad.toFixed(2)} s, from the packed cache ${packedLoad.toFixed(2)} s`,
    );
    log(
      `# ${SENTENCES} sentences of ~14 tokens, batches of ${BATCH}; disk: ${DISK_SENTENCES} sentences`,
    );

    const encoders: [string, () => TextEncoder][] = [
      ["hashing", () => new HashingEncoder()],
      ["glove-100d", () => glove],
    ];
    const rows: string[][] = [];
    for (const [name, make] of encoders) {
      const cold = await rate(make(), texts, minMs);
      const cached = new CachedEncoder(make(), { memoryRows: SENTENCES });
      await cached.encode(texts);
      const memory = await rate(cached, texts, minMs);
      const disk = await diskRate(make, texts.slice(0, DISK_SENTENCES));
      figures.push(
        { name: `${name}.cold`, value: cold, unit: "sentences/s" },
        { name: `${name}.cached_memory`, value: memory, unit: "sentences/s" },
        { name: `${name}.cached_disk`, value: disk, unit: "sentences/s" },
      );
      rows.push([
        name,
        format(cold),
        format(memory),
        format(disk),
        `${(memory / cold).toFixed(1)}×`,
      ]);
    }
    log(table(["encoder", "cold/s", "memory cache/s", "disk store/s", "memory vs cold"], rows));
    return figures;
  },
};
