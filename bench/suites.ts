/** Every benchmark suite, by name. Adding a suite is one file and one line here. */
import { creditSuite } from "./credit.js";
import { encodeSuite } from "./encode.js";
import { envSuite } from "./env.js";
import { gemmSuite } from "./gemm.js";
import { llmSuite } from "./llm.js";
import { marlSuite } from "./marl.js";
import { nnSuite } from "./nn.js";
import type { BenchSuite } from "./suite.js";
import { trainSuite } from "./train.js";

const all: readonly BenchSuite[] = [
  creditSuite,
  encodeSuite,
  envSuite,
  gemmSuite,
  llmSuite,
  marlSuite,
  nnSuite,
  trainSuite,
];

/** The registered suites, keyed by name. */
export const suites: ReadonlyMap<string, BenchSuite> = new Map(all.map((s) => [s.name, s]));
