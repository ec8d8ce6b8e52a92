import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { InputError } from "../core/errors.js";
import { contentHash } from "../core/json.js";
import { taskFamilies } from "./families.js";
import { suiteStats } from "./stats.js";
import {
  apportion,
  DEFAULT_SUITE_SIZE,
  generateSuite,
  generatorStamp,
  plannedCounts,
  SPLITS,
  STRATA,
  TRAIN_MAX,
} from "./suite.js";
import { defaultSuiteDir, loadDefaultSuite, readSuite, writeSuite } from "./suite-io.js";

const SMALL = 140;
const small = generateSuite(5, SMALL);
const all = SPLITS.flatMap((s) => small.splits[s]);

describe("suite layout", () => {
  test("the default suite plans 11,300 tasks, half per family, every stratum non-empty", () => {
    const counts = plannedCounts(DEFAULT_SUITE_SIZE, ["planning", "allocation"]);
    const total = [...counts.values()].reduce((x, y) => x + y, 0);
    assert.equal(total, 11_300);
    for (const family of ["planning", "allocation"]) {
      const perFamily = STRATA.reduce(
        (sum, s) => sum + (counts.get(`${family}/${s.name}`) ?? 0),
        0,
      );
      assert.equal(perFamily, 5650);
    }
    assert.ok([...counts.values()].every((c) => c > 0));
  });

  test("apportion splits a total into parts that sum to it", () => {
    assert.deepEqual(apportion(10, [1, 1, 1]), [4, 3, 3]);
    assert.equal(
      apportion(
        11_300,
        STRATA.map((s) => s.share),
      ).reduce((x, y) => x + y, 0),
      11_300,
    );
  });

  test("a generated suite holds exactly the planned count per family and stratum", () => {
    const planned = plannedCounts(SMALL, ["planning", "allocation"]);
    const found = new Map<string, number>();
    for (const task of all)
      found.set(
        `${task.family}/${task.stratum}`,
        (found.get(`${task.family}/${task.stratum}`) ?? 0) + 1,
      );
    assert.deepEqual(found, new Map([...planned].filter(([, c]) => c > 0)));
  });

  test("splits are disjoint by content hash", () => {
    const seen = new Map<string, string>();
    for (const split of SPLITS) {
      for (const task of small.splits[split]) {
        const hash = contentHash({ ...task, id: "", stratum: "" });
        assert.equal(
          seen.get(hash),
          undefined,
          `${task.id} duplicates a task of ${seen.get(hash)}`,
        );
        seen.set(hash, split);
      }
    }
  });

  test("test-only strata, longer horizons and larger teams never appear in train or validation", () => {
    const testOnly = new Set(STRATA.filter((s) => s.testOnly).map((s) => s.name));
    for (const task of [...small.splits.train, ...small.splits.validation]) {
      assert.ok(!testOnly.has(task.stratum), task.id);
      assert.ok(
        task.params.agents <= TRAIN_MAX.agents && task.params.horizon <= TRAIN_MAX.horizon,
        task.id,
      );
    }
    assert.ok(small.splits.test.some((t) => t.params.agents > TRAIN_MAX.agents));
    assert.ok(small.splits.test.some((t) => t.params.horizon > TRAIN_MAX.horizon));
  });
});

