/**
 * Synthetic phantoms: deterministic (seeded) generators of medical images with ground truth, used
 * to train and test the bundled demonstration models and by users who need data without patients.
 */
export { createRng, caseSeed, mixSeed, type Rng } from './prng.js';
export * from './labels.js';
export * from './chest-radiograph.js';
export * from './brain-mri.js';
export * from './report-text.js';
export * from './chest-ct.js';
export * from './lung-ct-pair.js';
export { createPhantomSet, PHANTOM_SET_TASKS, type PhantomSet, type PhantomSetOptions, type PhantomSetTask } from './phantom-sets.js';
export {
  createSampleInputs,
  ctDicomSeries,
  formatDirLabLandmarks,
  SAMPLE_SEED,
  type SampleInputFile,
  type SampleInputs,
  type SampleInputOptions,
  type SampleRunInput,
} from './sample-inputs.js';
