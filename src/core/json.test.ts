import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InputError } from "./errors.js";
import { canonicalJson, contentHash, parseJsonl, toJsonl } from "./json.js";

describe("canonical JSON", () => {
  test("sorts object keys at every depth and drops undefined fields", () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } }),
      '{"a":{"d":[2,{"e":0,"f":1}]},"b":1}',
    );
  });

  test("gives the same content hash whatever the key order, and a different one for different data", () => {
    assert.equal(contentHash({ x: 1, y: [1, 2] }), contentHash({ y: [1, 2], x: 1 }));
    assert.notEqual(contentHash({ x: 1 }), contentHash({ x: 2 }));
    assert.match(contentHash({}), /^[0-9a-f]{64}$/);
  });
});

describe("JSONL", () => {
  test("round-trips records and skips blank lines, remembering each line number", () => {
    const text = `${toJsonl([{ a: 1 }, { b: 2 }])}\n`;
    const records = parseJsonl(text, "f.jsonl");
    assert.deepEqual(
      records.map((r) => r.value),
      [{ a: 1 }, { b: 2 }],
    );
    assert.deepEqual(
      records.map((r) => r.where),
      ["f.jsonl:1", "f.jsonl:2"],
    );
  });

  test("a truncated last line is reported with its file and line", () => {
    const text = `${toJsonl([{ a: 1 }])}{"b": 2, "c`;
    assert.throws(
      () => parseJsonl(text, "f.jsonl"),
      (e: unknown) => e instanceof InputError && /f\.jsonl:2.*truncated/.test(e.message),
    );
  });

  test("a broken line in the middle is reported as invalid JSON at its line", () => {
    assert.throws(
      () => parseJsonl('{"a":1}\nnope\n{"b":2}\n', "g.jsonl"),
      (e: unknown) => e instanceof InputError && /g\.jsonl:2: not valid JSON/.test(e.message),
    );
  });
});
