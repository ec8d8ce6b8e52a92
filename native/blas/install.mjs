#!/usr/bin/env node
// Install script of @troupe/blas (an optional dependency). Builds the OpenBLAS addon with node-gyp
// when cblas.h is installed; otherwise prints ONE line saying how to get it and exits 0, so that a
// machine without OpenBLAS installs Troupe quietly and uses the pure-TypeScript GEMM. Never
// downloads anything: Node's headers must be on this machine (--nodedir).
//
// Environment:
//   TROUPE_CBLAS_INCLUDE_DIRS  folders to search for cblas.h instead of the usual ones (path-list)
//   TROUPE_BLAS_SKIP=1         do not build (print one line, exit 0)
//   npm_config_nodedir         Node's headers prefix, when not found next to this node binary
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const say = (line) => console.log(`@troupe/blas: ${line}`);

/** Folders where distributions put cblas.h, multiarch ones (Debian: /usr/include/<triplet>) included. */
function defaultIncludeDirs() {
  const dirs = ["/usr/include", "/usr/local/include", "/usr/include/openblas"];
  if (existsSync("/usr/include")) {
    for (const entry of readdirSync("/usr/include")) {
      if (/-linux-gnu/.test(entry)) dirs.push(join("/usr/include", entry));
    }
  }
  dirs.push("/opt/homebrew/opt/openblas/include", "/usr/local/opt/openblas/include");
  return dirs;
}

/** Node's headers prefix: the folder whose include/node holds node_api.h. */
function findNodeDir() {
  const candidates = [
    process.env.npm_config_nodedir,
    dirname(dirname(process.execPath)), // /usr/bin/node -> /usr
    process.config?.variables?.node_prefix,
    // headers node-gyp fetched on an earlier install, if any (this script never downloads them)
    join(homedir(), ".cache", "node-gyp", process.versions.node),
  ];
  return candidates.find(
    (dir) =>
      typeof dir === "string" &&
      dir !== "" &&
      existsSync(join(dir, "include", "node", "node_api.h")),
  );
}

/** node-gyp's entry script: npm's own (named in npm_config_node_gyp in lifecycle scripts), else next to npm. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(
      dirname(dirname(process.execPath)),
      "lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js",
    ),
  ];
  try {
    candidates.push(createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js"));
  } catch {
    // not installed as a package of ours: the candidates above are the usual places
  }
  return candidates.find((path) => typeof path === "string" && path !== "" && existsSync(path));
}

if (process.env.TROUPE_BLAS_SKIP === "1") {
  say("TROUPE_BLAS_SKIP=1, not built; Troupe uses its pure-TypeScript GEMM.");
  process.exit(0);
}
const searchDirs = process.env.TROUPE_CBLAS_INCLUDE_DIRS
  ? process.env.TROUPE_CBLAS_INCLUDE_DIRS.split(delimiter).filter((d) => d !== "")
  : defaultIncludeDirs();
const includeDir = searchDirs.find((dir) => existsSync(join(dir, "cblas.h")));
if (includeDir === undefined) {
  say(
    "cblas.h not found, addon not built; Troupe uses its pure-TypeScript GEMM " +
      "(for OpenBLAS: apt-get install libopenblas-dev, then npm rebuild @troupe/blas).",
  );
  process.exit(0);
}
const nodeDir = findNodeDir();
if (nodeDir === undefined) {
  say(
    "Node's headers (include/node/node_api.h) not found next to this node or in npm_config_nodedir, " +
      "addon not built; Troupe uses its pure-TypeScript GEMM (set npm_config_nodedir, then npm rebuild @troupe/blas).",
  );
  process.exit(0);
}
const nodeGyp = findNodeGyp();
if (nodeGyp === undefined) {
  say(
    "node-gyp not found (it ships with npm), addon not built; Troupe uses its pure-TypeScript GEMM.",
  );
  process.exit(0);
}

const result = spawnSync(process.execPath, [nodeGyp, "rebuild", `--nodedir=${nodeDir}`], {
  cwd: here,
  env: { ...process.env, TROUPE_CBLAS_INCLUDE_DIR: includeDir },
  encoding: "utf8",
});
if (result.status === 0) {
  say(`built build/Release/troupe_blas.node against ${join(includeDir, "cblas.h")}.`);
  process.exit(0);
}
// The build's own output only when it failed, so that the cause can be fixed; still exit 0: the
// addon is optional and Troupe falls back to its TypeScript GEMM (TROUPE_REQUIRE_BLAS=1 makes the
// tests fail on it).
process.stderr.write(`${result.stdout ?? ""}${result.stderr ?? ""}`);
say(
  `build failed (node-gyp exit ${result.status ?? result.signal}, output above); ` +
    "Troupe uses its pure-TypeScript GEMM.",
);
process.exit(0);
