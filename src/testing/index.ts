/**
 * `troupe/testing`: conformance suites for Troupe's extension points. Every implementation of a
 * task family, text encoder, chat client or learner runs through its suite; a failure names the
 * rule broken and the fix.
 */

export {
  type FakeFault,
  type FakeOpenAiServer,
  type FakeRequest,
  type FakeServerOptions,
  fakeEmbedding,
  startFakeOpenAiServer,
} from "../openai/fake-server.js";
export { type ChatClientSuiteOptions, describeChatClient } from "./chat-client.js";
export {
  ScriptedChatClient,
  type ScriptedChatClientOptions,
  type ScriptedReply,
} from "./scripted-chat-client.js";
export { describeTaskFamily, type TaskFamilySuiteOptions } from "./task-family.js";
export { describeTextEncoder, type TextEncoderSuiteOptions } from "./text-encoder.js";
