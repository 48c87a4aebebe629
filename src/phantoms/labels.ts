/** Label vocabularies shared by the phantom generators, the bundled models and their manifest entries. */

/** Findings of the chest radiograph phantom, in the order of the bundled classifier's outputs. */
export const CXR_FINDINGS = ['Nodule', 'Effusion', 'Cardiomegaly', 'Consolidation', 'Pneumothorax'] as const;
export type CxrFinding = (typeof CXR_FINDINGS)[number];

/** The 14 CheXpert labeler observations, in the labeler's order (constants.py). */
export const CHEXPERT_OBSERVATIONS = [
  'No Finding',
  'Enlarged Cardiomediastinum',
  'Cardiomegaly',
  'Lung Lesion',
  'Lung Opacity',
  'Edema',
  'Consolidation',
  'Pneumonia',
  'Atelectasis',
  'Pneumothorax',
  'Pleural Effusion',
  'Pleural Other',
  'Fracture',
  'Support Devices',
] as const;
export type ChexpertObservation = (typeof CHEXPERT_OBSERVATIONS)[number];

/** CheXpert mention values: 1 positive, 0 negative, -1 uncertain, null not mentioned. */
export type MentionLabel = 1 | 0 | -1 | null;

/** BraTS label convention (2017-2020): 0 background, 1 necrotic / non-enhancing core, 2 edema, 4 enhancing. */
export const BRATS_LABELS = { background: 0, necroticCore: 1, edema: 2, enhancing: 4 } as const;
export type BratsLabel = (typeof BRATS_LABELS)[keyof typeof BRATS_LABELS];

/** MRI sequences of the brain phantom, in BraTS file-suffix order (t1, t1ce, t2, flair). */
export const BRAIN_MODALITIES = ['t1', 't1ce', 't2', 'flair'] as const;
export type BrainModality = (typeof BRAIN_MODALITIES)[number];
