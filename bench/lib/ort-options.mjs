/**
 * Session options of the bare onnxruntime-node baseline: the ones the SDK's Node runtime sets for
 * a CPU pipeline (src/runtime/ort-node.ts: intra-op threads, intra-op threads that block instead
 * of spin-waiting; graph optimisation left at ONNX Runtime's default, 'all'), so the overhead
 * ratio compares the same kernels under the same thread policy and measures only what the SDK
 * adds around session.run().
 */
export function bareSessionOptions(threads) {
  return { executionProviders: ['cpu'], intraOpNumThreads: threads, extra: { session: { intra_op: { allow_spinning: '0' } } } };
}
