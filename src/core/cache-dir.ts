/** Where Troupe keeps what it builds once and reuses (packed word vectors, the built-in suite). */
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The cache root: `$TROUPE_CACHE_DIR`, else `$XDG_CACHE_HOME/troupe`, else `~/.cache/troupe`.
 * Everything under it can be deleted; it is rebuilt on the next use.
 */
export function troupeCacheDir(): string {
  return (
    process.env.TROUPE_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "troupe")
  );
}
