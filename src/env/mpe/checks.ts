/**
 * Option checks shared by the standard MARL ports (MPE here, LBF in ../lbf): one place for the
 * "integer in range" rule so every bad option fails with the same kind of message.
 */
import { ConfigError } from "../../core/errors.js";

/** Throws a ConfigError unless `value` is an integer ≥ `min`. */
export function checkInteger(
  input: string,
  value: number,
  min: number,
  what: string,
  max?: number,
): void {
  if (Number.isInteger(value) && value >= min && (max === undefined || value <= max)) return;
  throw new ConfigError({
    input,
    problem: "out of range",
    expected: max === undefined ? `an integer ≥ ${min}` : `an integer in ${min}..${max}`,
    actual: String(value),
    fix: `pass ${what}`,
  });
}
