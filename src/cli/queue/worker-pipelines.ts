/** The pipelines a queue worker process keeps open, shared by its inference and DICOMweb jobs. */
import { getModelEntry } from '../../manifest/load.js';
import type { ProviderChoice } from '../../runtime/providers.js';
import type { AnyPipeline } from '../tasks/types.js';
import { loadManifest, openBatchPipeline } from '../batch/run-batch.js';
import type { InferenceJobData } from './job-data.js';

export interface PipelineCacheOptions {
  readonly provider?: ProviderChoice;
  readonly threads?: number;
}

/** One pipeline per (manifest, model), shared by all concurrent jobs of a worker process. */
export class WorkerPipelines {
  private readonly open = new Map<string, Promise<AnyPipeline>>();
  constructor(private readonly options: PipelineCacheOptions) {}

  get(data: Pick<InferenceJobData, 'manifest' | 'model' | 'maxVoxels'>): Promise<AnyPipeline> {
    const key = `${data.manifest ?? ''}\0${data.model}`;
    let p = this.open.get(key);
    if (!p) {
      p = (async () => {
        const manifest = await loadManifest(data.manifest, process.cwd());
        return openBatchPipeline(getModelEntry(manifest, data.model), manifest, {
          ...this.options,
          ...(data.maxVoxels !== undefined ? { maxVoxels: data.maxVoxels } : {}),
        });
      })();
      p.catch(() => this.open.delete(key));
      this.open.set(key, p);
    }
    return p;
  }

  async dispose(): Promise<void> {
    for (const p of this.open.values()) await (await p.catch(() => undefined))?.dispose();
    this.open.clear();
  }
}
