/**
 * `npm run bench -- encode`: sentences per second of each offline encoder (hashing, glove-100d,
 * transformers), side by side: cold (the bare encoder), cached in memory (LRU hit), and from the
 * disk store (a fresh process's first pass over rows an earlier run saved); then the load time of
 * the default encoder from its packed cache. Target: ≥ 300k sentences/s cached.
 * The transformers row runs the tiny model the tests build (`src/encode/tiny-model.ts`, RANDOM
 * weights, 384-d like MiniLM): it times the loading and inference path (tokenizer, ONNX session,
 * pooling, one text per call), not a real model; when `@huggingface/transformers` is not installed
 * the row says so. `--quick` times each for less long. The first run converts the vectors (~8 s,
 * once).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../src/core/errors.js";
import { Rng } from "../src/core/prng.js";
import { CachedEncoder } from "../src/encode/cache.js";
import type { TextEncoder } from "../src/encode/encoder.js";
import { loadGloveEncoder } from "../src/encode/glove.js";
import { HashingEncoder } from "../src/encode/hashing.js";
import { writeTinySentenceModel } from "../src/encode/tiny-model.js";
import {
  loadTransformersEncoder,
  TRANSFORMERS_INSTALL,
  TRANSFORMERS_PACKAGE,
  type TransformersEncoder,
} from "../src/encode/transformers.js";
import type { BenchSuite, Figure } from "./suite.js";
import { table } from "./suite.js";

const SENTENCES = 20_000;
const BATCH = 1_000;
/** Sentences the disk-store measure reads (each is one small file). */
const DISK_SENTENCES = 2_000;
/** Sentences the transformers row encodes (one ONNX call each, so far fewer). */
const TRANSFORMERS_SENTENCES = 1_000;
const TRANSFORMERS_SENTENCES_QUICK = 200;
/** Hidden size of the tiny model: MiniLM's output dimension, so cached rows are the same size. */
const TINY_HIDDEN = 384;

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

const format = (perSecond: number) =>
  perSecond >= 10_000
    ? `${Math.round(perSecond / 1000).toLocaleString("en-US")}k`
    : Math.round(perSecond).toLocaleString("en-US");

/** One row of the table: an encoder, how to make it, and how many sentences it is timed on. */
interface Row {
  readonly name: string;
  readonly make: () => TextEncoder;
  readonly sentences: number;
  readonly repeats: number;
}

/**
 * The tiny transformers model in a temp folder, loaded; or why it cannot be (package missing).
 * The caller removes `dir` and closes the encoder.
 */
async function tinyTransformers(): Promise<
  { encoder: TransformersEncoder; dir: string } | { skipped: string; dir: string }
> {
  const dir = await mkdtemp(join(tmpdir(), "troupe-bench-tiny-model-"));
  await writeTinySentenceModel(join(dir, "tiny"), Rng.fromSeed("bench-tiny-model"), {
    hidden: TINY_HIDDEN,
  });
  try {
    return { encoder: await loadTransformersEncoder({ path: join(dir, "tiny") }), dir };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { skipped: `${TRANSFORMERS_PACKAGE} is not installed (${TRANSFORMERS_INSTALL})`, dir };
  }
}

/** The `encode` suite. */
export const encodeSuite: BenchSuite = {
  name: "encode",
  summary: "sentences/s of the offline encoders, cold vs cached, and the default's load time",
  async run({ log, args }) {
    const quick = args.includes("--quick");
    const minMs = quick ? 100 : 500;
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

    const encoders: Row[] = [
      { name: "hashing", make: () => new HashingEncoder(), sentences: SENTENCES, repeats: 3 },
      { name: "glove-100d", make: () => glove, sentences: SENTENCES, repeats: 3 },
    ];
    const tiny = await tinyTransformers();
    const tinyName = "transformers";
    const tinyCount = quick ? TRANSFORMERS_SENTENCES_QUICK : TRANSFORMERS_SENTENCES;
    if ("encoder" in tiny) {
      const encoder = tiny.encoder;
      encoders.push({ name: tinyName, make: () => encoder, sentences: tinyCount, repeats: 1 });
      log(
        `# ${tinyName}: the tests' tiny model (RANDOM weights, ${TINY_HIDDEN}-d, tanh(cumsum(embedding))), ` +
          `${tinyCount} sentences, one ONNX call each: times the loading/inference path, not a real model`,
      );
    } else {
      log(`# ${tinyName}: skipped, ${tiny.skipped}`);
    }
    const rows: string[][] = [];
    try {
      for (const { name, make, sentences: count, repeats } of encoders) {
        const subset = texts.slice(0, count);
        const cold = await rate(make(), subset, minMs, repeats);
        const cached = new CachedEncoder(make(), { memoryRows: count });
        await cached.encode(subset);
        const memory = await rate(cached, subset, minMs);
        const disk = await diskRate(make, subset.slice(0, DISK_SENTENCES));
        figures.push(
          { name: `${name}.cold`, value: cold, unit: "sentences/s" },
          { name: `${name}.cached_memory`, value: memory, unit: "sentences/s" },
          { name: `${name}.cached_disk`, value: disk, unit: "sentences/s" },
        );
        rows.push([
          name === tinyName ? `${name} (tiny, random weights)` : name,
          format(cold),
          format(memory),
          format(disk),
          `${(memory / cold).toFixed(1)}×`,
        ]);
      }
    } finally {
      if ("encoder" in tiny) await tiny.encoder.close();
      await rm(tiny.dir, { recursive: true, force: true });
    }
    if ("skipped" in tiny) {
      rows.push([
        `${tinyName} (skipped: ${TRANSFORMERS_PACKAGE} not installed)`,
        "-",
        "-",
        "-",
        "-",
      ]);
    }
    log(table(["encoder", "cold/s", "memory cache/s", "disk store/s", "memory vs cold"], rows));
    return figures;
  },
};
