/**
 * The one small file-system layer Troupe writes through. Writes are atomic (temp file in the same
 * folder, fsync, rename, fsync of the folder), so a crash or a full disk leaves either the old
 * file or the new one, never half of one. Tests swap in a {@link FileSystem} that fails (ENOSPC,
 * EACCES) to check that nothing already saved is lost.
 */
import * as nodeFs from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { IoError } from "./errors.js";

/** The file operations Troupe needs; the default is node's `fs/promises`. */
export interface FileSystem {
  readFile(path: string): Promise<Buffer>;
  /** Writes the whole buffer to a new or truncated file and fsyncs it before closing. */
  writeFileSynced(path: string, data: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string): Promise<void>;
  /** Flushes a folder's entries (after a rename); a no-op where the platform cannot. */
  fsyncDir(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
}

/** The real file system. */
export const nodeFileSystem: FileSystem = {
  readFile: (path) => nodeFs.readFile(path),
  async writeFileSynced(path, data) {
    const handle = await nodeFs.open(path, "w");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename: (from, to) => nodeFs.rename(from, to),
  unlink: (path) => nodeFs.unlink(path),
  async mkdir(path) {
    await nodeFs.mkdir(path, { recursive: true });
  },
  async fsyncDir(path) {
    let handle: nodeFs.FileHandle | undefined;
    try {
      handle = await nodeFs.open(path, "r");
      await handle.sync();
    } catch {
      // Some platforms (Windows, some network file systems) cannot fsync a folder; the rename
      // itself is still atomic there.
    } finally {
      await handle?.close();
    }
  },
  async exists(path) {
    try {
      await nodeFs.stat(path);
      return true;
    } catch {
      return false;
    }
  },
};

let tempCounter = 0;

/**
 * Writes `data` to `path` atomically: readers see the old content or the new, never a mix.
 * Creates the parent folder. On failure the temp file is removed and the old file is untouched.
 * @example await atomicWriteFile("runs/a/config.json", JSON.stringify(config));
 */
export async function atomicWriteFile(
  path: string,
  data: string | Uint8Array,
  fs: FileSystem = nodeFileSystem,
): Promise<void> {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const folder = dirname(path);
  tempCounter += 1;
  const temp = join(folder, `.${basename(path)}.tmp-${process.pid}-${tempCounter}`);
  try {
    await fs.mkdir(folder);
    await fs.writeFileSynced(temp, bytes);
    await fs.rename(temp, path);
  } catch (error) {
    await fs.unlink(temp).catch(() => undefined);
    throw ioError(path, "could not be written", error);
  }
  await fs.fsyncDir(folder);
}

/** Reads a whole file, with an error that names the path and the fix when it cannot. */
export async function readFileOrThrow(
  path: string,
  fs: FileSystem = nodeFileSystem,
): Promise<Buffer> {
  try {
    return await fs.readFile(path);
  } catch (error) {
    throw ioError(path, "could not be read", error);
  }
}

function ioError(path: string, problem: string, cause: unknown): IoError {
  const code = (cause as { code?: string } | null)?.code ?? "unknown";
  const fixes: Record<string, string> = {
    ENOSPC: "free disk space (nothing already saved was changed), then run again",
    EACCES: "check the permissions of the file and its folder",
    EPERM: "check the permissions of the file and its folder",
    ENOENT: "check that the path exists and is spelled right",
    EROFS: "write to a folder on a writable file system",
  };
  return new IoError({
    input: path,
    problem: `${problem} (${code})`,
    fix: fixes[code] ?? "check the path and the disk, then run again",
    cause,
  });
}
