/**
 * Progress of one long step (files read, windows inferred, instances downloaded) on stderr, in
 * the same two styles as the batch progress (batch/progress.ts): on a terminal one line redrawn
 * in place (at most 10 times a second); elsewhere (CI logs, pipes) plain `progress <what> ...`
 * lines, one per 10% of the total and at least every `intervalMs`, never carriage returns.
 * `quiet` silences it. Steps that finish within `quietMs` print nothing, so small inputs keep
 * their output as it was.
 */

/** Counted steps of a multi-step flow (the DICOMweb run: instances retrieved, sliding windows). */
export interface FlowProgress {
  update(step: string, done: number, total: number | undefined, detail?: string): void;
  finish(step: string): void;
}

export interface StepProgressOptions {
  /** What is counted, e.g. 'convert: files' - the line reads `progress convert: files 3/10 ...`. */
  readonly label: string;
  readonly isTTY: boolean;
  readonly quiet: boolean;
  readonly write: (text: string) => void;
  /** Plain mode: the longest gap between lines (default 10 s). */
  readonly intervalMs?: number;
  /** Nothing is printed before this much time has passed (default 0: from the first update). */
  readonly quietMs?: number;
}

export interface StepProgress {
  /**
   * `done` of `total` (total undefined when unknown); `detail` is appended (e.g. '12.5/40.0 MB').
   * Calls may come often: drawing is rate-limited here.
   */
  update(done: number, total: number | undefined, detail?: string): void;
  /** Draws the final state (a terminal line ends with a newline; plain mode prints the last line). */
  finish(): void;
}

/** Bytes as MB with one decimal (10^6 bytes, as file sizes are usually shown). */
export function formatMegabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** Steps shorter than this print nothing (the output of quick commands stays as it was). */
export const DEFAULT_PROGRESS_DELAY_MS = 1000;

function envMs(env: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const raw = env[name];
  const value = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Options from a command context. `MEDINFER_PROGRESS_INTERVAL_MS` sets the plain-mode interval
 * and `MEDINFER_PROGRESS_DELAY_MS` the silent start (default 1 s); tests set both to 0.
 */
export function stepProgressFromContext(
  ctx: { isTTY: boolean; env: Readonly<Record<string, string | undefined>>; err(text: string): void },
  label: string,
  quiet: boolean,
): StepProgress {
  const interval = envMs(ctx.env, 'MEDINFER_PROGRESS_INTERVAL_MS');
  return createStepProgress({
    label,
    isTTY: ctx.isTTY,
    quiet,
    write: (t) => ctx.err(t),
    quietMs: envMs(ctx.env, 'MEDINFER_PROGRESS_DELAY_MS') ?? DEFAULT_PROGRESS_DELAY_MS,
    ...(interval !== undefined ? { intervalMs: interval } : {}),
  });
}

export function createStepProgress(options: StepProgressOptions): StepProgress {
  const started = Date.now();
  const interval = options.intervalMs ?? 10_000;
  const quietMs = options.quietMs ?? 0;
  let last: { done: number; total: number | undefined; detail: string | undefined } | undefined;
  let lastWrite = 0;
  let lastDecile = -1;
  let printedAny = false;
  let lastPrinted = '';

  const text = () => {
    if (!last) return '';
    const { done, total, detail } = last;
    const count = total !== undefined && total > 0 ? `${done}/${total} (${Math.floor((100 * done) / total)}%)` : `${done}`;
    return `${options.label} ${count}${detail ? `, ${detail}` : ''}`;
  };

  const draw = (final: boolean) => {
    const line = text();
    if (options.isTTY) options.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
    else options.write(`progress ${line}\n`);
    lastPrinted = line;
    printedAny = true;
    lastWrite = Date.now();
  };

  return {
    update(done, total, detail) {
      last = { done, total, detail };
      if (options.quiet) return;
      const now = Date.now();
      if (now - started < quietMs) return;
      if (options.isTTY) {
        if (now - lastWrite >= 100) draw(false);
        return;
      }
      const decile = total !== undefined && total > 0 ? Math.floor((10 * done) / total) : -1;
      if ((decile > lastDecile && decile >= 0) || now - lastWrite >= interval) {
        lastDecile = Math.max(lastDecile, decile);
        draw(false);
      }
    },
    finish() {
      if (options.quiet || !last) return;
      if (options.isTTY) {
        if (printedAny) draw(true);
        return;
      }
      // Plain mode: the final count once (it is usually the 100% line already printed).
      if (printedAny && text() !== lastPrinted) draw(true);
    },
  };
}
