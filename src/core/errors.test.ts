import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, TroupeError } from "./errors.js";

test("an error message names the input, the mismatch and the fix", () => {
  const error = new ConfigError({
    input: "--gamma",
    problem: "out of range",
    expected: "a number in (0, 1]",
    actual: "1.5",
    fix: "pass a discount factor such as 0.99",
  });
  assert.equal(
    error.message,
    "--gamma: out of range; expected a number in (0, 1], got 1.5. Fix: pass a discount factor such as 0.99",
  );
  assert.ok(error instanceof TroupeError);
  assert.equal(error.code, "config");
  assert.equal(error.name, "ConfigError");
});
