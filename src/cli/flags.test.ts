import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { z } from "zod";
import { parseFlags } from "./flags.js";

const Flags = z.object({
  steps: z.coerce.number().int().positive().default(100).describe("training steps"),
  backend: z.enum(["auto", "naive"]).default("auto").describe("GEMM backend"),
  learningRate: z.coerce.number().positive().default(0.01).describe("Adam step size"),
  quiet: z.boolean().default(false).describe("print less"),
});

describe("parseFlags", () => {
  test("applies defaults when no flag is given", () => {
    const parsed = parseFlags("demo", Flags, []);
    assert.equal(parsed.help, false);
    if (!parsed.help) {
      assert.deepEqual(parsed.values, {
        steps: 100,
        backend: "auto",
        learningRate: 0.01,
        quiet: false,
      });
    }
  });

  test("parses kebab-case flags into the camelCase fields, coercing numbers", () => {
    const parsed = parseFlags("demo", Flags, ["--learning-rate", "0.5", "--steps=7", "--quiet"]);
    assert.ok(!parsed.help);
    if (!parsed.help) {
      assert.equal(parsed.values.learningRate, 0.5);
      assert.equal(parsed.values.steps, 7);
      assert.equal(parsed.values.quiet, true);
    }
  });

  test("an out-of-range value names the flag, the value and the fix", () => {
    assert.throws(
      () => parseFlags("demo", Flags, ["--steps=0"]),
      /--steps: invalid value; expected .*>0, got "0"\. Fix: run `troupe demo --help`/,
    );
  });

  test("an unknown flag lists the valid flags", () => {
    assert.throws(
      () => parseFlags("demo", Flags, ["--stepz", "3"]),
      /troupe demo: Unknown option '--stepz'; expected flags among --steps, --backend, --learning-rate, --quiet/,
    );
  });

  test("--help describes every flag with its default and choices", () => {
    const parsed = parseFlags("demo", Flags, ["--help"]);
    assert.ok(parsed.help);
    if (parsed.help) {
      assert.match(parsed.text, /--backend auto\|naive\s+GEMM backend \(default "auto"\)/);
      assert.match(parsed.text, /--learning-rate NUMBER\s+Adam step size \(default 0\.01\)/);
    }
  });
});
