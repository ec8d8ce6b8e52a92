/** Choosing the GEMM backend from a config value, describing the backends, announcing once. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BackendError, ConfigError } from "../core/errors.js";
import { announceGemm, describeBackends, GEMM_BACKEND_CHOICES, resolveGemm } from "./backend.js";
import { blockedGemm } from "./gemm/blocked.js";
import { naiveGemm } from "./gemm/naive.js";
import { loadOpenBlas } from "./gemm/openblas.js";
import type { GemmBackendName } from "./gemm.js";

const blas = loadOpenBlas();

describe("resolveGemm", () => {
  test("gives the named TypeScript backends", () => {
    assert.equal(resolveGemm("naive"), naiveGemm);
    assert.equal(resolveGemm("blocked"), blockedGemm);
  });

  test('picks openblas for "auto" when the addon loads, else blocked', () => {
    assert.equal(resolveGemm("auto").name, blas.ok ? "openblas" : "blocked");
  });

  test("accepts every listed config choice", () => {
    for (const choice of GEMM_BACKEND_CHOICES) {
      if (choice === "openblas" && !blas.ok) continue;
      assert.ok(resolveGemm(choice).name.length > 0);
    }
  });

  test("throws a ConfigError listing the choices for an unknown name", () => {
    assert.throws(
      () => resolveGemm("cuda" as GemmBackendName),
      (error: unknown) => error instanceof ConfigError && /"blocked"/.test(error.message),
    );
  });

  test("throws a BackendError saying how to install OpenBLAS when the addon is missing", {
    skip: blas.ok ? "the OpenBLAS addon is built here" : false,
  }, () => {
    assert.throws(
      () => resolveGemm("openblas"),
      (error: unknown) => error instanceof BackendError && /libopenblas-dev/.test(error.message),
    );
  });
});

describe("describeBackends", () => {
  test("lists each backend once, openblas available exactly when its addon loads", () => {
    const infos = describeBackends();
    assert.deepEqual(
      infos.map((info) => info.name),
      ["naive", "blocked", "openblas"],
    );
    assert.equal(infos.find((info) => info.name === "openblas")?.available, blas.ok);
    for (const info of infos) assert.ok(info.detail.length > 0, info.name);
  });
});

describe("announceGemm", () => {
  test("prints the backend on first use and nothing after", () => {
    const lines: string[] = [];
    assert.equal(
      announceGemm(naiveGemm, (line) => lines.push(line)),
      true,
    );
    assert.equal(
      announceGemm(naiveGemm, (line) => lines.push(line)),
      false,
    );
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^troupe: GEMM backend naive/);
  });
});
