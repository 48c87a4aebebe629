/**
 * Micro-batching for classification: workers load and check their image concurrently, then hand
 * the Volume here; inputs waiting at the same time run as one tensor batch (pipeline.runBatch, up
 * to the manifest's inference.batch). One batch is in flight at a time, so the next batch's
 * decoding overlaps the current batch's inference. A batch is sent as soon as it is full or every
 * live worker is waiting on the batcher (nothing more can arrive). If a batch fails, its inputs
 * are retried one by one so a bad input fails alone.
 */
import type { Volume } from '../../core/volume.js';
import type { ClassificationPipeline, ClassificationResult } from '../../pipelines/classification.js';

interface Pending {
  readonly volume: Volume;
  readonly resolve: (r: ClassificationResult) => void;
  readonly reject: (e: unknown) => void;
}

export interface MicroBatcher {
  /** Resolves with this volume's result once its batch has run. */
  submit(volume: Volume): Promise<ClassificationResult>;
  /** A worker has no more items: it will never submit again. */
  retire(): void;
}

export function createMicroBatcher(pipe: ClassificationPipeline, workers: number, maxBatch: number): MicroBatcher {
  let live = workers;
  let inFlight = 0;
  let running = false;
  let pending: Pending[] = [];

  const runOne = async (batch: Pending[]) => {
    try {
      const results = await pipe.runBatch(batch.map((p) => p.volume));
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch {
      for (const p of batch) await pipe.run(p.volume).then(p.resolve, p.reject);
    }
  };

  const pump = () => {
    if (running || pending.length === 0) return;
    if (pending.length < maxBatch && pending.length + inFlight < live) return;
    const batch = pending.slice(0, maxBatch);
    pending = pending.slice(batch.length);
    running = true;
    inFlight = batch.length;
    void runOne(batch).finally(() => {
      running = false;
      inFlight = 0;
      pump();
    });
  };

  return {
    submit(volume) {
      return new Promise((resolve, reject) => {
        pending.push({ volume, resolve, reject });
        pump();
      });
    },
    retire() {
      live--;
      pump();
    },
  };
}
