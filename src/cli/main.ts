#!/usr/bin/env node
/**
 * The `troupe` command: a thin client of the public API. Each sub-command lives in its own file
 * and is registered in ./commands.ts.
 */
import { runCli } from "./run.js";

process.exitCode = await runCli(process.argv.slice(2));
