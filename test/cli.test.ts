import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { runTroupe } from "./cli-helpers.js";

describe("the troupe command", () => {
  test("--help lists the commands and exits 0", async () => {
    const result = await runTroupe(["--help"]);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Usage: troupe <command>/);
  });

  test("--version prints the package version", async () => {
    const result = await runTroupe(["--version"]);
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    assert.equal(result.code, 0);
    assert.equal(result.stdout.trim(), pkg.version);
  });

  test("an unknown command exits 2 and lists the valid ones", async () => {
    const result = await runTroupe(["frobnicate"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown command "frobnicate"\. Valid commands: /);
  });
});
