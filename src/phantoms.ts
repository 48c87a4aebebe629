/**
 * `medinfer/phantoms`: synthetic, seeded images with known truth (chest radiographs, brain MRI,
 * chest CT, lung CT pairs, report text) and the writer of whole phantom / sample sets. For tests,
 * demos and benchmarks - never clinical data. Isomorphic.
 *
 * Names are listed by hand (no `export *`); test/api/export-surface.test.ts snapshots them.
 */
export {
  createRng, caseSeed, mixSeed,
  CXR_FINDINGS, CHEXPERT_OBSERVATIONS, BRATS_LABELS, BRAIN_MODALITIES, CXR_MAX_VALUE,
  generateChestRadiograph, generateBrainMri, generateReportText, generateChestCt, generateLungCtPair,
  createPhantomSet, PHANTOM_SET_TASKS, createSampleInputs, ctDicomSeries, formatDirLabLandmarks, SAMPLE_SEED,
  type Rng, type CxrFinding, type ChexpertObservation, type MentionLabel, type BratsLabel, type BrainModality,
  type ChestRadiographOptions, type PixelBox, type ChestRadiographTruth, type ChestRadiograph,
  type BrainMriOptions, type BrainTumourTruth, type BrainMri, type ReportTextOptions, type ReportText,
  type ChestCtOptions, type NoduleTruth, type ChestCt, type LungCtPairOptions, type LungCtPair,
  type PhantomSet, type PhantomSetOptions, type PhantomSetTask,
  type SampleInputFile, type SampleInputs, type SampleInputOptions, type SampleRunInput,
} from './phantoms/index.js';
