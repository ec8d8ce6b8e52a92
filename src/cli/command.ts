/** The shape of one `troupe` sub-command. */

/** Where a command writes; tests pass buffers instead of the process streams. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** True when stderr is a terminal (progress bars) rather than a file or pipe (plain lines). */
  readonly interactive: boolean;
}

/** One `troupe` sub-command. */
export interface Command {
  readonly name: string;
  /** One line for `troupe --help`. */
  readonly summary: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: readonly string[], io: CommandIo): Promise<number>;
}

/** A {@link CommandIo} that keeps everything written in memory (for tests and embedding). */
export function memoryIo(): { io: CommandIo; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    io: {
      stdout: (text) => {
        out += text;
      },
      stderr: (text) => {
        err += text;
      },
      interactive: false,
    },
    out: () => out,
    err: () => err,
  };
}
