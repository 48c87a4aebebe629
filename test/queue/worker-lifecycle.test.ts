/** The worker's stop logic without Redis: job counting through every outcome, idle exit, bounded waits. */
import { describe, expect, it } from 'vitest';
import { JobTracker, settleWithin, watchForStop } from '../../src/cli/queue/worker-lifecycle.js';
import { isConnectionError } from '../../src/cli/queue/worker-supervisor.js';

describe('worker lifecycle', () => {
  it('JobTracker counts a job until it settles, whether it resolves or rejects', async () => {
    const t = new JobTracker();
    let finish!: () => void;
    const ok = t.track(() => new Promise<void>((r) => (finish = r)));
    const bad = t.track(async () => {
      throw new Error('Missing lock for job 1. moveToFinished');
    });
    await expect(bad).rejects.toThrow(/Missing lock/);
    expect(t.inFlight).toBe(1);
    expect(t.idleFor()).toBe(0);
    let idle = false;
    void t.whenIdle().then(() => (idle = true));
    finish();
    await ok;
    await t.whenIdle();
    expect(idle).toBe(true);
    expect(t.inFlight).toBe(0);
  });

  it('watchForStop: idle exit fires after the idle time, and not while a job runs', async () => {
    const before = process.listenerCount('SIGTERM');
    const t = new JobTracker();
    let finish!: () => void;
    const job = t.track(() => new Promise<void>((r) => (finish = r)));
    const watch = watchForStop(t, 100);
    const early = await Promise.race([watch.reason, new Promise((r) => setTimeout(() => r('still running'), 400))]);
    expect(early).toBe('still running');
    finish();
    await job;
    const started = Date.now();
    expect(await watch.reason).toBe('idle');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });

  it('watchForStop: SIGTERM stops it and removes its listeners and timer', async () => {
    const before = [process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')];
    const watch = watchForStop(new JobTracker(), 60_000);
    process.emit('SIGTERM', 'SIGTERM');
    expect(await watch.reason).toBe('SIGTERM');
    expect([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]).toEqual(before);
  });

  it('settleWithin: true when the task settles in time (also by rejecting), false after the bound', async () => {
    expect(await settleWithin(Promise.resolve(), 1000)).toBe(true);
    expect(await settleWithin(Promise.reject(new Error('x')), 1000)).toBe(true);
    expect(await settleWithin(new Promise(() => undefined), 50)).toBe(false);
  });

  it('isConnectionError: refused / reset / closed, not BullMQ job errors', () => {
    expect(isConnectionError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isConnectionError(new Error('Connection is closed.'))).toBe(true);
    expect(isConnectionError(new Error('Missing key for job 1. moveToFinished'))).toBe(false);
  });
});
