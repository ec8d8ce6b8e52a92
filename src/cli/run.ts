/** Argument dispatch and error reporting for the `troupe` command. */
import { readFileSync } from "node:fs";
import { TroupeError } from "../core/errors.js";
import type { CommandIo } from "./command.js";
import { commands } from "./commands.js";

const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
};

/**
 * Runs `troupe` with `argv` (without the node and script paths) and resolves to the exit code:
 * 0 on success, 2 for bad input (the message names it and the fix), 1 for a bug.
 */
export async function runCli(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout(usage());
    return 0;
  }
  if (name === "--version" || name === "-v") {
    io.stdout(`${version()}\n`);
    return 0;
  }
  const command = commands.get(name);
  if (command === undefined) {
    io.stderr(
      `troupe: unknown command "${name}". Valid commands: ${[...commands.keys()].join(", ")}. ` +
        "Run `troupe --help` for what each does.\n",
    );
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof TroupeError) {
      io.stderr(`troupe ${name}: ${error.message}\n`);
      return 2;
    }
    io.stderr(`troupe ${name}: unexpected error (a bug; please report it):\n`);
    io.stderr(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

function usage(): string {
  const width = Math.max(0, ...[...commands.keys()].map((name) => name.length));
  const lines = [...commands.values()].map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "troupe: train teams of LLM-based agents to coordinate with reinforcement learning",
    "",
    "Usage: troupe <command> [options]   (troupe <command> --help for its options)",
    "",
    "Commands:",
    ...lines,
    "",
  ].join("\n");
}

function version(): string {
  const url = new URL("../../package.json", import.meta.url);
  return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
}
