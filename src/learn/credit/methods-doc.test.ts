/**
 * docs/methods.md's preset table is the preset table: every method of METHOD_PRESETS has a row,
 * every row is a method, each preset sets only fields that are table columns, and every cell
 * equals the resolved config's value. Change a preset and this names the row to update.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { METHOD_PRESETS, resolveConfig } from "../config.js";

const DOC = new URL("../../../docs/methods.md", import.meta.url);

/** The preset table: header cells and, per method, its cells keyed by header. */
function presetTable(): { columns: string[]; rows: Map<string, Map<string, string>> } {
  const lines = readFileSync(DOC, "utf8").split("\n");
  const headerAt = lines.findIndex((line) => /^\|\s*method\s*\|/.test(line));
  assert.ok(headerAt >= 0, "docs/methods.md has a table whose first column is 'method'");
  const cells = (line: string) =>
    line
      .split("|")
      .slice(1, -1)
      .map((cell) => cell.trim().replace(/\*\*/g, "").replace(/`/g, ""));
  const columns = cells(lines[headerAt]);
  const rows = new Map<string, Map<string, string>>();
  for (let i = headerAt + 2; i < lines.length && lines[i].startsWith("|"); i++) {
    const row = cells(lines[i]);
    rows.set(row[0], new Map(columns.map((column, c) => [column, row[c]])));
  }
  return { columns, rows };
}

/** A table cell as the config value it stands for: on/off are booleans, — is "not applicable". */
function cellValue(cell: string): unknown {
  if (cell === "on") return true;
  if (cell === "off") return false;
  return cell;
}

test("the preset table in docs/methods.md lists exactly the methods of METHOD_PRESETS", () => {
  const { rows } = presetTable();
  assert.deepEqual([...rows.keys()].sort(), [...METHOD_PRESETS.keys()].sort());
});

test("every field a preset sets is a column of the table", () => {
  const { columns } = presetTable();
  for (const [method, preset] of METHOD_PRESETS) {
    for (const field of Object.keys(preset.fields)) {
      assert.ok(
        columns.includes(field),
        `${method} sets ${field}, which docs/methods.md's table lacks`,
      );
    }
  }
});

test("every cell of the table equals the resolved config of its method", () => {
  const { columns, rows } = presetTable();
  for (const [method, cells] of rows) {
    const config = resolveConfig(method) as unknown as Record<string, unknown>;
    for (const column of columns) {
      if (!(column in config)) continue;
      const cell = cells.get(column) ?? "";
      if (cell === "—") continue;
      assert.equal(cellValue(cell), config[column], `docs/methods.md: ${method}, column ${column}`);
    }
  }
});
