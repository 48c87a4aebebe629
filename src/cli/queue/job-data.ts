/**
 * What a queued job carries: everything a worker on another machine needs to process one input
 * group with the same result as `medinfer run`. Paths must be valid on every worker (a shared
 * folder); job ids are derived from the output folder and the item id, so re-submitting a batch
 * never creates duplicate work.
 */
import { createHash } from 'node:crypto';
import type { BatchItem } from '../batch/types.js';

export interface InferenceJobData {
  readonly model: string;
  /** Absolute manifest path (shared), or undefined for the bundled manifest. */
  readonly manifest?: string;
  /** Absolute output folder (shared). */
  readonly output: string;
  readonly item: BatchItem;
  readonly explain: boolean;
  readonly maxVoxels?: number;
  /** `--volume n`: the volume a model takes from multi-volume inputs (see pipelines/select-volume.ts). */
  readonly volume?: number;
  readonly submittedAt: string;
}

export function jobIdFor(output: string, itemId: string): string {
  return createHash('sha256').update(`${output}\0${itemId}`).digest('hex').slice(0, 32);
}

/** Per-item result and error records, one file each (safe on shared network folders). */
export const QUEUE_STATE_DIR = '.medinfer-queue';
