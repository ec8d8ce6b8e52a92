/** Checkpoints: exact round-trip and resume, and a named CheckpointError for every kind of bad file. */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { CheckpointError, IoError } from "../core/errors.js";
import { type FileSystem, nodeFileSystem } from "../core/fs.js";
import { Rng } from "../core/prng.js";
import { Adam } from "./adam.js";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { naiveGemm } from "./gemm/naive.js";
import { Graph } from "./graph.js";
import { Mlp } from "./layers/mlp.js";
import { policyGradientStep, randomPolicyBatch } from "./toy.js";

const folder = await mkdtemp(join(tmpdir(), "troupe-checkpoint-"));
after(() => rm(folder, { recursive: true, force: true }));

const SIZES = [6, 10, 4];
const ARCHITECTURE = JSON.stringify({ mlp: SIZES, activation: "tanh" });

/** A model, its optimiser and the PRNG that draws its batches. */
function setup(seed: number, sizes = SIZES) {
  const rng = Rng.fromSeed(seed);
  const mlp = new Mlp("policy", sizes, "tanh", rng);
  const adam = new Adam(mlp.parameters(), { learningRate: 1e-2, maxGradNorm: 1 });
  return { rng, mlp, adam, graph: new Graph(naiveGemm) };
}

function train(state: ReturnType<typeof setup>, steps: number): void {
  for (let i = 0; i < steps; i++) {
    policyGradientStep(state.graph, state.mlp, state.adam, randomPolicyBatch(state.rng, 8, 6, 4));
  }
}

const snapshot = (state: ReturnType<typeof setup>) => ({
  params: state.mlp.parameters().map((p) => Array.from(p.value)),
  first: state.adam.firstMoments.map((m) => Array.from(m)),
  second: state.adam.secondMoments.map((m) => Array.from(m)),
  steps: state.adam.stepCount,
});

async function savedAfter(
  name: string,
  steps: number,
): Promise<{ path: string; state: ReturnType<typeof setup> }> {
  const state = setup(1);
  train(state, steps);
  const path = join(folder, name);
  await saveCheckpoint(path, {
    architecture: ARCHITECTURE,
    params: state.mlp.parameters(),
    optimizer: state.adam,
    rng: state.rng,
    metadata: { iteration: steps },
  });
  return { path, state };
}

test("a checkpoint round-trips parameters, moments, step count and PRNG state bit for bit", async () => {
  const { path, state } = await savedAfter("round-trip.ckpt", 3);
  const fresh = setup(99);
  const loaded = await loadCheckpoint(path, {
    architecture: ARCHITECTURE,
    params: fresh.mlp.parameters(),
    optimizer: fresh.adam,
  });
  assert.deepEqual(snapshot(fresh), snapshot(state));
  assert.deepEqual(loaded.rng?.getState(), state.rng.getState());
  assert.deepEqual(loaded.metadata, { iteration: 3 });
});

test("training resumed from a checkpoint continues bit for bit like an uninterrupted run", async () => {
  const uninterrupted = setup(1);
  train(uninterrupted, 10);
  const { path } = await savedAfter("resume.ckpt", 5);
  const resumed = setup(42);
  const loaded = await loadCheckpoint(path, {
    architecture: ARCHITECTURE,
    params: resumed.mlp.parameters(),
    optimizer: resumed.adam,
  });
  assert.ok(loaded.rng !== null);
  train({ ...resumed, rng: loaded.rng }, 5);
  assert.deepEqual(snapshot(resumed), snapshot(uninterrupted));
});

test("a truncated checkpoint throws a CheckpointError naming the file and both sizes", async () => {
  const { path } = await savedAfter("truncated.ckpt", 1);
  const bytes = await readFile(path);
  await writeFile(path, bytes.subarray(0, bytes.length - 100));
  const target = setup(2);
  await assert.rejects(
    loadCheckpoint(path, { architecture: ARCHITECTURE, params: target.mlp.parameters() }),
    (e: unknown) => {
      assert.ok(e instanceof CheckpointError);
      assert.ok(e.message.includes(path));
      assert.match(
        e.message,
        new RegExp(`is truncated; expected ${bytes.length} bytes, got ${bytes.length - 100} bytes`),
      );
      return true;
    },
  );
});

