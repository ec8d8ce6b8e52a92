/** Bad input to the study: unknown presets and keys, a folder of another study, a held lock, a full disk. */
import assert from "node:assert/strict";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ConfigError, IoError, StateError } from "../src/core/errors.js";
import { type FileSystem, nodeFileSystem } from "../src/core/fs.js";
import { resolveStudyConfig } from "../src/experiment/presets.js";
import { acquireLock, readFinished } from "../src/experiment/store.js";
import { runStudy } from "../src/experiment/study.js";
import { tempFolder } from "./reproduce-support.js";

/** A two-method, two-seed, one-point study: the smallest the protocol allows (6 runs). */
const small = () =>
  resolveStudyConfig("tiny", {
    methods: ["coordinated", "decentralized"],
    seeds: [0, 1],
    grid: [{ learningRate: 1e-3, gamma: 0.99, rolloutSteps: 8 }],
    methodGrids: {},
    workers: 2,
  });

describe("reproduce bad input", () => {
  let root = "";
  before(async () => {
    root = await tempFolder("reproduce-errors");
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test("an unknown preset is refused with the valid ones listed", () => {
    assert.throws(
      () => resolveStudyConfig("huge"),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /tiny, quick, paper/);
        return true;
      },
    );
  });

  test("an unknown config key is refused with the valid keys listed", () => {
    assert.throws(
      () => resolveStudyConfig("tiny", { learningrate: 1 }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /learningrate/);
        assert.match(e.message, /budget/);
        return true;
      },
    );
  });

  test("tuning seeds that overlap the reported seeds are refused", () => {
    assert.throws(
      () => resolveStudyConfig("tiny", { tuningSeeds: [3] }),
      /overlaps the reported seeds/,
    );
  });

  test("a folder holding a different study is refused, naming it and suggesting --out or --resume", async () => {
    const dir = join(root, "other");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "study.json"), JSON.stringify({ identity: "abc", preset: "quick" }));
    await assert.rejects(
      runStudy({ config: small(), dir, resume: true, log: () => {} }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /holds a different study \(preset quick/);
        assert.match(e.message, /--out/);
        assert.match(e.message, /--resume/);
        return true;
      },
    );
  });

  test("a lock held by a live process stops a second writer", async () => {
    const dir = join(root, "locked");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "study.lock"), String(process.ppid));
    await assert.rejects(acquireLock(dir), (e: unknown) => {
      assert.ok(e instanceof StateError);
      assert.match(e.message, new RegExp(`pid ${process.ppid}`));
      return true;
    });
  });

  test("a stale lock (its process gone) is taken over", async () => {
    const dir = join(root, "stale");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "study.lock"), "2147483646");
    const release = await acquireLock(dir);
    await release();
    assert.deepEqual(await readdir(dir), []);
  });

  test("a damaged run result is reported by run and redone", async () => {
    const dir = join(root, "damaged");
    const spec = {
      id: "final-bc-s0",
      phase: "final",
      method: "bc",
      seed: 0,
      point: 0,
      budget: 96,
    } as const;
    await mkdir(join(dir, "runs", spec.id), { recursive: true });
    await writeFile(join(dir, "runs", spec.id, "result.json"), '{"spec": {"id": "final-bc');
    const lines: string[] = [];
    assert.equal(await readFinished(dir, spec, (l) => lines.push(l)), null);
    assert.match(lines.join(""), /run final-bc-s0: damaged result/);
  });

  test("a full disk fails the write, keeps the finished runs, and --resume completes without rerunning them", async () => {
    const dir = join(root, "full");
    const full: FileSystem = {
      ...nodeFileSystem,
      async writeFileSynced(path, data) {
        if (path.includes("report.md")) {
          throw Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), {
            code: "ENOSPC",
          });
        }
        return nodeFileSystem.writeFileSynced(path, data);
      },
    };
    await assert.rejects(
      runStudy({ config: small(), dir, resume: false, log: () => {}, fs: full }),
      (e: unknown) => {
        assert.ok(e instanceof IoError);
        assert.match(e.message, /ENOSPC/);
        return true;
      },
    );
    const runs = await readdir(join(dir, "runs"));
    assert.equal(runs.length, 6);
    assert.ok(!(await readdir(dir)).includes("results.json"));
    const lines: string[] = [];
    const outcome = await runStudy({
      config: small(),
      dir,
      resume: true,
      log: (l) => lines.push(l),
    });
    assert.equal(outcome.alreadyFinished, false);
    assert.equal(lines.filter((l) => l.includes("(kept)")).length, 6);
    assert.ok((await readdir(dir)).includes("results.json"));
  });
});
