/**
 * A postprocess op that the entry's task does not run is refused when the manifest is loaded
 * (every loader) and when a hand-made entry reaches createPipeline; typed plans are validated
 * once and run as they are.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getModelEntry, ManifestError, parseManifest, TASK_NAMES } from '../../src/index.js';
import { POSTPROCESS_OPS, validatePostprocessPlan, validatePreprocessPlan } from '../../src/ops.js';
import { createPipeline, readManifestFile } from '../../src/node.js';
import { TASK_POSTPROCESS_OPS } from '../../src/manifest/task-ops.js';
import { mergeStoreManifest } from '../../src/manifest/store/load-with-store.js';
import { TASK_DEFINITIONS } from '../../src/pipelines/registry.js';

const raw = JSON.parse(readFileSync(new URL('../../models.manifest.json', import.meta.url), 'utf8')) as Record<string, any>;
const SEG = 'monai-spleen-ct-segmentation';

/** The bundled manifest with an nms step appended to the spleen entry (segmentation). */
function withNmsOnSegmentation(): Record<string, any> {
  const m = structuredClone(raw);
  m.models[SEG].postprocess.push({ op: 'nms', iou: 0.5 });
  return m;
}

function thrown(fn: () => unknown): ManifestError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return error as ManifestError;
  }
  throw new Error('expected a ManifestError');
}

describe('postprocess ops per task', () => {
  it('refuses nms on a segmentation entry at parse, naming the entry, the step index and the op', () => {
    const index = raw.models[SEG].postprocess.length;
    const error = thrown(() => parseManifest(withNmsOnSegmentation()));
    expect(error.message).toContain(`model '${SEG}' postprocess[${index}] (nms)`);
    expect(error.message).toMatch(/a segmentation pipeline does not run 'nms'/);
    expect(error.details).toMatchObject({ modelId: SEG, step: index, op: 'nms', task: 'segmentation' });
  });

  it('refuses it in a manifest file and in the model store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medinfer-taskops-'));
    writeFileSync(join(dir, 'm.json'), JSON.stringify(withNmsOnSegmentation()));
    await expect(readManifestFile(join(dir, 'm.json'))).rejects.toThrow(new RegExp(`m\\.json: model '${SEG}' postprocess\\[\\d+\\] \\(nms\\)`));
    const main = parseManifest(raw, { base: dir });
    const store = {
      manifestVersion: 1,
      datasets: {},
      models: { 'store-seg': { ...structuredClone(raw.models[SEG]), weights: { kind: 'external', source: 'x', convertScript: 'y' } } },
    };
    store.models['store-seg'].postprocess.push({ op: 'decodeYolo', confidence: 0.5, numClasses: 2 });
    expect(() => mergeStoreManifest(main, store, dir)).toThrow(/model 'store-seg' postprocess\[\d+\] \(decodeYolo\)/);
  });

  it('refuses a hand-made entry with such a step when it reaches createPipeline, before any model is opened', async () => {
    const entry = getModelEntry(parseManifest(raw), SEG);
    const bad = { ...entry, postprocess: [...entry.postprocess, { op: 'integrateVelocity', steps: 7 }] } as unknown as typeof entry;
    await expect(createPipeline('segmentation', bad)).rejects.toThrow(
      new RegExp(`model '${SEG}' postprocess\\[${entry.postprocess.length}\\] \\(integrateVelocity\\)`),
    );
    // An unvalidated plan in a hand-made entry is validated there too (once), with the module's message.
    const typo = { ...entry, preprocess: [{ op: 'zscore', nonzero: 'yes' }] } as unknown as typeof entry;
    await expect(createPipeline('segmentation', typo)).rejects.toThrow(
      /model 'monai-spleen-ct-segmentation' preprocess: preprocess\[0\] \(zscore\): field "nonzero"/,
    );
  });

  it('every op is run by some task, every task has its list, and the pipelines define exactly the manifest tasks with those lists', () => {
    expect(new Set(Object.values(TASK_POSTPROCESS_OPS).flat())).toEqual(new Set(POSTPROCESS_OPS));
    expect(Object.keys(TASK_POSTPROCESS_OPS).sort()).toEqual([...TASK_NAMES].sort());
    expect(TASK_DEFINITIONS.map((d) => d.name).sort()).toEqual([...TASK_NAMES].sort());
    for (const d of TASK_DEFINITIONS) expect(d.postprocessOps).toBe(TASK_POSTPROCESS_OPS[d.name]);
  });
});

describe('typed plans are validated once', () => {
  it("a loaded entry holds the validators' typed, frozen plans, which a second validation returns as they are", () => {
    const entry = getModelEntry(parseManifest(raw), SEG);
    // Defaults filled in by the validator: the plan the pipeline runs is the typed one.
    expect(entry.preprocess.find((s) => s.op === 'resample')).toMatchObject({ mode: expect.any(String), rule: expect.any(String) });
    expect(Object.isFrozen(entry.preprocess) && Object.isFrozen(entry.preprocess[0])).toBe(true);
    expect(validatePreprocessPlan(entry.preprocess)).toBe(entry.preprocess);
    expect(validatePostprocessPlan(entry.postprocess)).toBe(entry.postprocess);
    // A hand-written array is checked (and is a new frozen plan), never trusted.
    const handWritten = [{ op: 'zscore' }];
    const checked = validatePreprocessPlan(handWritten);
    expect(checked).not.toBe(handWritten);
    expect(checked).toEqual([{ op: 'zscore', nonzero: false, channelWise: false }]);
    expect(Object.isFrozen(handWritten)).toBe(false);
  });
});
