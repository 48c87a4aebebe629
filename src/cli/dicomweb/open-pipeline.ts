/**
 * The pipeline `medinfer dicomweb run` uses, on the main thread, with a backend wrapper that
 * adds up the time spent inside session.run: the summary's `modelMs` (and the benchmark's "share
 * outside the model") then means ONNX Runtime's own time for every task, not only for the
 * volumetric pipelines that report `inferenceMs` themselves.
 */
import { UsageError } from '../../core/errors.js';
import type { Manifest, ModelEntry } from '../../manifest/types.js';
import { createNodeContext } from '../../pipelines/node-context.js';
import { createPipelineInContext, isImplementedTask } from '../../pipelines/registry.js';
import type { BackendSession, RuntimeBackend } from '../../runtime/backend.js';
import type { ProviderChoice } from '../../runtime/providers.js';
import type { AnyPipeline } from '../tasks/types.js';

export interface SessionTiming {
  /** Milliseconds spent in session.run since the pipeline was opened. */
  runMs: number;
}

export function timeSessionRuns(backend: RuntimeBackend, timing: SessionTiming): RuntimeBackend {
  return {
    platform: backend.platform,
    autoOrder: backend.autoOrder,
    unavailableReason: (p) => backend.unavailableReason(p),
    loadModelBytes: (location, onProgress) => backend.loadModelBytes(location, onProgress),
    async createSession(model, provider, options) {
      const session = await backend.createSession(model, provider, options);
      const timed: BackendSession = {
        get inputNames() {
          return session.inputNames;
        },
        get outputNames() {
          return session.outputNames;
        },
        get inputMetadata() {
          return session.inputMetadata;
        },
        get outputMetadata() {
          return session.outputMetadata;
        },
        get fallbacks() {
          return session.fallbacks ?? [];
        },
        release: () => session.release(),
        async run(feeds) {
          const t = performance.now();
          try {
            return await session.run(feeds);
          } finally {
            timing.runMs += performance.now() - t;
          }
        },
      };
      return timed;
    },
  };
}

export async function openTimedPipeline(
  entry: ModelEntry,
  manifest: Manifest,
  options: { provider?: ProviderChoice; threads?: number; maxVoxels?: number },
  timing: SessionTiming,
): Promise<AnyPipeline> {
  if (!isImplementedTask(entry.task))
    throw new UsageError(`model '${entry.id}' has task '${entry.task}', which the pipelines do not support`, { modelId: entry.id });
  const context = await createNodeContext({ manifest, ...options });
  return createPipelineInContext(entry.task, entry, { ...context, backend: timeSessionRuns(context.backend, timing) });
}
