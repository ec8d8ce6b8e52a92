/**
 * The feature cache: wraps any {@link TextEncoder} so that a text is encoded at most once per
 * encoder identity: an in-memory LRU in front of an optional on-disk store keyed by
 * (encoder identity, SHA-256 of the text). Each disk entry is one small file written atomically,
 * with a header (magic, dimension, checksum), so concurrent writers and interrupted writes leave a
 * whole entry or none; an entry that fails its checks is re-encoded and rewritten, never trusted.
 *
 *   <dir>/<sha256(identity)[0..16]>/identity.txt     the encoder identity, for people
 *   <dir>/<sha256(identity)[0..16]>/ab/<sha256(text)>.f32
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { atomicWriteFile, type FileSystem, nodeFileSystem } from "../core/fs.js";
import { mapLimited } from "../openai/limiter.js";
import type { TextEncoder } from "./encoder.js";
import { LruMap } from "./lru.js";

/** Options of {@link CachedEncoder}. */
export interface FeatureCacheOptions {
  /** Rows kept in memory. Default 100,000 (80 MB at 200-d). 0 turns the memory cache off. */
  readonly memoryRows?: number;
  /** Folder of the on-disk store; none when left out. */
  readonly dir?: string;
  readonly fs?: FileSystem;
  /** Disk reads and writes in flight at once. Default 16. */
  readonly diskConcurrency?: number;
}

/** Where the rows of the last calls came from. */
export interface CacheStats {
  memoryHits: number;
  diskHits: number;
  /** Texts passed to the wrapped encoder. */
  encoded: number;
  /** Disk entries found corrupt and rewritten. */
  rebuilt: number;
}

const MAGIC = 0x46505254; // "TRPF" little-endian
const HEADER_BYTES = 12;

/** A {@link TextEncoder} that remembers rows in memory and, with `dir`, on disk. */
export class CachedEncoder implements TextEncoder {
  readonly name: string;
  readonly dimension: number;
  readonly identity: string;
  readonly stats: CacheStats = { memoryHits: 0, diskHits: 0, encoded: 0, rebuilt: 0 };
  private readonly memory: LruMap<string, Float32Array>;
  private readonly folder: string | undefined;
  private readonly fs: FileSystem;
  private readonly diskConcurrency: number;
  private identityWritten = false;

  constructor(
    private readonly inner: TextEncoder,
    options: FeatureCacheOptions = {},
  ) {
    this.name = inner.name;
    this.dimension = inner.dimension;
    // Same features, same identity: a checkpoint trained through the cache matches the bare encoder.
    this.identity = inner.identity;
    this.memory = new LruMap(options.memoryRows ?? 100_000);
    this.fs = options.fs ?? nodeFileSystem;
    this.diskConcurrency = options.diskConcurrency ?? 16;
    this.folder =
      options.dir === undefined
        ? undefined
        : join(options.dir, sha256(inner.identity).slice(0, 16));
  }

  async encode(texts: readonly string[]): Promise<Float32Array> {
    const d = this.dimension;
    const out = new Float32Array(texts.length * d);
    // Texts not in memory, each with the rows that want it (a batch may repeat a text).
    const missing = new Map<string, number[]>();
    for (let i = 0; i < texts.length; i++) {
      const row = this.memory.get(texts[i]);
      if (row !== undefined) {
        out.set(row, i * d);
        this.stats.memoryHits++;
        continue;
      }
      const rows = missing.get(texts[i]);
      if (rows === undefined) missing.set(texts[i], [i]);
      else rows.push(i);
    }
    if (missing.size === 0) return out;

    let toEncode = [...missing.keys()];
    if (this.folder !== undefined) {
      const fromDisk = await mapLimited(toEncode, this.diskConcurrency, (text) =>
        this.readEntry(text),
      );
      const stillMissing: string[] = [];
      toEncode.forEach((text, k) => {
        const row = fromDisk[k];
        if (row === undefined) stillMissing.push(text);
        else {
          this.stats.diskHits++;
          this.remember(text, row, missing, out);
        }
      });
      toEncode = stillMissing;
    }
    if (toEncode.length === 0) return out;

    const encoded = await this.inner.encode(toEncode);
    this.stats.encoded += toEncode.length;
    const rows = toEncode.map((_, k) => encoded.slice(k * d, (k + 1) * d));
    for (let k = 0; k < toEncode.length; k++) this.remember(toEncode[k], rows[k], missing, out);
    if (this.folder !== undefined) {
      await this.writeIdentity();
      await mapLimited(toEncode, this.diskConcurrency, (text, k) => this.writeEntry(text, rows[k]));
    }
    return out;
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }

  private remember(
    text: string,
    row: Float32Array,
    missing: Map<string, number[]>,
    out: Float32Array,
  ): void {
    this.memory.set(text, row);
    for (const i of missing.get(text) ?? []) out.set(row, i * this.dimension);
  }

  private entryPath(text: string): string {
    const hash = sha256(text);
    return join(this.folder as string, hash.slice(0, 2), `${hash}.f32`);
  }

  /** The stored row of `text`, or `undefined` when there is none or it fails its checks. */
  private async readEntry(text: string): Promise<Float32Array | undefined> {
    let bytes: Buffer;
    try {
      bytes = await this.fs.readFile(this.entryPath(text));
    } catch {
      return undefined;
    }
    const d = this.dimension;
    const valid =
      bytes.length === HEADER_BYTES + 4 * d &&
      bytes.readUInt32LE(0) === MAGIC &&
      bytes.readUInt32LE(4) === d &&
      bytes.readUInt32LE(8) === checksum(bytes, HEADER_BYTES);
    if (!valid) {
      this.stats.rebuilt++;
      return undefined;
    }
    const row = new Float32Array(d);
    new Uint8Array(row.buffer).set(bytes.subarray(HEADER_BYTES));
    return row;
  }

  private async writeEntry(text: string, row: Float32Array): Promise<void> {
    const bytes = Buffer.alloc(HEADER_BYTES + row.byteLength);
    bytes.set(new Uint8Array(row.buffer, row.byteOffset, row.byteLength), HEADER_BYTES);
    bytes.writeUInt32LE(MAGIC, 0);
    bytes.writeUInt32LE(this.dimension, 4);
    bytes.writeUInt32LE(checksum(bytes, HEADER_BYTES), 8);
    await atomicWriteFile(this.entryPath(text), bytes, this.fs);
  }

  private async writeIdentity(): Promise<void> {
    if (this.identityWritten) return;
    await atomicWriteFile(
      join(this.folder as string, "identity.txt"),
      `${this.identity}\n`,
      this.fs,
    );
    this.identityWritten = true;
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function checksum(bytes: Uint8Array, start: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  return hash >>> 0;
}
