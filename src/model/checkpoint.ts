/**
 * Checkpoints: parameters, Adam moments and step count, and the PRNG state in one binary file
 * that round-trips bit-exactly, written atomically.
 *
 * Layout (little-endian; tensors are copied as the host stores them, little-endian on every
 * platform Node supports in practice):
 *   magic "TRPCKPT\n" (8 bytes) · format version u32 · manifest length u32 · data length u32 ·
 *   manifest (UTF-8 JSON, space-padded to 4 bytes) · raw float32 data · CRC-32 of all before (u32)
 * The manifest lists every tensor (name, shape, offset in floats), the architecture fingerprint,
 * the optimiser's hyper-parameters and step count, the PRNG state and free-form metadata. A file
 * that is too short, has another magic, another version, a bad checksum, or tensors that do not
 * match the model fails with a CheckpointError naming the file (and tensor) and the fix; nothing
 * is changed in the model when loading fails.
 */
import { crc32 } from "node:zlib";
import { CheckpointError } from "../core/errors.js";
import { atomicWriteFile, type FileSystem, nodeFileSystem, readFileOrThrow } from "../core/fs.js";
import { Rng, type RngState } from "../core/prng.js";
import type { Adam } from "./adam.js";
import type { Parameter } from "./tensor.js";

const MAGIC = Buffer.from("TRPCKPT\n", "latin1");
/** The checkpoint format version this build writes and reads. */
export const CHECKPOINT_VERSION = 1;
const HEADER_BYTES = 20;
const TRAILER_BYTES = 4;

/** What goes into a checkpoint. */
export interface CheckpointContents {
  /**
   * A fingerprint of the architecture and config (e.g. `JSON.stringify(modelConfig)`); loading
   * requires the same string.
   */
  readonly architecture: string;
  readonly params: readonly Parameter[];
  readonly optimizer?: Adam;
  readonly rng?: Rng;
  /** Free-form JSON saved beside the tensors (iteration number, run id). */
  readonly metadata?: Record<string, unknown>;
}

/** What {@link loadCheckpoint} gives back besides filling the parameters and optimiser. */
export interface LoadedCheckpoint {
  /** The saved PRNG, restored, or null when none was saved. */
  readonly rng: Rng | null;
  readonly metadata: Record<string, unknown>;
}

interface TensorEntry {
  readonly name: string;
  readonly shape: [number, number];
  readonly offset: number;
}

interface Manifest {
  readonly format: "troupe-checkpoint";
  readonly architecture: string;
  readonly tensors: TensorEntry[];
  readonly optimizer: {
    readonly kind: "adam";
    readonly stepCount: number;
    readonly learningRate: number;
    readonly beta1: number;
    readonly beta2: number;
    readonly epsilon: number;
    readonly weightDecay: number;
  } | null;
  readonly rng: RngState | null;
  readonly metadata: Record<string, unknown>;
}

/** Serialises `contents` to the checkpoint byte layout described in the file header. */
export function encodeCheckpoint(contents: CheckpointContents): Uint8Array {
  const arrays: Float32Array[] = [];
  const tensors: TensorEntry[] = [];
  let offset = 0;
  const names = new Set<string>();
  const addTensor = (name: string, shape: [number, number], data: Float32Array) => {
    if (names.has(name)) {
      throw new CheckpointError({
        input: `checkpoint tensor "${name}"`,
        problem: "appears twice",
        expected: "unique parameter names",
        actual: `two tensors named "${name}"`,
        fix: "give every layer a distinct name (layer names prefix their parameters)",
      });
    }
    names.add(name);
    tensors.push({ name, shape, offset });
    arrays.push(data);
    offset += data.length;
  };
  for (const p of contents.params) addTensor(p.name, p.shape, p.value);
  const opt = contents.optimizer;
  if (opt !== undefined) {
    for (let i = 0; i < opt.params.length; i++) {
      const p = opt.params[i];
      addTensor(`adam.m/${p.name}`, p.shape, opt.firstMoments[i]);
    }
    for (let i = 0; i < opt.params.length; i++) {
      const p = opt.params[i];
      addTensor(`adam.v/${p.name}`, p.shape, opt.secondMoments[i]);
    }
  }
  const manifest: Manifest = {
    format: "troupe-checkpoint",
    architecture: contents.architecture,
    tensors,
    optimizer:
      opt === undefined
        ? null
        : {
            kind: "adam",
            stepCount: opt.stepCount,
            learningRate: opt.learningRate,
            beta1: opt.beta1,
            beta2: opt.beta2,
            epsilon: opt.epsilon,
            weightDecay: opt.weightDecay,
          },
    rng: contents.rng?.getState() ?? null,
    metadata: contents.metadata ?? {},
  };
  let manifestBytes = Buffer.from(JSON.stringify(manifest), "utf8");
  const padding = (4 - (manifestBytes.length % 4)) % 4;
  if (padding > 0) manifestBytes = Buffer.concat([manifestBytes, Buffer.alloc(padding, 0x20)]);
  const dataBytes = offset * 4;
  const total = HEADER_BYTES + manifestBytes.length + dataBytes + TRAILER_BYTES;
  const out = Buffer.alloc(total);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(CHECKPOINT_VERSION, 8);
  out.writeUInt32LE(manifestBytes.length, 12);
  out.writeUInt32LE(dataBytes, 16);
  manifestBytes.copy(out, HEADER_BYTES);
  let position = HEADER_BYTES + manifestBytes.length;
  for (const array of arrays) {
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), position);
    position += array.byteLength;
  }
  out.writeUInt32LE(crc32(out.subarray(0, position)), position);
  return out;
}

