/**
 * The study folder: its identity file (study.json, the hash of the resolved config), the lock that
 * stops a second live process from writing the same folder, and reading back finished runs. A run
 * is finished when its result.json parses and names the same spec; a damaged one is reported and
 * only that run is redone.
 */
import { open, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError, StateError } from "../core/errors.js";
import { atomicWriteFile, type FileSystem, nodeFileSystem } from "../core/fs.js";
import { canonicalJson, contentHash } from "../core/json.js";
import type { StudyConfig } from "./presets.js";
import { type RunResult, type RunSpec, runDir } from "./run.js";

/** The study identity: everything in the config that changes results (not the worker count). */
export function studyIdentity(config: StudyConfig): string {
  const { workers: _workers, ...rest } = config;
  return contentHash(rest);
}

/** What the folder holds now. */
export type FolderState = "empty" | "same-unfinished" | "same-finished";

/**
 * Checks `dir` against `config`: refuses a folder holding another study (or other files), and
 * an unfinished same study without `resume`.
 */
export async function checkFolder(
  dir: string,
  config: StudyConfig,
  resume: boolean,
  fs: FileSystem = nodeFileSystem,
): Promise<FolderState> {
  const identityFile = join(dir, "study.json");
  if (!(await fs.exists(identityFile))) {
    if (await fs.exists(join(dir, "runs"))) {
      throw new ConfigError({
        input: `--out ${dir}`,
        problem: "holds runs but no study.json",
        fix: "pass another --out folder (or delete this one)",
      });
    }
    return "empty";
  }
  let stored: { identity?: string; preset?: string } = {};
  try {
    stored = JSON.parse(await readFile(identityFile, "utf8")) as typeof stored;
  } catch {
    stored = {};
  }
  if (stored.identity !== studyIdentity(config)) {
    throw new ConfigError({
      input: `--out ${dir}`,
      problem: `holds a different study (preset ${stored.preset ?? "unknown"}, identity ${String(stored.identity).slice(0, 12)})`,
      expected: `study ${studyIdentity(config).slice(0, 12)} (preset ${config.preset})`,
      fix: "pass another --out folder, or the same preset and config with --resume",
    });
  }
  if (await fs.exists(join(dir, "results.json"))) return "same-finished";
  if (!resume) {
    throw new ConfigError({
      input: `--out ${dir}`,
      problem: "holds an unfinished run of this study",
      fix: "add --resume to continue it, or pass another --out folder",
    });
  }
  return "same-unfinished";
}

/** Writes study.json. */
export async function writeIdentity(
  dir: string,
  config: StudyConfig,
  fs?: FileSystem,
): Promise<void> {
  await atomicWriteFile(
    join(dir, "study.json"),
    `${canonicalJson({ identity: studyIdentity(config), preset: config.preset })}\n`,
    fs,
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/** Takes `dir/study.lock` for this process; a stale lock (its process gone) is taken over. */
export async function acquireLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, "study.lock");
  await nodeFileSystem.mkdir(dir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw error;
      const pid = Number((await readFile(path, "utf8").catch(() => "")).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new StateError({
          input: path,
          problem: `another live process (pid ${pid}) is writing this study`,
          fix: "wait for it to finish, stop it, or pass another --out folder",
        });
      }
      await unlink(path).catch(() => undefined);
    }
  }
  throw new StateError({
    input: path,
    problem: "could not be taken",
    fix: "remove the stale lock file and run again",
  });
}

/**
 * The finished result of `spec` in `dir`, or null when it has none. A result.json that does not
 * parse or names another spec is damaged: `warn` is told which run, and it is redone.
 */
export async function readFinished(
  dir: string,
  spec: RunSpec,
  warn: (line: string) => void,
  fs: FileSystem = nodeFileSystem,
): Promise<RunResult | null> {
  const path = join(runDir(dir, spec.id), "result.json");
  if (!(await fs.exists(path))) return null;
  try {
    const result = JSON.parse((await fs.readFile(path)).toString("utf8")) as RunResult;
    if (canonicalJson(result.spec) !== canonicalJson(spec)) throw new Error("another spec");
    return result;
  } catch {
    warn(`troupe reproduce: run ${spec.id}: damaged result (${path}); running it again\n`);
    return null;
  }
}
