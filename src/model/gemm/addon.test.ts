/**
 * The native addon at its own boundary: wrong arguments throw named JS errors instead of crashing
 * the process, and the install script's no-OpenBLAS path prints one line and exits 0.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadOpenBlas } from "./openblas.js";

const installScript = fileURLToPath(new URL("../../../native/blas/install.mjs", import.meta.url));

/** Runs the install script with extra environment and returns its exit code and output lines. */
function install(env: Record<string, string>): { status: number | null; lines: string[] } {
  const result = spawnSync(process.execPath, [installScript], {
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  const lines = `${result.stdout}${result.stderr}`.split("\n").filter((line) => line !== "");
  return { status: result.status, lines };
}

describe("the @troupe/blas install script", () => {
  test("prints one line and exits 0 when no folder searched holds cblas.h", () => {
    const empty = mkdtempSync(join(tmpdir(), "troupe-no-cblas-"));
    try {
      const { status, lines } = install({ TROUPE_CBLAS_INCLUDE_DIRS: empty });
      assert.equal(status, 0);
      assert.equal(lines.length, 1, lines.join("\n"));
      assert.match(lines[0], /cblas\.h not found.*libopenblas-dev/);
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  test("prints one line and exits 0 when told to skip the build", () => {
    const { status, lines } = install({ TROUPE_BLAS_SKIP: "1" });
    assert.equal(status, 0);
    assert.deepEqual(lines.length, 1, lines.join("\n"));
  });
});

const blas = loadOpenBlas();
const skip =
  blas.ok || process.env.TROUPE_REQUIRE_BLAS === "1"
    ? false
    : `OpenBLAS addon unavailable (${blas.reason}); set TROUPE_REQUIRE_BLAS=1 to fail instead`;

describe("the OpenBLAS addon called directly", { skip }, () => {
  type Sgemm = (...args: unknown[]) => void;
  const addon = () => createRequire(import.meta.url)("@troupe/blas") as { sgemm: Sgemm };
  const good = (): unknown[] => [
    false,
    false,
    2,
    3,
    4,
    1,
    new Float32Array(8),
    4,
    new Float32Array(12),
    3,
    0,
    new Float32Array(6),
    3,
  ];
  /** Calls sgemm with argument `index` replaced and checks the error's class, code and message. */
  function assertRejects(index: number, value: unknown, kind: typeof TypeError, mention: RegExp) {
    const args = good();
    args[index] = value;
    assert.throws(
      () => addon().sgemm(...args),
      (error: unknown) =>
        error instanceof kind &&
        (error as { code?: string }).code === "TROUPE_BLAS_BAD_ARGUMENT" &&
        mention.test(error.message),
    );
  }

  test("computes a product when every argument fits", () => {
    const c = new Float32Array(4).fill(Number.NaN);
    const a = new Float32Array([1, 2, 3, 4]);
    addon().sgemm(false, false, 2, 2, 2, 1, a, 2, a, 2, 0, c, 2);
    assert.deepEqual([...c], [7, 10, 15, 22]);
  });

  test("runs OpenBLAS on one thread", () => {
    const { describe: about } = createRequire(import.meta.url)("@troupe/blas") as {
      describe(): { threads: number };
    };
    assert.equal(about().threads, 1);
  });

  test("reads subarray views from their byteOffset", () => {
    const buffer = new Float32Array([9, 9, 1, 2, 3, 4]);
    const c = new Float32Array(4);
    addon().sgemm(false, false, 2, 2, 2, 1, buffer.subarray(2), 2, buffer.subarray(2), 2, 0, c, 2);
    assert.deepEqual([...c], [7, 10, 15, 22]);
  });

  test("throws a TypeError naming the argument for a wrong argument count", () => {
    assert.throws(() => addon().sgemm(false, false), /expected 13 arguments/);
  });

  test("throws a TypeError naming a transpose flag that is not a boolean", () => {
    assertRejects(0, 1, TypeError, /transA must be a boolean/);
  });

  test("throws a RangeError for a size that is negative or fractional", () => {
    assertRejects(2, -1, RangeError, /m must be an integer/);
    assertRejects(4, 2.5, RangeError, /k must be an integer/);
  });

  test("throws a TypeError for an array that is not a Float32Array", () => {
    assertRejects(6, new Float64Array(8), TypeError, /a must be a Float32Array/);
    assertRejects(8, [1, 2, 3], TypeError, /b must be a Float32Array/);
  });

  test("throws a RangeError for a leading dimension below the stored row length", () => {
    assertRejects(7, 3, RangeError, /lda must be at least/);
  });

  test("throws a RangeError when a view is too short for its leading dimension", () => {
    assertRejects(11, new Float32Array(20).subarray(15), RangeError, /c is too short/);
    assertRejects(9, 5, RangeError, /b is too short.*ldb=5/);
  });

  test("throws a RangeError when C shares memory with A", () => {
    const buffer = new Float32Array(16);
    const args = good();
    args[6] = buffer.subarray(0, 8);
    args[11] = buffer.subarray(4, 10);
    assert.throws(() => addon().sgemm(...args), /c shares memory/);
  });
});
