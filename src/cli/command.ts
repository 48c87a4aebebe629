/** The contract every `medinfer <command>` module implements. */

export interface CliContext {
  /** Writes to standard output (results, tables, JSON). */
  out(text: string): void;
  /** Writes to standard error (progress, warnings, errors). */
  err(text: string): void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** True when stderr is a terminal (progress bars); false in CI logs and pipes. */
  readonly isTTY: boolean;
}

export interface CliCommand {
  readonly name: string;
  /** One line for `medinfer --help`. */
  readonly summary: string;
  /** Full usage text for `medinfer <name> --help`. */
  readonly usage: string;
  /** Returns the exit code: 0 all ok, 1 some items failed, 2 usage or setup error. */
  run(argv: string[], ctx: CliContext): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_SOME_FAILED = 1;
export const EXIT_USAGE = 2;
