/**
 * Session options of the bare onnxruntime-node baseline: the ones the SDK's Node runtime sets for
 * a CPU pipeline (src/runtime/ort-node.ts: intra-op threads; graph optimisation and thread
 * spinning left at ONNX Runtime's defaults, 'all' and spinning), so the overhead ratio compares
 * the same kernels under the same thread policy and measures only what the SDK adds around run().
 */
export function bareSessionOptions(threads) {
  return { executionProviders: ['cpu'], intraOpNumThreads: threads };
}
