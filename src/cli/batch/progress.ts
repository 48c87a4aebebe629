/**
 * Batch progress on stderr. On a terminal: one bar redrawn in place (done / failed / rate /
 * ETA). Elsewhere (CI logs, pipes, files): plain lines, one per 10% of the inputs and at least
 * every `intervalMs`, so a log shows progress without carriage-return noise.
 */

export interface ProgressOptions {
  readonly total: number;
  readonly isTTY: boolean;
  readonly quiet: boolean;
  readonly write: (text: string) => void;
  /** Plain mode: the longest gap between lines (default 10 s). */
  readonly intervalMs?: number;
  /** Terminal width for the bar (default 80). */
  readonly columns?: number;
}

export interface ProgressReporter {
  /** Records one finished input. */
  tick(ok: boolean): void;
  /** Terminal only: a short status shown after the bar (e.g. sliding windows of the current input). */
  note(text: string): void;
  /** Stops the timer and draws the final state. */
  finish(): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatRate(perSecond: number): string {
  return perSecond >= 10 ? perSecond.toFixed(0) : perSecond >= 1 ? perSecond.toFixed(1) : perSecond.toFixed(2);
}

export function createProgress(options: ProgressOptions): ProgressReporter {
  const started = Date.now();
  let ok = 0;
  let failed = 0;
  let lastLine = started;
  let lastDecile = 0;
  let lastDraw = 0;
  let noteText = '';
  const interval = options.intervalMs ?? 10_000;
  const silent = options.quiet || options.total === 0;

  const stats = () => {
    const done = ok + failed;
    const elapsed = (Date.now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? (options.total - done) / rate : Infinity;
    return { done, rate, eta, elapsed };
  };

  const drawBar = (final: boolean) => {
    const { done, rate, eta } = stats();
    const tail =
      ` ${done}/${options.total}  ok ${ok}  failed ${failed}  ${formatRate(rate)}/s  ETA ` +
      `${final ? '0s' : formatDuration(eta)}${!final && noteText ? `  ${noteText}` : ''}`;
    const width = Math.max(10, Math.min(40, (options.columns ?? 80) - tail.length - 3));
    const filled = Math.round((done / options.total) * width);
    options.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]${tail}\x1b[K${final ? '\n' : ''}`);
    lastDraw = Date.now();
  };

  const writeLine = () => {
    const { done, rate, eta } = stats();
    const pct = Math.floor((100 * done) / options.total);
    options.write(`progress ${done}/${options.total} (${pct}%): ${ok} ok, ${failed} failed, ${formatRate(rate)} inputs/s, ETA ${formatDuration(eta)}\n`);
    lastLine = Date.now();
  };

  const timer = silent
    ? undefined
    : setInterval(() => (options.isTTY ? drawBar(false) : Date.now() - lastLine >= interval && writeLine()), options.isTTY ? 1000 : Math.min(interval, 1000));
  timer?.unref();
  if (!silent && options.isTTY) drawBar(false);

  return {
    tick(success) {
      if (success) ok++;
      else failed++;
      if (silent) return;
      if (options.isTTY) {
        if (Date.now() - lastDraw >= 100) drawBar(false);
        return;
      }
      const decile = Math.floor((10 * (ok + failed)) / options.total);
      if (decile > lastDecile || Date.now() - lastLine >= interval) {
        lastDecile = decile;
        writeLine();
      }
    },
    note(text) {
      noteText = text;
      if (silent || !options.isTTY) return;
      if (Date.now() - lastDraw >= 100) drawBar(false);
    },
    finish() {
      if (timer) clearInterval(timer);
      if (silent) return;
      if (options.isTTY) drawBar(true);
    },
  };
}
