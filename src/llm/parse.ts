/**
 * Turns a model's reply into one legal action and message. {@link parseDecision} accepts a JSON
 * object (bare, inside a code fence or inside surrounding prose) whose numbers are legal under the
 * masks, and otherwise says what was wrong in words the model can act on when it retries.
 * {@link nearestLegalAction} is the fallback once the retry has failed too: the legal candidate
 * nearest the number the model named, else the one whose text shares most words with the reply.
 */
import { SILENT } from "../env/types.js";

/** A parsed reply, or the reason it cannot be used. */
export type ParsedDecision =
  | { readonly ok: true; readonly action: number; readonly message: number }
  | { readonly ok: false; readonly error: string };

/** Parses `content` as `{"action": n, "message": m}` legal under the masks; see the file header. */
export function parseDecision(
  content: string,
  actionMask: Uint8Array,
  messageMask: Uint8Array,
): ParsedDecision {
  const object = extractJsonObject(content);
  if (object === undefined) {
    return { ok: false, error: `expected a JSON object, got ${quote(content)}` };
  }
  const action = object.action;
  if (typeof action !== "number" || !Number.isInteger(action)) {
    return {
      ok: false,
      error: `"action" must be a candidate number, got ${quote(JSON.stringify(action))}`,
    };
  }
  if (action < 0 || action >= actionMask.length || actionMask[action] !== 1) {
    return {
      ok: false,
      error: `action ${action} is not one of the listed action candidates (${legalList(actionMask)})`,
    };
  }
  const message = object.message ?? SILENT;
  if (typeof message !== "number" || !Number.isInteger(message)) {
    return {
      ok: false,
      error: `"message" must be a message number, got ${quote(JSON.stringify(message))}`,
    };
  }
  if (
    message !== SILENT &&
    (message < 0 || message >= messageMask.length || messageMask[message] !== 1)
  ) {
    return {
      ok: false,
      error: `message ${message} is not one of the listed message candidates (0 or ${legalList(messageMask)})`,
    };
  }
  return { ok: true, action, message };
}

/**
 * The legal action nearest to what `content` asked for: the legal index closest to the number in
 * its `"action"` field (ties to the lower index); else the legal candidate sharing most words with
 * it; else the legal index closest to its first number; else the first legal action (0 when none
 * is legal).
 */
export function nearestLegalAction(
  content: string,
  candidates: readonly string[],
  actionMask: Uint8Array,
): number {
  const legal: number[] = [];
  for (let k = 0; k < actionMask.length; k++) if (actionMask[k] === 1) legal.push(k);
  if (legal.length === 0) return 0;
  const field = /"?action"?\s*[:=]\s*\[?(-?\d+)/i.exec(content);
  if (field !== null) return closestIndex(legal, Number(field[1]));
  const words = wordSet(content);
  let best = -1;
  let bestOverlap = 0;
  for (const k of legal) {
    let overlap = 0;
    for (const word of wordSet(candidates[k] ?? "")) if (words.has(word)) overlap++;
    if (overlap > bestOverlap) {
      bestOverlap = overlap;
      best = k;
    }
  }
  if (best >= 0) return best;
  const first = /-?\d+/.exec(content);
  return first === null ? legal[0] : closestIndex(legal, Number(first[0]));
}

function closestIndex(legal: readonly number[], target: number): number {
  let best = legal[0];
  for (const k of legal) if (Math.abs(k - target) < Math.abs(best - target)) best = k;
  return best;
}

function extractJsonObject(content: string): Record<string, unknown> | undefined {
  const start = content.indexOf("{");
  const end = content.lastIndexOf("}");
  if (start < 0 || end <= start) return undefined;
  try {
    const value: unknown = JSON.parse(content.slice(start, end + 1));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function wordSet(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[a-z0-9]{3,}/g) ?? []);
}

function legalList(mask: Uint8Array): string {
  const legal: number[] = [];
  for (let k = 0; k < mask.length; k++) if (mask[k] === 1) legal.push(k);
  return legal.length > 12 ? `${legal.slice(0, 12).join(", ")}, …` : legal.join(", ");
}

function quote(text: string | undefined): string {
  const shown = text ?? "nothing";
  return JSON.stringify(shown.length > 80 ? `${shown.slice(0, 80)}…` : shown);
}
