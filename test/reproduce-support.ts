/** Shared helpers of the reproduce tests: temp folders and the CLI run through tsx. */
import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The CLI's TypeScript entry (run through tsx, so the tests need no build). */
export const cliSource = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));

/** A fresh temporary folder. */
export function tempFolder(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `troupe-${prefix}-`));
}

/** What a CLI process left behind. */
export interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `troupe ARGS` through tsx; `killAfter` sends SIGKILL to the study once its stderr has shown
 * that many finished runs (a kill at a checkpoint boundary).
 */
export function runReproduce(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; killAfter?: number } = {},
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", cliSource, "reproduce", ...args], {
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 120_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
      const done = stderr.match(/\[(\d+)\/\d+\]/g)?.length ?? 0;
      if (options.killAfter !== undefined && done >= options.killAfter) child.kill("SIGKILL");
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
