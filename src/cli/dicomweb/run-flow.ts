/**
 * `medinfer dicomweb run` as a function (the CLI command and the queue job both call it):
 * QIDO-RS the study's series -> pick the model's input series (select-series.ts) -> skip if the
 * result is already stored (QIDO-RS for the derived SOP Instance UID) -> WADO-RS retrieve ->
 * read with the SDK's series reader -> run the model -> SEG and / or SR (derived-objects.ts; what
 * runs and what is stored is the task's `dicomweb` in its CLI definition, src/cli/tasks/) ->
 * STOW-RS into the same study. Every failure is a typed MedinferError.
 * Privacy: `log` lines carry counts, sizes, modalities, series numbers and UIDs only - never a
 * patient or study attribute read from the data (name, ID, dates, descriptions) nor credentials.
 */
import { InputError, LimitError, UsageError } from '../../core/errors.js';
import { TASK_NAMES } from '../../manifest/tasks.js';
import { DEFAULT_MAX_VOXELS } from '../../io/dicom/limits.js';
import type { Volume } from '../../core/volume.js';
import { createDicomWebClient, type DicomWebClient } from '../../io/dicomweb/client.js';
import type { DicomWebAuth } from '../../io/dicomweb/http.js';
import { retrieveDicomWebSeriesFiles, seriesRetrieveLimits } from '../../io/dicomweb/read-series.js';
import { readDicomSeries } from '../../io/dicom/series-assemble.js';
import { describeDicomSource } from '../../io/dicom-write/index.js';
import { getModelEntry } from '../../manifest/load.js';
import type { Manifest, ModelEntry } from '../../manifest/types.js';
import type { ProviderChoice } from '../../runtime/providers.js';
import { cliTask } from '../tasks/index.js';
import type { AnyPipeline, TaskResult } from '../tasks/types.js';
import type { FlowProgress } from '../progress-line.js';
import { buildSeg, modelSha256, planResultUids, type BuiltObject } from './derived-objects.js';
import { selectInputSeries } from './select-series.js';
import { buildSr } from './derived-sr.js';

export type { FlowProgress } from '../progress-line.js';

export interface DicomWebRunOptions {
  readonly url: string;
  readonly study: string;
  readonly series?: string;
  readonly auth?: DicomWebAuth;
  readonly manifest: Manifest;
  readonly model: string;
  /** Milliseconds inside session.run so far (open-pipeline.ts), for `modelMs`. */
  readonly sessionRunMs?: () => number;
  /** Reuse an open pipeline (queue workers); else one is opened and disposed here. */
  readonly openPipeline: (entry: ModelEntry) => Promise<AnyPipeline>;
  readonly disposePipeline?: boolean;
  /** Re-run and re-store even when the result is already in the study. */
  readonly overwrite?: boolean;
  readonly uidRoot?: string;
  /** Detections below this score are left out of the SR (default: all the model reports). */
  readonly minScore?: number;
  readonly maxVoxels?: number;
  readonly timeoutMs?: number;
  /** An HTTP attempt with no byte for this long fails (default 60 000 ms, http.ts). */
  readonly idleTimeoutMs?: number;
  readonly retries?: number;
  readonly provider?: ProviderChoice;
  readonly log?: (line: string) => void;
  /**
   * Counted steps (instances retrieved, sliding windows) for a terminal's redrawn line; without
   * it they go to `log`, at most a line a second.
   */
  readonly progress?: FlowProgress;
  readonly fetch?: typeof fetch;
}

export interface DicomWebRunSummary {
  readonly model: string;
  readonly study: string;
  readonly inputs: readonly { input: string | null; seriesInstanceUid: string; modality: string | null; instances: number }[];
  /**
   * 'stored' after a run; 'already-stored' when QIDO-RS found the result and nothing ran;
   * 'nothing-found' when the model ran and found nothing to report (no SEG / SR is stored).
   */
  readonly status: 'stored' | 'already-stored' | 'nothing-found';
  readonly stored: readonly { kind: 'SEG' | 'SR'; seriesInstanceUid: string; sopInstanceUid: string }[];
  /** Milliseconds per stage; `modelMs` is inside ONNX Runtime when the pipeline reports it. */
  readonly timings: Readonly<Record<'qidoMs' | 'retrieveMs' | 'readMs' | 'inferMs' | 'modelMs' | 'encodeMs' | 'stowMs' | 'totalMs', number>>;
  readonly bytesRetrieved: number;
}

