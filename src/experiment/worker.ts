/**
 * A study worker process: builds the study context once (tasks, probe states, GEMM with one
 * thread), then runs the specs its parent sends, one at a time, and sends back each result. It
 * exits as soon as the parent disconnects, so a killed study leaves no orphans.
 */
import { TroupeError } from "../core/errors.js";
import { resolveGemm } from "../model/backend.js";
import { calibrate } from "./calibrate.js";
import { probeSims } from "./probe.js";
import { executeRun, type RunContext } from "./run.js";
import type { WorkerReply, WorkerRequest } from "./runner.js";
import { buildStudyTasks } from "./study-tasks.js";

let context: RunContext | null = null;
let chain: Promise<void> = Promise.resolve();

function reply(message: WorkerReply): void {
  process.send?.(message);
}

async function handle(request: WorkerRequest): Promise<void> {
  if (request.kind === "init") {
    const tasks = buildStudyTasks(request.config);
    context = {
      config: request.config,
      tasks,
      probeSims: probeSims(tasks.validation, request.config.probeStates, request.config.suiteSeed),
      gemm: resolveGemm(request.config.backend),
      dir: request.dir,
      warn: (line) => process.stderr.write(line),
      onProgress: (report) => reply({ kind: "progress", report }),
    };
    return;
  }
  if (context === null) throw new Error("worker received a request before init");
  const id = request.kind === "run" ? request.spec.id : "calibration";
  try {
    if (request.kind === "calibrate") {
      reply({ kind: "calibration", calibration: await calibrate(context, request.options) });
    } else reply({ kind: "result", result: await executeRun(request.spec, context) });
  } catch (error) {
    const troupe =
      error instanceof TroupeError
        ? {
            name: error.name,
            details: {
              code: error.code,
              input: error.input,
              problem: error.problem,
              expected: error.expected ?? "",
              actual: error.actual ?? "",
              fix: error.fix,
            },
          }
        : undefined;
    reply({
      kind: "error",
      id,
      message: String((error as Error)?.stack ?? error),
      troupe,
    });
  }
}

process.on("message", (request: WorkerRequest) => {
  chain = chain.then(() => handle(request));
});
process.on("disconnect", () => process.exit(0));
