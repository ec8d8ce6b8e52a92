#!/usr/bin/env node
// Lists the test files itself: on Node 20 `node --test` does not expand globs, and npm scripts run
// in `sh`, where `**` matches one folder level only. Fails when it finds no test file.
//
//   node scripts/test.mjs            all *.test.ts under src/ and test/, except *.int.test.ts
//   node scripts/test.mjs --int      the opt-in integration tests (*.int.test.ts) only
//   node scripts/test.mjs PATH...    only the files under these paths
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const args = process.argv.slice(2);
const integration = args.includes("--int");
const roots = args.filter((arg) => !arg.startsWith("--"));
const searchRoots = roots.length > 0 ? roots : ["src", "test"];

/** Every file under `dir` (recursively) whose name ends with `.test.ts`, sorted. */
function findTests(dir) {
  if (!existsSync(dir)) return [];
  if (statSync(dir).isFile()) return dir.endsWith(".test.ts") ? [dir] : [];
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(path));
    else if (entry.name.endsWith(".test.ts")) found.push(path);
  }
  return found.sort();
}

const files = searchRoots
  .flatMap(findTests)
  .filter((file) => file.endsWith(".int.test.ts") === integration)
  .map((file) => relative(process.cwd(), file));

if (files.length === 0) {
  console.error(
    `scripts/test.mjs: no ${integration ? "*.int.test.ts" : "*.test.ts"} file under ${searchRoots.join(", ")}. ` +
      "Check the paths given, or add a test file.",
  );
  process.exit(1);
}

const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=120000", ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
