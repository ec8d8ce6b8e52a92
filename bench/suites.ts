/** Every benchmark suite, by name. Adding a suite is one file and one line here. */
import { gemmSuite } from "./gemm.js";
import type { BenchSuite } from "./suite.js";

const all: readonly BenchSuite[] = [gemmSuite];

/** The registered suites, keyed by name. */
export const suites: ReadonlyMap<string, BenchSuite> = new Map(all.map((s) => [s.name, s]));
