/** What every layer shares: it owns named {@link Parameter}s that optimisers and checkpoints see. */
import type { Parameter } from "../tensor.js";

/** A layer or a model: a named set of trainable parameters. */
export interface Module {
  /** Every parameter, in a fixed order (checkpoints and optimisers rely on it). */
  parameters(): Parameter[];
}