describe("suite files", () => {
  test("the same seed writes byte-identical files", async () => {
    const [a, b] = await Promise.all([0, 1].map(() => mkdtemp(join(tmpdir(), "troupe-suite-"))));
    await writeSuite(a, 3, 28);
    await writeSuite(b, 3, 28);
    for (const file of ["train.jsonl", "validation.jsonl", "test.jsonl", "manifest.json"]) {
      assert.ok((await readFile(join(a, file))).equals(await readFile(join(b, file))), file);
    }
  });

  test("a written suite reads back unchanged", async () => {
    const dir = await mkdtemp(join(tmpdir(), "troupe-suite-"));
    const manifest = await writeSuite(dir, 4, 28);
    const loaded = await readSuite(dir);
    assert.equal(loaded.manifest.contentHash, manifest.contentHash);
    assert.equal(contentHash(loaded.splits), manifest.contentHash);
  });

  test("a truncated task file is refused naming the file and line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "troupe-suite-"));
    await writeSuite(dir, 4, 28);
    const path = join(dir, "train.jsonl");
    const text = await readFile(path, "utf8");
    await writeFile(path, text.slice(0, text.length - 40));
    const lines = text.split("\n").length - 1;
    await assert.rejects(
      readSuite(dir),
      (e: unknown) =>
        e instanceof InputError &&
        e.message.includes(`train.jsonl:${lines}`) &&
        /truncated/.test(e.message),
    );
  });

  test("the built-in suite lives under $TROUPE_CACHE_DIR and is read from there once generated", async () => {
    const cache = await mkdtemp(join(tmpdir(), "troupe-cache-"));
    const saved = process.env.TROUPE_CACHE_DIR;
    process.env.TROUPE_CACHE_DIR = cache;
    try {
      assert.equal(defaultSuiteDir(), join(cache, `tasks-seed-0-${generatorStamp()}`));
      // A suite already in the cache is used as is, not regenerated (this one is small on purpose).
      const cached = await writeSuite(defaultSuiteDir(), 0, 28);
      const loaded = await loadDefaultSuite();
      assert.equal(loaded.manifest.contentHash, cached.contentHash);
      assert.equal(loaded.manifest.count, 28);
    } finally {
      if (saved === undefined) delete process.env.TROUPE_CACHE_DIR;
      else process.env.TROUPE_CACHE_DIR = saved;
    }
  });

  test("the cache folder is keyed by the generator: a changed generator or policy never reads a stale suite", () => {
    const families = [...taskFamilies.values()];
    const stamp = generatorStamp(families);
    assert.match(stamp, /^[0-9a-f]{12}$/);
    assert.equal(generatorStamp(families), stamp, "the stamp is deterministic");
    assert.ok(defaultSuiteDir().endsWith(`tasks-seed-0-${stamp}`));
    const [first, ...rest] = families;
    // A generator that makes other tasks (here: one more step of horizon).
    const otherGenerator = {
      ...first,
      generate: (
        header: Parameters<typeof first.generate>[0],
        rng: Parameters<typeof first.generate>[1],
      ) =>
        first.generate(
          { ...header, params: { ...header.params, horizon: header.params.horizon + 1 } },
          rng,
        ),
    };
    // Reference policies that play otherwise (here: the oracle replaced by do-nothing).
    const otherPolicies = {
      ...first,
      policy: (name: Parameters<typeof first.policy>[0]) =>
        first.policy(name === "oracle" ? "nothing" : name),
    };
    const bumped = { ...first, version: first.version + 1 };
    for (const changed of [otherGenerator, otherPolicies, bumped]) {
      assert.notEqual(generatorStamp([changed, ...rest]), stamp);
    }
  });

  test("a truncated manifest is refused naming the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "troupe-suite-"));
    await writeSuite(dir, 4, 28);
    const path = join(dir, "manifest.json");
    await writeFile(path, (await readFile(path, "utf8")).slice(0, 50));
    await assert.rejects(
      readSuite(dir),
      (e: unknown) =>
        e instanceof InputError && e.message.includes("manifest.json: not valid JSON"),
    );
  });

  test("a task of an unknown family is refused naming the field", async () => {
    const dir = await mkdtemp(join(tmpdir(), "troupe-suite-"));
    await writeSuite(dir, 4, 28);
    const path = join(dir, "validation.jsonl");
    const text = await readFile(path, "utf8");
    await writeFile(path, text.replace('"family":"planning"', '"family":"poker"'));
    await assert.rejects(
      readSuite(dir),
      (e: unknown) =>
        e instanceof InputError &&
        /validation\.jsonl:\d+ field "family".*"planning", "allocation"/.test(e.message),
    );
  });
});

describe("coordination gaps on a small sample", () => {
  const rows = suiteStats(all);
  test("in the coupled core strata both gaps are at least 0.2 on average", () => {
    const core = rows.filter((r) => r.stratum === "core" || r.stratum === "tight-coupling");
    const mean = (f: (r: (typeof rows)[number]) => number) =>
      core.reduce((s, r) => s + f(r) * r.tasks, 0) / core.reduce((s, r) => s + r.tasks, 0);
    assert.ok(
      mean((r) => r.coordinationGap) >= 0.2,
      `coordination gap ${mean((r) => r.coordinationGap)}`,
    );
    assert.ok(
      mean((r) => r.communicationGap) >= 0.2,
      `communication gap ${mean((r) => r.communicationGap)}`,
    );
  });

  test("in the negative control both gaps are about zero", () => {
    for (const r of rows.filter((x) => x.stratum === "negative-control")) {
      assert.ok(
        Math.abs(r.coordinationGap) < 0.02 && Math.abs(r.communicationGap) < 0.02,
        `${r.family}: ${r.coordinationGap}, ${r.communicationGap}`,
      );
    }
  });
});
