/**
 * Level-Based Foraging scenario ids, as `lbforaging` v3 registers them:
 * `Foraging[-2s]-{s}x{s}-{p}p-{f}f[-coop][-pen]-v3` with s in 5..19, p in 2..9, f in 1..9, player
 * levels 1..2, sight 2 with `-2s` (else the whole grid), 50 steps, penalty 0.1 with `-pen`.
 * `-2s` is also accepted after the food count (`Foraging-8x8-2p-2f-2s-v3`). Ids whose food cannot
 * be placed under the spacing rule fail instead of spawning less food silently.
 */
import { ConfigError } from "../../core/errors.js";
import { canHoldFood, type ForagingConfig } from "./foraging.js";

/** The id pattern, for error messages. */
export const FORAGING_ID_PATTERN = "Foraging[-2s]-{s}x{s}-{p}p-{f}f[-coop][-pen]-v3";
const SIZES = [5, 19] as const;
const PLAYERS = [2, 9] as const;
const FOODS = [1, 9] as const;
const ID = /^Foraging(-2s)?-(\d+)x(\d+)-(\d+)p-(\d+)f(-coop)?(-2s)?(-pen)?-v3$/;

/** Whether `id` looks like a Level-Based Foraging id (it may still be out of range). */
export function isForagingId(id: string): boolean {
  return id.startsWith("Foraging");
}

/** The configuration an id names; throws a ConfigError listing the valid values when it is not one. */
export function parseForagingId(id: string): ForagingConfig {
  const match = ID.exec(id);
  if (match === null) {
    throw new ConfigError({
      input: `scenario "${id}"`,
      problem: "not a Level-Based Foraging id",
      expected: `${FORAGING_ID_PATTERN}, e.g. Foraging-8x8-2p-2f-v3 or Foraging-2s-8x8-2p-2f-coop-v3`,
      actual: id,
      fix: "spell the id as lbforaging registers it",
    });
  }
  const [, sightBefore, rows, cols, p, f, coop, sightAfter, pen] = match;
  const size = Number(rows);
  if (Number(cols) !== size) {
    throw new ConfigError({
      input: `scenario "${id}"`,
      problem: "grid is not square",
      expected: "{s}x{s}",
      actual: `${rows}x${cols}`,
      fix: `use ${rows}x${rows}`,
    });
  }
  const players = Number(p);
  const food = Number(f);
  checkRange(id, "grid size", size, SIZES);
  checkRange(id, "players", players, PLAYERS);
  checkRange(id, "food", food, FOODS);
  const capacity = foodCapacity(size);
  if (food > capacity || food + players > size * size) {
    throw new ConfigError({
      input: `scenario "${id}"`,
      problem: `a ${size}x${size} grid is too small for ${food} food under the spacing rule`,
      expected: `at most ${capacity} food on a ${size}x${size} grid`,
      actual: String(food),
      fix: "use fewer food or a larger grid",
    });
  }
  return {
    size,
    players,
    food,
    coop: coop !== undefined,
    sight: sightBefore !== undefined || sightAfter !== undefined ? 2 : size,
    maxSteps: 50,
    minPlayerLevel: 1,
    maxPlayerLevel: 2,
    penalty: pen !== undefined ? 0.1 : 0,
  };
}

/** The canonical spelling of a Foraging id (`-2s` in front, as lbforaging registers it). */
export function canonicalForagingId(config: ForagingConfig): string {
  const { size, players, food, coop, sight, penalty } = config;
  const partial = sight < size ? "-2s" : "";
  return `Foraging${partial}-${size}x${size}-${players}p-${food}f${coop ? "-coop" : ""}${penalty > 0 ? "-pen" : ""}-v3`;
}

/** How many food a row-major greedy placement fits on the interior of an s×s grid under the spacing rule. */
export function foodCapacity(size: number): number {
  const field = new Int32Array(size * size);
  let count = 0;
  for (let row = 1; row < size - 1; row++) {
    for (let col = 1; col < size - 1; col++) {
      if (!canHoldFood(field, size, row, col)) continue;
      field[row * size + col] = 1;
      count++;
    }
  }
  return count;
}

function checkRange(
  id: string,
  what: string,
  value: number,
  [low, high]: readonly [number, number],
): void {
  if (value >= low && value <= high) return;
  throw new ConfigError({
    input: `scenario "${id}" ${what}`,
    problem: "out of range",
    expected: `${what} in ${low}..${high} (${FORAGING_ID_PATTERN})`,
    actual: String(value),
    fix: `pick ${what} between ${low} and ${high}`,
  });
}
