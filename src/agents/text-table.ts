/**
 * The text table: every distinct text an agent has read (views, action and message candidates,
 * inbox messages) gets one row id and one encoded row. Batches then refer to rows by id, so a
 * rollout stores integers, a text is encoded once per run, and a forward pass gathers rows from
 * one matrix.
 */
import type { TextEncoder } from "../encode/encoder.js";

/** Text → row id, with the encoder's rows in one growable row-major matrix. */
export class TextTable {
  private readonly ids = new Map<string, number>();
  private readonly pending: string[] = [];
  private data: Float32Array;
  private encodedRows = 0;

  /** An empty table over `encoder`'s rows. */
  constructor(readonly encoder: TextEncoder) {
    this.data = new Float32Array(256 * encoder.dimension);
  }

  /** The width of every row. */
  get dimension(): number {
    return this.encoder.dimension;
  }

  /** Rows registered so far (encoded or pending). */
  get size(): number {
    return this.ids.size;
  }

  /** The id of `text`, registering it (to be encoded by the next {@link flush}) when new. */
  idOf(text: string): number {
    const known = this.ids.get(text);
    if (known !== undefined) return known;
    const id = this.ids.size;
    this.ids.set(text, id);
    this.pending.push(text);
    return id;
  }

  /** Encodes every text registered since the last flush, in one encoder call. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const rows = await this.encoder.encode(this.pending);
    const d = this.encoder.dimension;
    const needed = (this.encodedRows + this.pending.length) * d;
    if (needed > this.data.length) {
      const grown = new Float32Array(Math.max(needed, this.data.length * 2));
      grown.set(this.data.subarray(0, this.encodedRows * d));
      this.data = grown;
    }
    this.data.set(rows, this.encodedRows * d);
    this.encodedRows += this.pending.length;
    this.pending.length = 0;
  }

  /**
   * Forgets every text (ids restart at 0; the buffer is kept). Batches built before must not be
   * used afterwards. Learners call it between iterations so that a long run's table, where almost
   * every view text is new, does not grow without bound.
   */
  clear(): void {
    this.ids.clear();
    this.pending.length = 0;
    this.encodedRows = 0;
  }

  /** The encoded rows, `encodedRows × dimension`; valid until the next flush. */
  matrix(): Float32Array {
    return this.data.subarray(0, this.encodedRows * this.encoder.dimension);
  }

  /** Rows encoded so far (ids below this can be gathered). */
  get rows(): number {
    return this.encodedRows;
  }
}
