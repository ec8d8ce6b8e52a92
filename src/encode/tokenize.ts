/**
 * The one tokeniser of the offline encoders: lower-cased runs of letters or digits, and single
 * punctuation marks, so that "agent_3" gives "agent", "3" and "site-2." gives "site", "-", "2", ".".
 * Unicode letters count as letters, so non-English text still tokenises.
 */

const TOKEN = /[\p{L}\p{M}]+|\p{N}+|[^\s\p{L}\p{M}\p{N}_]/gu;

/** The tokens of `text`, lower-cased, in order. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}
