/**
 * Suite files: `DIR/{train,validation,test}.jsonl` (one canonical-JSON task per line) and
 * `DIR/manifest.json` (counts, strata ranges, rejections, per-file sha256 and a content hash over
 * the canonical JSON of every task; no timestamps, so the same seed gives byte-identical files).
 * Reading validates every line and names file, line and field on error.
 */
import { join } from "node:path";
import { troupeCacheDir } from "../core/cache-dir.js";
import { InputError } from "../core/errors.js";
import { atomicWriteFile, nodeFileSystem, readFileOrThrow } from "../core/fs.js";
import {
  canonicalJson,
  contentHash,
  fieldError,
  parseJsonl,
  sha256Hex,
  toJsonl,
} from "../core/json.js";

import { ORACLE_MARGIN } from "./evaluate.js";
import { taskFamilies } from "./families.js";
import {
  DEFAULT_SUITE_SIZE,
  generateSuite,
  generatorStamp,
  SPLITS,
  type Split,
  STRATA,
  type Stratum,
  TRAIN_MAX,
} from "./suite.js";
import type { TaskHeader } from "./types.js";

/** What manifest.json records. */
export interface SuiteManifest {
  readonly format: "troupe-tasks";
  readonly version: 1;
  readonly seed: number;
  readonly count: number;
  /** Tasks per split, family and stratum. */
  readonly counts: Record<Split, Record<string, Record<string, number>>>;
  readonly strata: readonly Stratum[];
  readonly trainMax: typeof TRAIN_MAX;
  readonly oracleMargin: number;
  /** Rejected candidates per `family/stratum`. */
  readonly rejections: Record<string, number>;
  readonly files: Record<
    Split,
    { readonly file: string; readonly tasks: number; readonly sha256: string }
  >;
  /** sha256 of the canonical JSON of { train, validation, test } task arrays. */
  readonly contentHash: string;
}

/** A suite read from disk. */
export interface LoadedSuite {
  readonly manifest: SuiteManifest;
  readonly splits: Record<Split, TaskHeader[]>;
}

/** Generates the suite and writes it to `dir`; returns the manifest. */
export async function writeSuite(
  dir: string,
  seed: number,
  count = DEFAULT_SUITE_SIZE,
): Promise<SuiteManifest> {
  const { splits, rejections } = generateSuite(seed, count);
  const files = {} as SuiteManifest["files"];
  const counts = {} as SuiteManifest["counts"];
  for (const split of SPLITS) {
    const text = toJsonl(splits[split]);
    await atomicWriteFile(join(dir, `${split}.jsonl`), text);
    files[split] = { file: `${split}.jsonl`, tasks: splits[split].length, sha256: sha256Hex(text) };
    counts[split] = {};
    for (const task of splits[split]) {
      const perFamily = counts[split][task.family] ?? {};
      perFamily[task.stratum] = (perFamily[task.stratum] ?? 0) + 1;
      counts[split][task.family] = perFamily;
    }
  }
  const manifest: SuiteManifest = {
    format: "troupe-tasks",
    version: 1,
    seed,
    count,
    counts,
    strata: STRATA,
    trainMax: TRAIN_MAX,
    oracleMargin: ORACLE_MARGIN,
    rejections,
    files,
    contentHash: contentHash(splits),
  };
  await atomicWriteFile(
    join(dir, "manifest.json"),
    `${JSON.stringify(JSON.parse(canonicalJson(manifest)), null, 2)}\n`,
  );
  return manifest;
}

/** Parses and validates one task record with the family it names. */
export function validateTask(raw: unknown, where: string): TaskHeader {
  const name = (raw as { family?: unknown } | null)?.family;
  const family = typeof name === "string" ? taskFamilies.get(name) : undefined;
  if (family === undefined) {
    throw fieldError(
      where,
      "family",
      `one of ${[...taskFamilies.keys()].map((k) => `"${k}"`).join(", ")}`,
      name,
    );
  }
  return family.validate(raw, where);
}

/** Reads and validates a suite folder written by {@link writeSuite}. */
export async function readSuite(dir: string): Promise<LoadedSuite> {
  const manifestPath = join(dir, "manifest.json");
  const manifestText = (await readFileOrThrow(manifestPath)).toString("utf8");
  let manifest: SuiteManifest;
  try {
    manifest = JSON.parse(manifestText) as SuiteManifest;
  } catch (error) {
    throw new InputError({
      input: manifestPath,
      problem: "not valid JSON (truncated?)",
      fix: "regenerate the suite with `troupe tasks generate --out DIR`",
      cause: error,
    });
  }
  if (manifest.format !== "troupe-tasks" || manifest.version !== 1) {
    throw fieldError(
      manifestPath,
      "format/version",
      '"troupe-tasks" version 1',
      `${manifest.format} ${manifest.version}`,
    );
  }
  const splits = {} as Record<Split, TaskHeader[]>;
  const ids = new Set<string>();
  for (const split of SPLITS) {
    const path = join(dir, `${split}.jsonl`);
    const text = (await readFileOrThrow(path)).toString("utf8");
    splits[split] = parseJsonl(text, path).map(({ value, where }) => {
      const task = validateTask(value, where);
      if (ids.has(task.id))
        throw fieldError(where, "id", "an id not used by another task", task.id);
      ids.add(task.id);
      return task;
    });
    const expected = manifest.files?.[split]?.sha256;
    if (expected !== sha256Hex(text)) {
      throw new InputError({
        input: path,
        problem: "content does not match the manifest's sha256",
        expected: String(expected),
        actual: sha256Hex(text),
        fix: "the file was changed or truncated after generation; regenerate the suite",
      });
    }
  }
  return { manifest, splits };
}

let stamp: string | undefined;

/**
 * Where the built-in suite (seed 0) is cached: `tasks-seed-0-<stamp>` under
 * {@link troupeCacheDir}, `<stamp>` being {@link generatorStamp} (computed once per process). A
 * generator or reference-policy change gives a new folder, so a stale suite is never read; older
 * folders are left for the user to delete (anything under the cache folder can be).
 */
export function defaultSuiteDir(): string {
  stamp ??= generatorStamp();
  return join(troupeCacheDir(), `tasks-seed-0-${stamp}`);
}

/**
 * The built-in suite (seed 0, 11,300 tasks), generated once into the cache (keyed by the
 * generator's stamp, see {@link defaultSuiteDir}) and read from there.
 */
export async function loadDefaultSuite(): Promise<LoadedSuite> {
  const dir = defaultSuiteDir();
  if (!(await nodeFileSystem.exists(join(dir, "manifest.json")))) await writeSuite(dir, 0);
  return readSuite(dir);
}
