/**
 * Command-line flags from one zod schema (STYLE.md item 2): the schema that validates a config
 * also parses `--flags`, prints `--help` (every field's `.describe()` and default) and names the
 * bad flag and the fix when a value is out of range. camelCase keys become kebab-case flags.
 */
import { parseArgs } from "node:util";
import type { z } from "zod";
import { ConfigError } from "../core/errors.js";

/** What {@link parseFlags} found: either a request for help, or validated values. */
export type ParsedFlags<Schema extends z.ZodObject> =
  | { readonly help: true; readonly text: string }
  | { readonly help: false; readonly values: z.infer<Schema>; readonly positionals: string[] };

interface FieldInfo {
  readonly key: string;
  readonly flag: string;
  readonly kind: string;
  readonly description: string;
  readonly defaultValue: unknown;
  readonly choices: readonly string[] | undefined;
}

/**
 * Parses `argv` against `schema` for `troupe <command>`; `--help` returns the help text.
 * @example const parsed = parseFlags("demo", DemoFlags, ["--steps", "200"]);
 */
export function parseFlags<Schema extends z.ZodObject>(
  command: string,
  schema: Schema,
  argv: readonly string[],
  usage = "",
): ParsedFlags<Schema> {
  const fields = describeFields(schema);
  const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
  for (const field of fields) {
    options[field.flag] = { type: field.kind === "boolean" ? "boolean" : "string" };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ConfigError({
      input: `troupe ${command}`,
      problem: (error as Error).message.replace(/\. To specify a positional.*$/s, ""),
      expected: `flags among ${fields.map((f) => `--${f.flag}`).join(", ") || "(none)"}`,
      fix: `run \`troupe ${command} --help\` for the flags and their values`,
    });
  }
  if (parsed.values.help === true) {
    return { help: true, text: helpText(command, fields, usage) };
  }
  const raw: Record<string, unknown> = {};
  for (const field of fields) {
    const value = parsed.values[field.flag];
    if (value !== undefined) raw[field.key] = value;
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = String(issue.path[0] ?? "");
    const field = fields.find((f) => f.key === key);
    throw new ConfigError({
      input: field === undefined ? `troupe ${command}` : `--${field.flag}`,
      problem: "invalid value",
      expected: issue.message.replace(/^Invalid input: /, ""),
      actual: JSON.stringify(raw[key]),
      fix: `run \`troupe ${command} --help\` for the valid values`,
    });
  }
  return { help: false, values: result.data, positionals: parsed.positionals };
}

function describeFields(schema: z.ZodObject): FieldInfo[] {
  return Object.entries(schema.shape).map(([key, fieldSchema]) => {
    let def = (fieldSchema as unknown as { _zod: { def: ZodDef } })._zod.def;
    let defaultValue: unknown;
    while (def.type === "default" || def.type === "optional") {
      if (def.type === "default") defaultValue = def.defaultValue;
      if (def.innerType === undefined) break;
      def = def.innerType._zod.def;
    }
    return {
      key,
      flag: key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
      kind: def.type,
      description: (fieldSchema as { description?: string }).description ?? "",
      defaultValue,
      choices: def.entries === undefined ? undefined : Object.values(def.entries).map(String),
    };
  });
}

interface ZodDef {
  readonly type: string;
  readonly defaultValue?: unknown;
  readonly innerType?: { _zod: { def: ZodDef } };
  readonly entries?: Record<string, unknown>;
}

/** The widest flag column of --help before descriptions move to their own line. */
const MAX_FLAG_COLUMN = 34;

function helpText(command: string, fields: readonly FieldInfo[], usage: string): string {
  const left = fields.map((f) => {
    if (f.kind === "boolean") return `--${f.flag}`;
    const placeholder = f.choices === undefined ? f.kind.toUpperCase() : f.choices.join("|");
    return `--${f.flag} ${placeholder}`;
  });
  // A long list of choices would push every description off screen: such a flag gets its
  // description on the next line, and the column is as wide as the longest short flag.
  const width = Math.max(6, ...left.map((l) => l.length).filter((n) => n <= MAX_FLAG_COLUMN));
  const lines = fields.map((f, i) => {
    const suffix =
      f.defaultValue === undefined ? "" : ` (default ${JSON.stringify(f.defaultValue)})`;
    const text = `${f.description}${suffix}`;
    return left[i].length > width
      ? `  ${left[i]}
  ${"".padEnd(width)}  ${text}`
      : `  ${left[i].padEnd(width)}  ${text}`;
  });
  const head = usage === "" ? `Usage: troupe ${command} [options]` : usage;
  return `${[head, "", "Options:", ...lines, `  ${"--help".padEnd(width)}  this text`].join("\n")}\n`;
}
