/** Segmentation on the CLI: one image or named images per item, label maps, Dice / HD95 eval, SEG + SR. */
import type { Volume } from '../../core/volume.js';
import { imageItems, namedItems } from '../batch/collect-items.js';
import { createSegmentationEvaluator } from '../batch/eval/eval-segmentation.js';
import { loadImage, loadSingleImage } from '../batch/load-item.js';
import { buildSegmentationOutputs } from '../batch/task-outputs/segmentation.js';
import { demoBrainchop } from '../demo/sections-brainchop.js';
import { demoSegmentation } from '../demo/sections-3d.js';
import { segmentVolumes } from '../dicomweb/derived-sr.js';
import type { CliTask, DicomWebInput } from './types.js';

/** Sliding windows in a DICOMweb run: a line at most once a second (as for the retrieval), and the last one. */
function windowProgress({ log, progress }: DicomWebInput): (done: number, total: number) => void {
  let lastLogged = performance.now();
  return (done, total) => {
    if (total <= 1) return;
    if (progress) {
      progress.update('inference: windows', done, total);
      if (done >= total) progress.finish('inference: windows');
      return;
    }
    if (done < total && performance.now() - lastLogged < 1000) return;
    lastLogged = performance.now();
    log(`inference: ${done}/${total} windows`);
  };
}

export const segmentationCli: CliTask<'segmentation'> = {
  name: 'segmentation',
  volumetric: true,
  // Multi-modal models (several inputs[].name) take one named image per input.
  collector: (entry) => ((entry.inputs?.length ?? 0) > 1 ? namedItems : imageItems),
  async infer(pipe, item, options) {
    const onProgress = options.windowProgress?.(item.id);
    const runOptions = onProgress ? { onProgress } : {};
    const src = item.source;
    if (src.kind === 'named') {
      const volumes: Record<string, Volume> = {};
      for (const [name, image] of Object.entries(src.images)) volumes[name] = await loadImage(image, options);
      const result = await pipe.run(volumes, runOptions);
      const first = pipe.entry.inputs?.[0]?.name;
      return { task: 'segmentation', input: (first && volumes[first]) || Object.values(volumes)[0]!, result };
    }
    const input = await loadSingleImage(item, options);
    return { task: 'segmentation', input, result: await pipe.run(input, runOptions) };
  },
  outputs: (item, r) => buildSegmentationOutputs(item, r.result, r.input),
  evaluation: { cases: 'csv', evaluator: async (entry, data) => createSegmentationEvaluator(entry, data.list!) },
  demo: [
    { name: 'segmentation', run: demoSegmentation },
    { name: 'brainchop', run: demoBrainchop },
  ],
  dicomweb: {
    async run(pipe, input) {
      const { volumes, selected } = input;
      const images = selected.length > 1 ? Object.fromEntries(selected.map((s) => [s.input!, volumes.get(s.input)!])) : volumes.get(selected[0]!.input)!;
      return pipe.run(images, { onProgress: windowProgress(input) });
    },
    segLabels: (result) => result.labels,
    findings: (result, { segments }) => (segments ? { volumes: segmentVolumes(result.labels, segments) } : {}),
  },
};
