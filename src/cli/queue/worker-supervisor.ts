/**
 * Keeps a `medinfer worker` consuming across Redis restarts and stops it within bounds.
 * BullMQ 5.81 can stay parked after its connection came back (a blocking BZPOPMIN that ioredis
 * re-sent on reconnect never settles - taskforcesh/bullmq#4479 and relatives): the process looks
 * alive, takes no job, and `close()` waits forever. The maintainers' advice is to replace the
 * Worker once the connection is back, which is what this does: after a connection error, the
 * first successful PING starts a fresh Worker and retires the old one (force-closed, bounded).
 * A job the old Worker was processing still finishes here (its outputs and record are written);
 * if the old Worker cannot report it, the job's lock expires and whoever takes it over finds it
 * complete on disk.
 */
import type { Worker } from 'bullmq';
import { FORCE_CLOSE_MS, settleWithin, type JobTracker } from './worker-lifecycle.js';

const CONNECTION_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export function isConnectionError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && CONNECTION_ERRNO.has(code)) || /Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT/.test(error.message);
}

export interface StopOutcome {
  /** Every job being processed finished within the drain bound. */
  readonly drained: boolean;
  /** BullMQ closed its connections (reported completions to Redis) within the bound. */
  readonly closed: boolean;
}

export class WorkerSupervisor<T> {
  private current: Worker<T>;
  private readonly retiring = new Set<Promise<unknown>>();
  private reviving = false;
  private stopping = false;
  private troubled = false;

  constructor(
    private readonly make: () => Worker<T>,
    private readonly say: (text: string) => void,
  ) {
    this.current = this.attach(make());
  }

  get worker(): Worker<T> {
    return this.current;
  }

  /** False from a connection error until Redis answered again. */
  get reachable(): boolean {
    return !this.troubled;
  }

  private attach(worker: Worker<T>): Worker<T> {
    worker.on('error', (error) => {
      if (!isConnectionError(error) || worker !== this.current) return;
      this.troubled = true;
      this.revive(worker);
    });
    return worker;
  }

  /** Once Redis answers again, swaps `worker` (if still current) for a fresh one. */
  private revive(worker: Worker<T>): void {
    if (this.reviving || this.stopping || worker !== this.current) return;
    this.reviving = true;
    void (async () => {
      try {
        // Without a request retry limit the PING waits in ioredis' offline queue until Redis is back.
        // (BullMQ's client type leaves out PING; the client is an ioredis instance.)
        await ((await worker.client) as unknown as { ping(): Promise<unknown> }).ping();
        if (this.stopping || worker !== this.current) return;
        this.troubled = false;
        this.say('Redis is reachable again: continuing on a fresh connection');
        this.current = this.attach(this.make());
        this.retire(worker);
      } catch {
        // Still down or closing: the next connection error tries again.
      } finally {
        this.reviving = false;
      }
    })();
  }

  private retire(worker: Worker<T>): void {
    const done = settleWithin(worker.close(true), FORCE_CLOSE_MS).then(async (closed) => {
      if (!closed) await settleWithin(worker.disconnect(), FORCE_CLOSE_MS);
    });
    this.retiring.add(done);
    void done.then(() => this.retiring.delete(done));
  }

  /**
   * Takes no new job, lets the jobs being processed finish for at most `drainMs` (or until a
   * second signal), then closes the connections within a bound whatever state Redis is in.
   */
  async stop(tracker: JobTracker, drainMs: number): Promise<StopOutcome> {
    this.stopping = true;
    const worker = this.current;
    const closing = worker.close();
    const drained = await settleWithin(tracker.whenIdle(), drainMs);
    const closed = await settleWithin(Promise.all([closing, ...this.retiring]), FORCE_CLOSE_MS);
    if (!closed) await settleWithin(worker.disconnect(), FORCE_CLOSE_MS);
    return { drained, closed };
  }
}
