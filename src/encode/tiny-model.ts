/**
 * Writes a tiny sentence-embedding model that `@huggingface/transformers` can load, so that the
 * `transformers` encoder's real loading code is tested without downloading anything. Its weights
 * are RANDOM (seeded): the vectors it gives carry no meaning. The graph is
 * `last_hidden_state = tanh(cumsum(embedding[input_ids], axis = 1))`: the running sum makes a
 * token's output depend on the tokens before it, so word order shows, as in a real transformer.
 * Files: config.json, tokenizer.json (WordPiece over task words, letters and digits),
 * tokenizer_config.json, onnx/model.onnx (hand-encoded ONNX protobuf, opset 14).
 */
import { join } from "node:path";
import { atomicWriteFile } from "../core/fs.js";
import type { Rng } from "../core/prng.js";

const WORDS = (
  "the a an to of in on at and or for from with by is are be it its this that agent agents team task " +
  "tasks subtask site sites move send wait help helps assign work left deadline step steps value " +
  "water fuel depot demand units message"
).split(" ");

/** The vocabulary: specials, whole words, then single characters and their "##" continuations. */
function vocabulary(): string[] {
  const characters = [..."abcdefghijklmnopqrstuvwxyz0123456789"];
  const punctuation = [...".,:;!?()-'\"/"];
  return [
    "[PAD]",
    "[UNK]",
    ...WORDS,
    ...characters,
    ...characters.map((c) => `##${c}`),
    ...punctuation,
  ];
}

/** Options of {@link writeTinySentenceModel}. */
export interface TinyModelOptions {
  /** Hidden size, the encoder's dimension. Default 16. */
  readonly hidden?: number;
}

/** Writes the tiny model's files into `folder`; see the file header. Weights come from `rng`. */
export async function writeTinySentenceModel(
  folder: string,
  rng: Rng,
  options: TinyModelOptions = {},
): Promise<void> {
  const hidden = options.hidden ?? 16;
  const vocab = vocabulary();
  const embedding = Float32Array.from({ length: vocab.length * hidden }, () =>
    rng.uniform(-0.5, 0.5),
  );
  await atomicWriteFile(
    join(folder, "config.json"),
    JSON.stringify({
      model_type: "bert",
      architectures: ["BertModel"],
      hidden_size: hidden,
      vocab_size: vocab.length,
    }),
  );
  await atomicWriteFile(join(folder, "tokenizer.json"), JSON.stringify(tokenizerJson(vocab)));
  await atomicWriteFile(
    join(folder, "tokenizer_config.json"),
    JSON.stringify({
      tokenizer_class: "BertTokenizer",
      model_max_length: 1_000_000,
      do_lower_case: true,
      unk_token: "[UNK]",
      pad_token: "[PAD]",
    }),
  );
  await atomicWriteFile(
    join(folder, "onnx", "model.onnx"),
    onnxModel(vocab.length, hidden, embedding),
  );
}

function tokenizerJson(vocab: readonly string[]): unknown {
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [special(0, "[PAD]"), special(1, "[UNK]")],
    normalizer: { type: "Lowercase" },
    pre_tokenizer: { type: "Whitespace" },
    post_processor: null,
    decoder: null,
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((token, id) => [token, id])),
    },
  };
}

// --- A minimal protobuf writer for the few ONNX messages the graph needs. ---

/** Bytes of a protobuf message under construction. */
class Proto {
  private readonly parts: number[] = [];

  varint(field: number, value: number): this {
    this.key(field, 0);
    this.raw(value);
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.key(field, 2);
    this.raw(data.length);
    for (const byte of data) this.parts.push(byte);
    return this;
  }

  string(field: number, text: string): this {
    return this.bytes(field, Buffer.from(text, "utf8"));
  }

  message(field: number, inner: Proto): this {
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }

  private key(field: number, wireType: number): void {
    this.raw(field * 8 + wireType);
  }

  private raw(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.parts.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.parts.push(v);
  }
}

const FLOAT = 1;
const INT64 = 7;

function tensor(name: string, dims: readonly number[], type: number, raw: Uint8Array): Proto {
  const proto = new Proto();
  for (const d of dims) proto.varint(1, d);
  return proto.varint(2, type).string(8, name).bytes(9, raw);
}

function valueInfo(name: string, type: number, dims: readonly (number | string)[]): Proto {
  const shape = new Proto();
  for (const d of dims) {
    shape.message(1, typeof d === "number" ? new Proto().varint(1, d) : new Proto().string(2, d));
  }
  const tensorType = new Proto().varint(1, type).message(2, shape);
  return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
}

function node(op: string, inputs: readonly string[], outputs: readonly string[]): Proto {
  const proto = new Proto();
  for (const input of inputs) proto.string(1, input);
  for (const output of outputs) proto.string(2, output);
  return proto.string(3, `${op.toLowerCase()}_0`).string(4, op);
}

function onnxModel(vocabSize: number, hidden: number, embedding: Float32Array): Uint8Array {
  const axis = new Uint8Array(new BigInt64Array([1n]).buffer);
  const graph = new Proto()
    .message(1, node("Gather", ["embedding", "input_ids"], ["embedded"]))
    .message(1, node("CumSum", ["embedded", "axis"], ["running"]))
    .message(1, node("Tanh", ["running"], ["last_hidden_state"]))
    .string(2, "tiny-sentence-model")
    .message(5, tensor("embedding", [vocabSize, hidden], FLOAT, new Uint8Array(embedding.buffer)))
    .message(5, tensor("axis", [], INT64, axis))
    .message(11, valueInfo("input_ids", INT64, ["batch", "sequence"]))
    .message(12, valueInfo("last_hidden_state", FLOAT, ["batch", "sequence", hidden]));
  return new Proto()
    .varint(1, 8)
    .string(2, "troupe tiny-model")
    .message(7, graph)
    .message(8, new Proto().string(1, "").varint(2, 14))
    .finish();
}