const now = () => performance.now();

async function alreadyStored(client: DicomWebClient, study: string, sop: string): Promise<boolean> {
  const hits = await client.searchInstances(study, undefined, { match: { SOPInstanceUID: sop } });
  return hits.some((h) => h.sopInstanceUid === sop);
}

export async function runDicomWebFlow(o: DicomWebRunOptions): Promise<DicomWebRunSummary> {
  const t0 = now();
  const log = o.log ?? (() => undefined);
  const entry = getModelEntry(o.manifest, o.model);
  const flow = cliTask(entry.task).dicomweb;
  if (!flow) {
    const stored = TASK_NAMES.filter((t) => cliTask(t).dicomweb);
    throw new UsageError(
      `model '${entry.id}' has task '${entry.task}': medinfer dicomweb run stores SEG / SR for ${stored.slice(0, -1).join(', ')} and ${stored.at(-1)}`,
      { modelId: entry.id },
    );
  }
  const client = createDicomWebClient({
    url: o.url,
    ...(o.auth ? { auth: o.auth } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.idleTimeoutMs !== undefined ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
    // A series answer may hold what a series of maxVoxels samples needs, no more (read-series.ts).
    limits: seriesRetrieveLimits(o.maxVoxels),
    ...(o.retries !== undefined ? { retries: o.retries } : {}),
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
  const candidates = await client.searchSeries(o.study, { includefield: ['SeriesDescription', 'NumberOfSeriesRelatedInstances', 'SeriesNumber', 'Modality'] });
  if (candidates.length === 0) throw new InputError(`study ${o.study} has no series on the server (or is not there)`, { cause: 'study-not-found' });
  const selected = selectInputSeries(entry, candidates, o.series);
  for (const s of selected)
    log(
      `${s.input ? `input ${s.input}` : 'input'}: series ${s.series.seriesNumber ?? '?'} (${s.series.modality ?? '?'}, ` +
        `${s.series.numberOfInstances ?? '?'} instances) ${s.series.seriesInstanceUid}`,
    );
  const uids = planResultUids(
    o.study,
    selected.map((s) => s.series.seriesInstanceUid),
    entry,
    o.uidRoot,
  );
  const inputs = selected.map((s) => ({
    input: s.input ?? null,
    seriesInstanceUid: s.series.seriesInstanceUid,
    modality: s.series.modality ?? null,
    instances: s.series.numberOfInstances ?? 0,
  }));
  const qidoMs = now() - t0;
  // The SR is stored last, so its presence means an earlier run finished.
  if (!o.overwrite && (await alreadyStored(client, o.study, uids.sr.sop))) {
    log(`result already in the study (SR ${uids.sr.sop}); nothing to do (--overwrite re-runs)`);
    return {
      model: entry.id,
      study: o.study,
      inputs,
      status: 'already-stored',
      stored: [],
      timings: { qidoMs, retrieveMs: 0, readMs: 0, inferMs: 0, modelMs: 0, encodeMs: 0, stowMs: 0, totalMs: now() - t0 },
      bytesRetrieved: 0,
    };
  }

  const t1 = now();
  const files = new Map<string | undefined, { name: string; bytes: Uint8Array }[]>();
  let bytesRetrieved = 0;
  for (const s of selected) {
    let lastLogged = 0;
    let got: { name: string; bytes: Uint8Array }[];
    try {
      got = await retrieveDicomWebSeriesFiles(client, {
        study: o.study,
        series: s.series.seriesInstanceUid,
        onProgress: (p) => {
          if (o.progress)
            return o.progress.update(
              `retrieving series ${s.series.seriesNumber ?? '?'}: instances`,
              p.instances,
              s.series.numberOfInstances || undefined,
              `${(p.bytes / 2 ** 20).toFixed(1)} MiB`,
            );
          if (now() - lastLogged > 1000) {
            lastLogged = now();
            log(
              `retrieving series ${s.series.seriesNumber ?? '?'}: ` +
                `${p.instances}${s.series.numberOfInstances ? `/${s.series.numberOfInstances}` : ''} instances, ${(p.bytes / 2 ** 20).toFixed(1)} MiB`,
            );
          }
        },
      });
      o.progress?.finish(`retrieving series ${s.series.seriesNumber ?? '?'}: instances`);
    } catch (error) {
      if (!(error instanceof LimitError) || !['maxPartBytes', 'maxTotalBytes'].includes(String(error.details['limit']))) throw error;
      throw new LimitError(`${error.message} (more than a series of --max-voxels ${o.maxVoxels ?? DEFAULT_MAX_VOXELS} samples needs)`, error.details, {
        cause: error,
      });
    }
    bytesRetrieved += got.reduce((n, f) => n + f.bytes.length, 0);
    files.set(s.input, got);
  }
  const retrieveMs = now() - t1;
  log(
    `retrieved ${[...files.values()].reduce((n, f) => n + f.length, 0)} instances, ${(bytesRetrieved / 2 ** 20).toFixed(1)} MiB in ` +
      `${(retrieveMs / 1000).toFixed(2)} s`,
  );

  const t2 = now();
  const volumes = new Map<string | undefined, Volume>();
  for (const s of selected) {
    const name = s.input ? `input ${s.input}` : 'series';
    volumes.set(s.input, await readDicomSeries(files.get(s.input)!, { name, ...(o.maxVoxels !== undefined ? { maxVoxels: o.maxVoxels } : {}) }));
  }
  const primaryFiles = files.get(selected[0]!.input)!;
  const source = describeDicomSource(primaryFiles);
  const readMs = now() - t2;

  const t3 = now();
  const pipe = await o.openPipeline(entry);
  const runBefore = o.sessionRunMs?.() ?? 0;
  let inference: TaskResult;
  try {
    inference = await flow.run(pipe, { volumes, selected, log, ...(o.progress ? { progress: o.progress } : {}) });
  } finally {
    if (o.disposePipeline) await pipe.dispose();
  }
  const inferMs = now() - t3;
  const provenance = inference.provenance;
  // Time inside ONNX Runtime: measured at the session when the caller can, else as the pipeline
  // reports it (volumetric tasks), else the whole pipeline run (an upper bound).
  const modelMs = o.sessionRunMs ? o.sessionRunMs() - runBefore : (provenance.inferenceMs ?? provenance.durationMs);
  const sha256 = provenance.sha256 || modelSha256(entry);

  const t4 = now();
  const objects: BuiltObject[] = [];
  let seg: BuiltObject | undefined;
  const labels = flow.segLabels?.(inference);
  if (labels) {
    seg = buildSeg(entry, labels, source, uids, sha256, o.uidRoot);
    if (seg) objects.push(seg);
  }
  const grid = volumes.get(selected[0]!.input)!;
  const segments = seg ? (seg.segments ?? []) : undefined;
  const findings = flow.findings(inference, {
    entry,
    source,
    grid,
    ...(segments ? { segments } : {}),
    ...(o.minScore !== undefined ? { minScore: o.minScore } : {}),
  });
  const sr = buildSr({
    entry,
    findings,
    source,
    uids,
    sha256,
    ...(seg ? { seg: { bytes: seg.bytes, segments: segments! } } : {}),
    ...(o.uidRoot !== undefined ? { uidRoot: o.uidRoot } : {}),
  });
  if (sr) objects.push(sr);
  const encodeMs = now() - t4;
  if (objects.length === 0) log('nothing to store: the model found nothing (empty segmentation / no detection)');

  const t5 = now();
  // SEG first, SR last: the SR references the SEG, and its presence marks a finished run.
  for (const obj of objects) {
    await client.store([obj.bytes], { study: o.study });
    log(`stored ${obj.kind} ${obj.sopInstanceUid} (${(obj.bytes.length / 1024).toFixed(0)} KiB)`);
  }
  const stowMs = now() - t5;
  return {
    model: entry.id,
    study: o.study,
    inputs,
    status: objects.length > 0 ? 'stored' : 'nothing-found',
    stored: objects.map((b) => ({ kind: b.kind, seriesInstanceUid: b.seriesInstanceUid, sopInstanceUid: b.sopInstanceUid })),
    timings: { qidoMs, retrieveMs, readMs, inferMs, modelMs, encodeMs, stowMs, totalMs: now() - t0 },
    bytesRetrieved,
  };
}
