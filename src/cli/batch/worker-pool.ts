/**
 * Runs `work` over items with at most `concurrency` in flight. With one shared ONNX session,
 * this is what overlaps the JS-side decode / preprocessing / writing of some inputs with the
 * native inference of another (onnxruntime-node runs sessions off the JS thread).
 */
export async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
