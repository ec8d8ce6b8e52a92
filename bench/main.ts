/**
 * `npm run bench -- <suite> [--json FILE]`: runs one benchmark suite, prints its side-by-side
 * table, and with --json writes `{ "suite", "figures": [{ "name", "value", "unit" }] }` to FILE.
 */
import { atomicWriteFile } from "../src/core/fs.js";
import { suites } from "./suites.js";

const argv = process.argv.slice(2);
const jsonIndex = argv.indexOf("--json");
const jsonPath = jsonIndex >= 0 ? argv[jsonIndex + 1] : undefined;
if (jsonIndex >= 0 && (jsonPath === undefined || jsonPath.startsWith("--"))) {
  console.error("bench: --json needs a file path, e.g. npm run bench -- nn --json nn.json");
  process.exit(2);
}
const rest = jsonIndex < 0 ? argv : argv.filter((_, i) => i !== jsonIndex && i !== jsonIndex + 1);
const [name, ...args] = rest;
const suite = name === undefined ? undefined : suites.get(name);
if (suite === undefined) {
  const list = [...suites.values()].map((s) => `  ${s.name.padEnd(8)} ${s.summary}`).join("\n");
  console.error(
    `bench: ${name === undefined ? "no suite named" : `unknown suite "${name}"`}. Valid suites:\n${list}\n` +
      "Usage: npm run bench -- <suite> [--json FILE]",
  );
  process.exit(2);
}

console.log(`# bench ${suite.name}: ${suite.summary}`);
console.log(`# node ${process.version}, ${process.platform}-${process.arch}`);
const figures = await suite.run({ log: (line) => console.log(line), args });
if (jsonPath !== undefined) {
  await atomicWriteFile(jsonPath, `${JSON.stringify({ suite: suite.name, figures }, null, 2)}\n`);
  console.log(`# figures written to ${jsonPath}`);
}
