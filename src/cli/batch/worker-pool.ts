/**
 * Runs `work` over items with at most `concurrency` in flight. With one shared ONNX session,
 * this is what overlaps the JS-side decode / preprocessing / writing of some inputs with the
 * native inference of another (onnxruntime-node runs sessions off the JS thread).
 */
export async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>, signal?: AbortSignal, onWorkerDone?: () => void): Promise<void> {
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
