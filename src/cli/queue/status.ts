/** Queue counts and throughput (jobs finished per minute over recent windows). */
import type { Queue } from 'bullmq';

export interface QueueStatus {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly completed: number;
  readonly failed: number;
  /** Jobs finished (completed or failed) per minute over the last 1 and 5 minutes. */
  readonly ratePerMinute: { readonly last1: number; readonly last5: number };
}

export async function readQueueStatus(queue: Queue): Promise<QueueStatus> {
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized', 'waiting-children');
  const recent = await queue.getJobs(['completed', 'failed'], 0, 2000, false);
  const now = Date.now();
  const finishedWithin = (ms: number) => recent.filter((j) => j.finishedOn !== undefined && now - j.finishedOn <= ms).length;
  return {
    waiting: (counts['waiting'] ?? 0) + (counts['prioritized'] ?? 0),
    active: counts['active'] ?? 0,
    delayed: counts['delayed'] ?? 0,
    completed: counts['completed'] ?? 0,
    failed: counts['failed'] ?? 0,
    ratePerMinute: { last1: finishedWithin(60_000), last5: finishedWithin(300_000) / 5 },
  };
}

export function formatQueueStatus(s: QueueStatus): string {
  return (
    `waiting ${s.waiting}  active ${s.active}  delayed ${s.delayed}  done ${s.completed}  failed ${s.failed}  rate ${s.ratePerMinute.last1}/min (5-min ` +
    `avg ${s.ratePerMinute.last5.toFixed(1)}/min)`
  );
}