/**
 * Writes a checkpoint to `path` atomically (a crash leaves the old file or the new one).
 * @example
 * await saveCheckpoint("runs/a/step-100.ckpt", { architecture, params: model.parameters(), optimizer: adam, rng });
 * const { rng: restored } = await loadCheckpoint("runs/a/step-100.ckpt", { architecture, params, optimizer });
 */
export async function saveCheckpoint(
  path: string,
  contents: CheckpointContents,
  fs: FileSystem = nodeFileSystem,
): Promise<void> {
  await atomicWriteFile(path, encodeCheckpoint(contents), fs);
}

/**
 * Reads `path` into `target`'s parameters (and optimiser, when given), all or nothing, and returns
 * the saved PRNG and metadata. Throws a CheckpointError naming the file for a truncated, foreign,
 * corrupted or other-architecture checkpoint.
 */
export async function loadCheckpoint(
  path: string,
  target: Omit<CheckpointContents, "rng" | "metadata">,
  fs: FileSystem = nodeFileSystem,
): Promise<LoadedCheckpoint> {
  return decodeCheckpoint(await readFileOrThrow(path, fs), path, target);
}

/** {@link loadCheckpoint} on bytes already in memory; `source` names them in errors. */
export function decodeCheckpoint(
  bytes: Uint8Array,
  source: string,
  target: Omit<CheckpointContents, "rng" | "metadata">,
): LoadedCheckpoint {
  const { manifest, dataStart } = readManifest(
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    source,
  );
  const byName = new Map(manifest.tensors.map((t) => [t.name, t]));
  const opt = target.optimizer;
  const copies: [TensorEntry, Float32Array][] = [];
  const plan = (name: string, shape: [number, number], into: Float32Array) => {
    const entry = byName.get(name);
    if (entry === undefined) {
      throw checkpointError(
        source,
        `has no tensor "${name}"`,
        "a checkpoint of this model's architecture",
        `tensors ${[...byName.keys()].slice(0, 8).join(", ")}${byName.size > 8 ? ", …" : ""}`,
      );
    }
    if (entry.shape[0] !== shape[0] || entry.shape[1] !== shape[1]) {
      throw checkpointError(
        source,
        `tensor "${name}" has another shape`,
        `${shape[0]}×${shape[1]} (the model)`,
        `${entry.shape[0]}×${entry.shape[1]} (the file)`,
      );
    }
    copies.push([entry, into]);
  };
  for (const p of target.params) plan(p.name, p.shape, p.value);
  if (opt !== undefined) {
    if (manifest.optimizer === null) {
      throw checkpointError(
        source,
        "holds no optimiser state",
        "Adam moments and step count",
        "parameters only",
        "load it without an optimiser, or resume from a checkpoint saved with one",
      );
    }
    for (let i = 0; i < opt.params.length; i++) {
      const p = opt.params[i];
      plan(`adam.m/${p.name}`, p.shape, opt.firstMoments[i]);
    }
    for (let i = 0; i < opt.params.length; i++) {
      const p = opt.params[i];
      plan(`adam.v/${p.name}`, p.shape, opt.secondMoments[i]);
    }
  }
  // Optimiser moments may be left unread (loading a training checkpoint for evaluation); any
  // other tensor the model lacks means another architecture.
  const used = new Set(copies.map(([entry]) => entry.name));
  const extra = manifest.tensors.find(
    (t) => !used.has(t.name) && !(opt === undefined && t.name.startsWith("adam.")),
  );
  if (extra !== undefined) {
    throw checkpointError(
      source,
      `has tensor "${extra.name}" (${extra.shape[0]}×${extra.shape[1]}) that the model lacks`,
      "only the model's tensors",
      `${manifest.tensors.length} tensors`,
    );
  }
  if (manifest.architecture !== target.architecture) {
    throw checkpointError(
      source,
      "was saved by another architecture",
      JSON.stringify(target.architecture),
      JSON.stringify(manifest.architecture),
    );
  }
  for (const [entry, into] of copies) {
    const start = dataStart + entry.offset * 4;
    new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(
      bytes.subarray(start, start + into.byteLength),
    );
  }
  if (opt !== undefined && manifest.optimizer !== null)
    opt.stepCount = manifest.optimizer.stepCount;
  return {
    rng: manifest.rng === null ? null : Rng.fromState(manifest.rng),
    metadata: manifest.metadata,
  };
}

