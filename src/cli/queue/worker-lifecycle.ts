/**
 * When a `medinfer worker` process stops. BullMQ's events cannot count jobs in flight: a job
 * whose lock or key vanished (Redis restarted, connection lost) ends with neither `completed`
 * nor `failed`, and a counter kept from events then stays above 0 forever (no idle exit). The
 * count is therefore kept around the processor call itself, which always settles.
 * Stopping is bounded: in-flight jobs get `drainMs` to finish; after that they are left to other
 * workers (their locks expire, outputs are atomic, completed inputs are never redone).
 */

/** Bound on each last step of stopping (closing connections) when Redis does not answer. */
export const FORCE_CLOSE_MS = 3000;

export class JobTracker {
  private count = 0;
  private last = Date.now();
  private idleWaiters: (() => void)[] = [];

  get inFlight(): number {
    return this.count;
  }

  /** Runs one job's processing, counted while it runs whatever its outcome. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.count++;
    this.last = Date.now();
    try {
      return await work();
    } finally {
      this.count--;
      this.last = Date.now();
      if (this.count === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Restarts the idle clock (e.g. while Redis is unreachable: no job could have arrived). */
  touch(): void {
    this.last = Date.now();
  }

  /** Resolves when no job is being processed (at once if none is). */
  whenIdle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Milliseconds since the last job started or ended; 0 while one runs. */
  idleFor(now = Date.now()): number {
    return this.count > 0 ? 0 : now - this.last;
  }
}

export type StopReason = 'SIGINT' | 'SIGTERM' | 'idle' | 'cancelled';

export interface StopWatch {
  /** The first SIGINT / SIGTERM, or `idle` once no job ran for `idleExitMs`. */
  readonly reason: Promise<StopReason>;
  /** Ends the watch at once (e.g. startup failed); resolves `reason` with 'cancelled'. */
  cancel(): void;
  /** The idle clock stands still while `paused()` is true (e.g. Redis unreachable: no job can arrive). */
  pauseIdleWhile(paused: () => boolean): void;
}

/**
 * Watches for a reason to stop. Its signal listeners and timer are removed as soon as it has
 * one, so nothing it set up keeps the process alive after that.
 */
export function watchForStop(tracker: JobTracker, idleExitMs: number | undefined): StopWatch {
  let finish!: (reason: StopReason) => void;
  let idlePaused = (): boolean => false;
  const reason = new Promise<StopReason>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const onInt = () => finish('SIGINT');
    const onTerm = () => finish('SIGTERM');
    finish = (why) => {
      if (timer !== undefined) clearInterval(timer);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(why);
    };
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    if (idleExitMs !== undefined) {
      timer = setInterval(
        () => {
          if (idlePaused()) tracker.touch();
          else if (tracker.idleFor() >= idleExitMs) finish('idle');
        },
        Math.min(500, idleExitMs),
      );
    }
  });
  return {
    reason,
    cancel: () => finish('cancelled'),
    pauseIdleWhile: (paused) => {
      idlePaused = paused;
    },
  };
}

/**
 * Waits for `task` at most `ms`, or until the next SIGINT / SIGTERM (a second Ctrl-C means "now");
 * true when it settled in time. A rejection counts as settled: stopping goes on either way.
 */
export function settleWithin(task: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(ok);
    };
    const onSignal = () => done(false);
    const timer = setTimeout(() => done(false), ms);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    task.then(
      () => done(true),
      () => done(true),
    );
  });
}
