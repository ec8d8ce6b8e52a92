/** Every `troupe` sub-command, by name. Adding a command is one file and one line here. */
import type { Command } from "./command.js";
import { demoCommand } from "./demo.js";
import { playCommand } from "./play.js";
import { tasksCommand } from "./tasks.js";

const all: readonly Command[] = [tasksCommand, demoCommand, playCommand];

/** The registered commands, keyed by name. */
export const commands: ReadonlyMap<string, Command> = new Map(all.map((c) => [c.name, c]));
