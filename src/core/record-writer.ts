/**
 * The small writer interface that record-keeping code (LLM request/reply logs, episode
 * transcripts) writes through, so that `llm/` can keep an exact record of a run without importing
 * the experiment layer. Records are plain JSON values, one per line (JSONL); every `append` is on
 * disk when it resolves, so a crash mid-episode keeps everything written before it.
 */
import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { IoError } from "./errors.js";
import { canonicalJson } from "./json.js";

/** An append-only sink of JSON records. */
export interface RecordWriter {
  /** Appends one record; resolves once it is stored. */
  append(record: unknown): Promise<void>;
}

/** A {@link RecordWriter} that keeps records in memory, for tests and for replaying a run. */
export class MemoryRecordWriter implements RecordWriter {
  /** The records appended so far, in order (as parsed copies: what a file would give back). */
  readonly records: unknown[] = [];

  async append(record: unknown): Promise<void> {
    this.records.push(JSON.parse(canonicalJson(record)));
  }
}

/**
 * A {@link RecordWriter} that appends one canonical JSON line per record to `path` (created with
 * its folder on the first append). Appends are serialised, so concurrent callers never interleave
 * half-lines.
 * @example const log = new JsonlRecordWriter("runs/play/llm.jsonl"); await log.append({ t: 0 });
 */
export class JsonlRecordWriter implements RecordWriter {
  private queue: Promise<void> = Promise.resolve();
  private folderReady = false;

  constructor(readonly path: string) {}

  append(record: unknown): Promise<void> {
    const line = `${canonicalJson(record)}\n`;
    const next = this.queue.then(() => this.write(line));
    // A failed append must not wedge the ones after it; each caller still sees its own failure.
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async write(line: string): Promise<void> {
    try {
      if (!this.folderReady) {
        await mkdir(dirname(this.path), { recursive: true });
        this.folderReady = true;
      }
      await appendFile(this.path, line, "utf8");
    } catch (cause) {
      const code = (cause as { code?: string } | null)?.code ?? "unknown";
      throw new IoError({
        input: this.path,
        problem: `could not append a record (${code})`,
        fix: "check that the folder is writable and the disk has space, then run again",
        cause,
      });
    }
  }
}
