/**
 * Picks the GEMM backend a run uses from its config field (`"auto"` or a backend name), says why
 * a backend is unavailable, and prints once per process which backend Troupe computes with.
 * `"auto"` means OpenBLAS when its addon loads, else the blocked TypeScript kernel; `naive` is the
 * reference, selectable for comparisons but never chosen automatically.
 */
import { ConfigError } from "../core/errors.js";
import { blockedGemm } from "./gemm/blocked.js";
import { naiveGemm } from "./gemm/naive.js";
import { loadOpenBlas, OPENBLAS_SMALL_PRODUCT, openBlasGemm } from "./gemm/openblas.js";
import type { Gemm, GemmBackendName } from "./gemm.js";

/** The values a run config's GEMM backend field accepts, `"auto"` first (the default). */
export const GEMM_BACKEND_CHOICES = ["auto", "naive", "blocked", "openblas"] as const;

/** A run config's GEMM backend field: a backend name, or `"auto"` to take the fastest present. */
export type GemmBackendChoice = (typeof GEMM_BACKEND_CHOICES)[number];

/** Whether one backend can be used in this process, and what it is or why not. */
export interface GemmBackendInfo {
  readonly name: GemmBackendName;
  readonly available: boolean;
  /** One line: what the backend runs on, or why it is unavailable and how to get it. */
  readonly detail: string;
}

const backends: ReadonlyMap<GemmBackendName, () => Gemm> = new Map<GemmBackendName, () => Gemm>([
  ["naive", () => naiveGemm],
  ["blocked", () => blockedGemm],
  ["openblas", openBlasGemm],
]);

/**
 * The GEMM backend named by a run config. `"auto"` gives OpenBLAS when its addon loads, else the
 * blocked TypeScript kernel. Throws a ConfigError for an unknown name and a BackendError when the
 * named backend is unavailable (OpenBLAS without its addon).
 *
 * @example
 * const gemm = resolveGemm(config.gemm); // "auto" | "naive" | "blocked" | "openblas"
 * announceGemm(gemm); // prints "troupe: GEMM backend openblas (...)" once per process
 */
export function resolveGemm(name: GemmBackendName | "auto"): Gemm {
  if (name === "auto") return loadOpenBlas().ok ? openBlasGemm() : blockedGemm;
  const make = backends.get(name);
  if (make === undefined) {
    throw new ConfigError({
      input: "gemm backend",
      problem: "unknown backend",
      expected: `one of ${GEMM_BACKEND_CHOICES.map((c) => `"${c}"`).join(", ")}`,
      actual: JSON.stringify(name),
      fix: 'set the gemm backend to "auto" unless you are comparing backends',
    });
  }
  return make();
}

/** Every backend, whether this process can use it, and what it runs on or why it cannot. */
export function describeBackends(): GemmBackendInfo[] {
  const openblas = loadOpenBlas();
  return [
    { name: "naive", available: true, detail: "plain i-k-j loops, the reference (slow)" },
    { name: "blocked", available: true, detail: "register-blocked TypeScript, 4×4 tiles" },
    openblas.ok
      ? {
          name: "openblas",
          available: true,
          detail: `${openblas.config}, ${openblas.threads} thread; products under ${OPENBLAS_SMALL_PRODUCT} multiply-adds run on blocked`,
        }
      : {
          name: "openblas",
          available: false,
          detail: `${openblas.reason}; install libopenblas-dev, then npm rebuild @troupe/blas`,
        },
  ];
}

/** One line naming the backend and what it runs on, e.g. for run records and logs. */
export function describeGemm(gemm: Gemm): string {
  const info = describeBackends().find((b) => b.name === gemm.name);
  return `GEMM backend ${gemm.name}${info === undefined ? "" : ` (${info.detail})`}`;
}

/** Backends already announced in this process. */
const announced = new Set<GemmBackendName>();

/**
 * Prints `troupe: GEMM backend …` the first time a process uses this backend and returns true;
 * later calls for the same backend print nothing and return false. Prints to stderr by default,
 * so that machine-readable stdout stays clean.
 */
export function announceGemm(gemm: Gemm, log: (line: string) => void = console.error): boolean {
  if (announced.has(gemm.name)) return false;
  announced.add(gemm.name);
  log(`troupe: ${describeGemm(gemm)}`);
  return true;
}
