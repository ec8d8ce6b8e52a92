/**
 * The layering of src/ (ARCHITECTURE.md, "The dependency rule"): one forbidden rule per layer,
 * each naming the only folders that layer may import. Test files are left out: a test may reach
 * across layers to build its fixtures.
 */
const layer = (name, allowed, comment) => ({
  name: `${name}-layer`,
  comment,
  severity: "error",
  from: { path: `^src/${name}/` },
  to: { path: "^src/", pathNot: `^src/(${[name, ...allowed].join("|")})/` },
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import cycles, inside a folder or between folders.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    layer("core", [], "core/ is the base: it imports nothing of ours."),
    layer("model", ["core"], "model/ (tensors, layers, optimisers) builds on core/ only."),
    layer("env", ["core"], "env/ (task families, runner) builds on core/ only."),
    layer("openai", ["core"], "openai/ (the OpenAI-compatible HTTP client) builds on core/ only."),
    layer("encode", ["core", "openai"], "encode/ (text encoders) builds on core/ and openai/."),
    layer(
      "agents",
      ["core", "model", "env", "encode"],
      "agents/ (policies) builds on core, model, env and encode.",
    ),
    layer(
      "learn",
      ["core", "model", "env", "encode", "agents"],
      "learn/ (learners, credit assignment) builds on agents and below.",
    ),
    layer(
      "llm",
      ["core", "openai", "model", "env", "encode", "agents"],
      "llm/ (LLM agents, coordinator) builds on agents and below, never on learn/.",
    ),
    layer(
      "experiment",
      ["core", "openai", "model", "env", "encode", "agents", "learn", "llm"],
      "experiment/ (studies, stats, report) builds on everything but the front ends.",
    ),
    layer(
      "testing",
      ["core", "openai", "model", "env", "encode", "agents", "learn", "llm"],
      "testing/ (conformance suites) checks interfaces; it never reaches the front ends.",
    ),
    layer(
      "cli",
      ["core", "openai", "model", "env", "encode", "agents", "learn", "llm", "experiment"],
      "cli/ is a thin client of the layers below; nothing imports it.",
    ),
    {
      name: "nothing-imports-the-front-ends",
      comment: "cli/ and web/ are leaves: only they (and their tests) import themselves.",
      severity: "error",
      from: { pathNot: "^src/(cli|web)/" },
      to: { path: "^src/(cli|web)/" },
    },
    {
      name: "only-tests-import-testing",
      comment: "troupe/testing is a separate entry point; library code never imports it.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/testing/" },
      to: { path: "^src/testing/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "\\.test\\.ts$" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
