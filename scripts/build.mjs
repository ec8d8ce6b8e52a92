#!/usr/bin/env node
// Compiles src/ to dist/ and marks the CLI entry executable (tsc writes files as 0644, and npm
// runs a project's own bin directly, so `npx troupe` needs the executable bit).
import { spawnSync } from "node:child_process";
import { chmodSync } from "node:fs";
import { createRequire } from "node:module";

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
  stdio: "inherit",
});
if (result.status !== 0) process.exit(result.status ?? 1);
chmodSync(new URL("../dist/cli/main.js", import.meta.url), 0o755);
