/**
 * The CLI's main() run in the test's own process from the TypeScript sources (no dist/ needed,
 * unlike test/fixtures/cli/cli-harness.ts's runCli, which spawns bin/medinfer.js), with what it
 * writes to stdout / stderr captured as text. Defaults: the process's cwd, an empty environment
 * (no MEDINFER_* variable of the caller leaks in), and no terminal.
 */
import type { CliContext } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';

export interface MainRun {
  code: number;
  out: string;
  err: string;
}

export async function runMain(argv: readonly string[], options: { cwd?: string; env?: Record<string, string>; isTTY?: boolean } = {}): Promise<MainRun> {
  let out = '';
  let err = '';
  const ctx: CliContext = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? {},
    isTTY: options.isTTY ?? false,
  };
  const code = await main([...argv], ctx);
  return { code, out, err };
}
