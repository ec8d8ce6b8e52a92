/** Every `troupe` sub-command, by name. Adding a command is one file and one line here. */
import type { Command } from "./command.js";
import { demoCommand } from "./demo.js";
import { evalCommand } from "./eval.js";
import { playCommand } from "./play.js";
import { reproduceCommand } from "./reproduce.js";
import { tasksCommand } from "./tasks.js";
import { trainCommand } from "./train.js";

const all: readonly Command[] = [
  tasksCommand,
  demoCommand,
  playCommand,
  trainCommand,
  evalCommand,
  reproduceCommand,
];

/** The registered commands, keyed by name. */
export const commands: ReadonlyMap<string, Command> = new Map(all.map((c) => [c.name, c]));