function readManifest(bytes: Buffer, source: string): { manifest: Manifest; dataStart: number } {
  const head = bytes.subarray(0, Math.min(MAGIC.length, bytes.length));
  if (!head.equals(MAGIC.subarray(0, head.length)) || bytes.length === 0) {
    throw checkpointError(
      source,
      "is not a Troupe checkpoint",
      `magic ${JSON.stringify(MAGIC.toString("latin1"))}`,
      `${JSON.stringify(head.toString("latin1"))}`,
      "pass a file written by saveCheckpoint",
    );
  }
  if (bytes.length < HEADER_BYTES) {
    throw truncated(source, HEADER_BYTES, bytes.length);
  }
  const version = bytes.readUInt32LE(8);
  if (version !== CHECKPOINT_VERSION) {
    throw checkpointError(
      source,
      "has an unsupported format version",
      String(CHECKPOINT_VERSION),
      String(version),
      "load it with the Troupe version that wrote it, or retrain",
    );
  }
  const manifestLength = bytes.readUInt32LE(12);
  const dataLength = bytes.readUInt32LE(16);
  const expected = HEADER_BYTES + manifestLength + dataLength + TRAILER_BYTES;
  if (bytes.length < expected) throw truncated(source, expected, bytes.length);
  if (bytes.length > expected) {
    throw checkpointError(
      source,
      "has trailing bytes after the checksum",
      `${expected} bytes`,
      `${bytes.length} bytes`,
      "the file was corrupted or appended to: use another checkpoint",
    );
  }
  const checksumAt = expected - TRAILER_BYTES;
  const stored = bytes.readUInt32LE(checksumAt);
  const computed = crc32(bytes.subarray(0, checksumAt));
  if (stored !== computed) {
    throw checkpointError(
      source,
      "fails its checksum (the file is corrupted)",
      `CRC-32 ${stored.toString(16)}`,
      computed.toString(16),
      "use another checkpoint; this one was damaged on disk or in transfer",
    );
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(
      bytes.subarray(HEADER_BYTES, HEADER_BYTES + manifestLength).toString("utf8"),
    ) as Manifest;
  } catch (cause) {
    throw checkpointError(
      source,
      "has a manifest that is not JSON",
      "a JSON manifest",
      String(cause),
      "use another checkpoint",
    );
  }
  if (manifest?.format !== "troupe-checkpoint" || !Array.isArray(manifest.tensors)) {
    throw checkpointError(
      source,
      "has a manifest of another format",
      '"troupe-checkpoint"',
      String(manifest?.format),
      "pass a file written by saveCheckpoint",
    );
  }
  for (const t of manifest.tensors) {
    if ((t.offset + t.shape[0] * t.shape[1]) * 4 > dataLength) {
      throw checkpointError(
        source,
        `tensor "${t.name}" lies outside the data section`,
        `≤ ${dataLength} bytes`,
        `${(t.offset + t.shape[0] * t.shape[1]) * 4}`,
        "use another checkpoint",
      );
    }
  }
  return { manifest, dataStart: HEADER_BYTES + manifestLength };
}

function truncated(source: string, expected: number, actual: number): CheckpointError {
  return checkpointError(
    source,
    "is truncated",
    `${expected} bytes`,
    `${actual} bytes`,
    "the write was interrupted or the copy is incomplete: use an earlier checkpoint or copy it again",
  );
}

function checkpointError(
  source: string,
  problem: string,
  expected: string,
  actual: string,
  fix = "load it into the model it was saved from, or start training afresh",
): CheckpointError {
  return new CheckpointError({ input: `checkpoint ${source}`, problem, expected, actual, fix });
}
