/**
 * An in-process {@link ChatClient} over a local GGUF model through `node-llama-cpp` (v3), an
 * optional peer dependency: it is loaded with `await import()` only when a GGUF model is asked
 * for, so nobody pays its ~725 MB of platform binaries unless they use it. Requests run one at a
 * time on one context; JSON-schema requests are enforced by a grammar at generation time.
 * Declared in package.json as an optional peer dependency (`peerDependenciesMeta`), not a
 * devDependency. A real model is tested only by the opt-in `llm.int.test.ts`
 * (`TROUPE_GGUF=/path/to/model.gguf node scripts/test.mjs --int src/llm`); `gguf.test.ts` runs
 * this client on a stand-in module.
 */
import { ConfigError, InputError } from "../core/errors.js";
import type { ChatClient, ChatMessage, ChatRequest, ChatResult } from "../openai/client.js";
import { ConcurrencyLimiter } from "../openai/limiter.js";

/** How to install the optional peer. */
export const NODE_LLAMA_CPP_INSTALL = "npm install node-llama-cpp@3";

// The slice of node-llama-cpp's API used here, typed locally so the package stays optional.
interface LlamaModule {
  getLlama(): Promise<Llama>;
  LlamaChatSession: new (options: {
    contextSequence: unknown;
    autoDisposeSequence?: boolean;
  }) => ChatSession;
}
interface Llama {
  loadModel(options: { modelPath: string }): Promise<LlamaModel>;
  createGrammarForJsonSchema(schema: Record<string, unknown>): Promise<unknown>;
}
interface LlamaModel {
  createContext(): Promise<{ getSequence(): unknown }>;
  tokenize(text: string): readonly unknown[];
}
interface ChatSession {
  setChatHistory(history: readonly HistoryItem[]): void;
  prompt(
    text: string,
    options: { maxTokens?: number; temperature?: number; seed?: number; grammar?: unknown },
  ): Promise<string>;
  dispose(): void;
}
type HistoryItem =
  | { type: "system"; text: string }
  | { type: "user"; text: string }
  | { type: "model"; response: string[] };

/** Options of {@link loadGgufChatClient}. */
export interface GgufChatClientOptions {
  /** The GGUF model file. */
  readonly path: string;
  /** Loads a module by name; tests pass a fake. Default: `import()`. */
  readonly importModule?: (name: string) => Promise<unknown>;
}

/**
 * Loads `options.path` with node-llama-cpp and returns a chat client over it.
 * @example const client = await loadGgufChatClient({ path: "models/qwen2.5-0.5b-q4.gguf" });
 */
export async function loadGgufChatClient(options: GgufChatClientOptions): Promise<ChatClient> {
  const load = options.importModule ?? ((name: string) => import(name));
  let llamaCpp: LlamaModule;
  try {
    llamaCpp = (await load("node-llama-cpp")) as LlamaModule;
  } catch (cause) {
    throw new ConfigError({
      input: "llm kind node-llama-cpp",
      problem: "the optional package node-llama-cpp is not installed",
      fix: `run \`${NODE_LLAMA_CPP_INSTALL}\` (about 725 MB with its binaries), or serve the model over HTTP (llama-server, Ollama) and pass --llm URL`,
      cause,
    });
  }
  const llama = await llamaCpp.getLlama();
  const model = await llama.loadModel({ modelPath: options.path });
  const context = await model.createContext();
  const limiter = new ConcurrencyLimiter(1);
  const grammars = new Map<string, unknown>();

  const chat = async (request: ChatRequest): Promise<ChatResult> => {
    const last = request.messages.at(-1);
    if (last === undefined || last.role !== "user") {
      throw new InputError({
        input: `chat request to ${options.path}`,
        problem: last === undefined ? "no messages" : "the last message is not the user's",
        expected: "a conversation ending with a user message",
        fix: "pass the conversation so far, ending with the user's turn",
      });
    }
    let grammar: unknown;
    if (request.jsonSchema !== undefined) {
      const key = JSON.stringify(request.jsonSchema.schema);
      grammar =
        grammars.get(key) ?? (await llama.createGrammarForJsonSchema(request.jsonSchema.schema));
      grammars.set(key, grammar);
    }
    const session = new llamaCpp.LlamaChatSession({
      contextSequence: context.getSequence(),
      autoDisposeSequence: true,
    });
    try {
      session.setChatHistory(request.messages.slice(0, -1).map(historyItem));
      const content = await session.prompt(last.content, {
        ...(request.maxTokens === undefined ? {} : { maxTokens: request.maxTokens }),
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        ...(request.seed === undefined ? {} : { seed: request.seed }),
        ...(grammar === undefined ? {} : { grammar }),
      });
      const promptText = request.messages.map((m) => m.content).join("\n");
      return {
        content,
        finishReason: "stop",
        promptTokens: model.tokenize(promptText).length,
        completionTokens: model.tokenize(content).length,
      };
    } finally {
      session.dispose();
    }
  };

  return {
    async chat(request) {
      if (request.messages.length === 0) {
        throw new InputError({
          input: `chat request to ${options.path}`,
          problem: "no messages",
          expected: "at least one message",
          fix: "pass the conversation so far",
        });
      }
      return limiter.run(() => chat(request));
    },
  };
}

function historyItem(message: ChatMessage): HistoryItem {
  if (message.role === "assistant") return { type: "model", response: [message.content] };
  return { type: message.role, text: message.content };
}
