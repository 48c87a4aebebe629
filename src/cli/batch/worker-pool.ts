/**
 * Runs `work` over items with at most `concurrency` in flight, all sharing one pipeline (one
 * ONNX session). onnxruntime-node 1.30 executes session.run synchronously on the JS thread (its
 * async run() is a setImmediate wrapper), so what overlaps one input's inference is the other
 * inputs' thread-pool work: file reads, sharp decoding, gzip, writes.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
  onWorkerDone?: () => void,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    // An abort stops taking new items; items in flight finish and are written normally.
    while (next < items.length && !signal?.aborted) {
      const index = next++;
      await work(items[index]!, index);
    }
    onWorkerDone?.();
  };
  await Promise.all(Array.from({ length: poolSize(concurrency, items.length) }, worker));
}

/** Workers a pool of `concurrency` starts for `count` items. */
export function poolSize(concurrency: number, count: number): number {
  return Math.max(1, Math.min(concurrency, count));
}