test("a foreign file throws a CheckpointError saying it is not a Troupe checkpoint", async () => {
  const path = join(folder, "foreign.json");
  await writeFile(path, JSON.stringify({ weights: [1, 2, 3] }));
  await assert.rejects(
    loadCheckpoint(path, { architecture: ARCHITECTURE, params: setup(2).mlp.parameters() }),
    (e: unknown) => {
      assert.ok(e instanceof CheckpointError);
      assert.match(e.message, /foreign\.json: is not a Troupe checkpoint/);
      return true;
    },
  );
});

test("a corrupted byte in the data fails the checksum", async () => {
  const { path } = await savedAfter("corrupted.ckpt", 1);
  const bytes = await readFile(path);
  bytes[bytes.length - 40] ^= 0xff;
  await writeFile(path, bytes);
  await assert.rejects(
    loadCheckpoint(path, { architecture: ARCHITECTURE, params: setup(2).mlp.parameters() }),
    (e: unknown) => e instanceof CheckpointError && /checksum/.test(e.message),
  );
});

test("loading into another architecture names the tensor and both shapes and changes nothing", async () => {
  const { path } = await savedAfter("arch.ckpt", 1);
  const other = setup(3, [6, 12, 4]);
  const before = snapshot(other);
  await assert.rejects(
    loadCheckpoint(path, {
      architecture: "mlp 6-12-4",
      params: other.mlp.parameters(),
      optimizer: other.adam,
    }),
    (e: unknown) => {
      assert.ok(e instanceof CheckpointError);
      assert.match(
        e.message,
        /tensor "policy\.0\.weight" has another shape; expected 6×12 \(the model\), got 6×10 \(the file\)/,
      );
      return true;
    },
  );
  assert.deepEqual(snapshot(other), before);
});

test("a failed save (disk full) leaves the previous checkpoint loadable", async () => {
  const { path, state } = await savedAfter("atomic.ckpt", 2);
  const full: FileSystem = {
    ...nodeFileSystem,
    writeFileSynced: () => Promise.reject(Object.assign(new Error("no space"), { code: "ENOSPC" })),
  };
  train(state, 1);
  await assert.rejects(
    saveCheckpoint(path, { architecture: ARCHITECTURE, params: state.mlp.parameters() }, full),
    IoError,
  );
  const fresh = setup(7);
  const loaded = await loadCheckpoint(path, {
    architecture: ARCHITECTURE,
    params: fresh.mlp.parameters(),
    optimizer: fresh.adam,
  });
  assert.equal(fresh.adam.stepCount, 2);
  assert.deepEqual(loaded.metadata, { iteration: 2 });
});

test("a checkpoint of another format version throws a CheckpointError naming both versions", async () => {
  const { path } = await savedAfter("version.ckpt", 1);
  const bytes = await readFile(path);
  bytes.writeUInt32LE(99, 8);
  await writeFile(path, bytes);
  await assert.rejects(
    loadCheckpoint(path, { architecture: ARCHITECTURE, params: setup(2).mlp.parameters() }),
    (e: unknown) => {
      assert.ok(e instanceof CheckpointError);
      assert.match(e.message, /unsupported format version; expected 1, got 99/);
      return true;
    },
  );
});

test("the same tensors under another architecture fingerprint are refused", async () => {
  const { path } = await savedAfter("fingerprint.ckpt", 1);
  await assert.rejects(
    loadCheckpoint(path, {
      architecture: JSON.stringify({ mlp: SIZES, activation: "relu" }),
      params: setup(2).mlp.parameters(),
    }),
    (e: unknown) => e instanceof CheckpointError && /another architecture/.test(e.message),
  );
});

test("a training checkpoint loads into a model without an optimiser, for evaluation", async () => {
  const { path, state } = await savedAfter("eval.ckpt", 2);
  const fresh = setup(5);
  await loadCheckpoint(path, { architecture: ARCHITECTURE, params: fresh.mlp.parameters() });
  assert.deepEqual(snapshot(fresh).params, snapshot(state).params);
});

test("saving two parameters with the same name throws a CheckpointError naming it", async () => {
  const a = new Mlp("policy", [2, 2], "tanh", Rng.fromSeed(1));
  const b = new Mlp("policy", [2, 2], "tanh", Rng.fromSeed(2));
  await assert.rejects(
    saveCheckpoint(join(folder, "duplicate.ckpt"), {
      architecture: "x",
      params: [...a.parameters(), ...b.parameters()],
    }),
    (e: unknown) =>
      e instanceof CheckpointError && /"policy\.0\.weight": appears twice/.test(e.message),
  );
});
