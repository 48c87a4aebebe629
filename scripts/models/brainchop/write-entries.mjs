#!/usr/bin/env node
// Writes the manifest entries of the brainchop models (scripts/models/entries/brainchop-*.json and
// brainchop-datasets.json) from the provenance files the conversion wrote
// (models/brainchop/<name>.json: file sha256, upstream repo@commit and file hashes, licence,
// labels with brainchop's names and colours). The step plans below are brainchop's settings per
// model (models/brainchop/README.md, "Settings per model") written as declarative steps.
// Then: node scripts/models/merge-entries.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../../../', import.meta.url);
const entriesDir = new URL('scripts/models/entries/', root);
const DATASET = 'brainchop-meshnet-training';

const hex = (rgb) => '#' + rgb.map((v) => v.toString(16).padStart(2, '0')).join('');
const toTensor = { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' };
const conform = { op: 'conform' };
const postprocess = (...extra) => [{ op: 'argmax' }, { op: 'keepLargestForegroundComponent', connectivity: 26 }, ...extra];

const COMMON_LIMITS =
  'Research model, not a medical device; not for diagnosis or treatment. Trained by the brainchop authors on conformed adult T1-weighted brain MRI ' +
  '(256^3, 1 mm, LIA); any input is conformed first (FreeSurfer / niivue conform: resliced with trilinear interpolation, intensities rescaled to ' +
  'uint8), which blurs thin structures of a higher-resolution scan. Typical failures: non-T1 contrasts, infants and strongly atrophied or lesioned ' +
  'brains, heavy motion or bias field, partial fields of view (the crop and the min-max / quantile normalisation are measured on the whole volume), ' +
  'and the largest-cluster post-process deletes any labelled part disconnected from the main one.';

const MODELS = [
  {
    id: 'brainchop-tissue-gwm-light',
    // Browsers: 2 wasm threads measured faster than 1 on a quiet 2-core machine (BENCHMARKS.md, wasm threads per model).
    minWasmThreads: 2,
    file: 'model5_gw_ae',
    entry: 1,
    title: 'Brain tissue (grey / white matter): brainchop MeshNet "Tissue GWM (light)"',
    description:
      'Three classes (background, white matter, grey matter) on a T1-weighted brain MRI; brainchop entry 1 (model5_gw_ae): min-max normalisation, ' +
      'crop to x > 0 plus 18 voxels, largest 26-connected cluster kept.',
    preprocess: [conform, { op: 'normalizeMinMax' }, { op: 'cropForeground', mask: 'threshold', value: 0, padding: 18 }, toTensor],
    postprocess: postprocess(),
    intendedUse:
      'Research: grey / white matter segmentation of adult T1-weighted brain MRI, as brainchop (brainchop.org) computes it, e.g. for volumetry ' +
      'research and teaching; not for clinical use.',
  },
  {
    id: 'brainchop-brain-mask',
    // Browsers: 2 wasm threads measured faster than 1 on a quiet 2-core machine (BENCHMARKS.md, wasm threads per model).
    minWasmThreads: 2,
    file: 'model11_gw_ae',
    entry: 13,
    title: 'Brain mask: brainchop MeshNet "Brain Mask (High Acc)"',
    description:
      'Binary brain mask of a T1-weighted brain MRI; brainchop entry 13 (model11_gw_ae, Brain_Masking): quantile (5 % / 95 %) normalisation, crop to ' +
      'x > 0, largest 26-connected cluster, any label != 0 is brain.',
    preprocess: [conform, { op: 'normalizeQuantile', lower: 0.05, upper: 0.95 }, { op: 'cropForeground', mask: 'threshold', value: 0, padding: 0 }, toTensor],
    postprocess: postprocess({ op: 'binarize' }),
    intendedUse: 'Research: brain masking (skull stripping as a mask) of adult T1-weighted MRI, as brainchop computes it; not for clinical use.',
  },
  {
    id: 'brainchop-subcortical-gwm',
    // Browsers: 2 wasm threads measured faster than 1 on a quiet 2-core machine (BENCHMARKS.md, wasm threads per model).
    minWasmThreads: 2,
    file: 'model18cls',
    entry: 6,
    title: 'Subcortical structures + grey / white matter (18 classes): brainchop MeshNet',
    description:
      'FreeSurfer aseg subset (white matter, cortex, ventricles, subcortical nuclei, cerebellum, brainstem) on a T1-weighted brain MRI; brainchop ' +
      'entry 6 (model18cls): min-max normalisation, crop to x > 0.2 max, largest 26-connected cluster kept.',
    preprocess: [conform, { op: 'normalizeMinMax' }, { op: 'cropForeground', mask: 'relativeThreshold', value: 0.2, padding: 0 }, toTensor],
    postprocess: postprocess(),
    intendedUse: 'Research: subcortical and tissue parcellation of adult T1-weighted brain MRI, as brainchop computes it; not for clinical use.',
  },
  {
    id: 'brainchop-aparc-aseg-50',
    file: 'model30chan50cls',
    entry: 8,
    title: 'Aparc+Aseg 50 classes: brainchop MeshNet (with the tissue model as pre-model)',
    description:
      'FreeSurfer Aparc+Aseg with cortical homologues merged (50 classes) on a T1-weighted brain MRI; brainchop entry 8 (model30chan50cls): the ' +
      'tissue model (brainchop-tissue-gwm-light) runs first on the whole conformed volume, its labels != 0 give the crop; quantile (5 % / 95 %) ' +
      'normalisation; largest 26-connected cluster kept.',
    preModel: { id: 'brainchop-tissue-gwm-light', skip: ['cropForeground', 'keepLargestForegroundComponent'] },
    preprocess: [conform, { op: 'normalizeQuantile', lower: 0.05, upper: 0.95 }, { op: 'cropForeground', mask: 'preModel', padding: 0 }, toTensor],
    postprocess: postprocess(),
    intendedUse:
      'Research: cortical and subcortical parcellation (Aparc+Aseg, homologues merged) of adult T1-weighted brain MRI, as brainchop computes it; not ' +
      'for clinical use.',
  },
  {
    id: 'brainchop-mindgrab',
    // Browsers: 2 wasm threads measured faster than 1 on a quiet 2-core machine (BENCHMARKS.md, wasm threads per model).
    minWasmThreads: 2,
    file: 'mindgrab',
    entry: 16,
    title: 'Skull stripping (brain extraction): brainchop mindgrab',
    description:
      'Brain mask and brain-extracted image of a head MRI (described upstream as omnimodal); brainchop entry 16 (mindgrab, Brain_Extraction): ' +
      'min-max normalisation, crop to x > 0.5 max plus 20 voxels, largest 26-connected cluster; `masked` is the input with non-brain voxels set to 0.',
    preprocess: [conform, { op: 'normalizeMinMax' }, { op: 'cropForeground', mask: 'relativeThreshold', value: 0.5, padding: 20 }, toTensor],
    postprocess: postprocess({ op: 'binarize' }, { op: 'maskInput' }),
    intendedUse: 'Research: skull stripping (brain mask and brain-extracted image) of head MRI, as brainchop computes it; not for clinical use.',
    limitations:
      "Its group-normalisation layers (_gn) normalise over the whole crop, so the result depends on exactly brainchop's crop (x > 0.5 max, 20 " +
      'voxels) and is not run in sliding windows.',
  },
];

for (const m of MODELS) {
  const p = JSON.parse(readFileSync(new URL(`models/brainchop/${m.file}.json`, root), 'utf8'));
  const up = p.upstream;
  const classes = p.io.output.dims[1];
  const weightFiles = up.files.filter((f) => f.path.startsWith(`public/models/${m.file}/`));
  const entry = {
    id: m.id,
    task: 'segmentation',
    title: m.title,
    description: m.description,
    modality: ['MR'],
    dimensionality: 3,
    datasets: [DATASET],
    architecture:
      `MeshNet (brainchop): ${p.layers.filter((l) => l.class === 'Conv3D').length} Conv3D layers with dilations, ` +
      `${[...new Set(p.layers.map((l) => l.activation).filter((a) => a !== 'linear'))].join('/')} activations, ${classes} output classes`,
    files: [{ role: 'model', path: `models/brainchop/${p.file}`, sha256: p.sha256, bytes: p.bytes, precision: 'fp32' }],
    weights: {
      kind: 'bundled',
      source: `${up.url}/tree/${up.commit}/public/models/${m.file}`,
      checkpoint: weightFiles.map((f) => `${up.repo}@${up.commit}:${f.path} sha256 ${f.sha256} (${f.bytes} B)`).join('; '),
      convertScript: 'scripts/models/brainchop/convert_brainchop.py',
      licence: `${p.license.spdx} (${p.license.holder}; models/brainchop/${p.license.file})`,
    },
    opset: p.opset,
    io: {
      inputs: [
        {
          name: p.io.input.name,
          dtype: 'float32',
          dims: [-1, 1, -1, -1, -1],
          layout: 'NCDHW',
          axisOrder: 'ijk',
          description: 'conformed T1 (LIA 1 mm), normalised, cropped; spatial axes i, j, k of the conformed volume',
        },
      ],
      outputs: [
        {
          name: p.io.output.name,
          dtype: 'float32',
          dims: [-1, classes, -1, -1, -1],
          layout: 'NCDHW',
          axisOrder: 'ijk',
          description: 'class scores (logits), argmax = label',
        },
      ],
    },
    space: { orientation: 'LIA', spacing: [1, 1, 1], world: 'RAS' },
    ...(m.preModel ? { preModel: m.preModel } : {}),
    preprocess: m.preprocess,
    inference: { mode: 'whole', ...(m.minWasmThreads !== undefined ? { minWasmThreads: m.minWasmThreads } : {}) },
    postprocess: m.postprocess,
    labels: p.labels.map((l) => ({ name: l.name, value: l.value, color: hex(l.rgb) })),
    intendedUse: m.intendedUse,
    limitations: [COMMON_LIMITS, m.limitations].filter(Boolean).join(' '),
    references: [
      { title: `brainchop (neuroneural/brainchop@${up.commit.slice(0, 7)}), entry ${m.entry} of brainchop-parameters.js`, url: up.url },
      {
        title: 'Masoud M, Hu F, Plis S. Brainchop: In-browser MRI volumetric segmentation and rendering. JOSS 8(83):5098, 2023',
        url: 'https://doi.org/10.21105/joss.05098',
      },
    ],
    licence: p.license.spdx,
  };
  writeFileSync(new URL(`${m.id}.json`, entriesDir), JSON.stringify(entry, null, 2) + '\n');
}

const datasets = {
  [DATASET]: {
    name: 'brainchop MeshNet training data (T1-weighted brain MRI with FreeSurfer labels, as used by the brainchop authors)',
    tasks: ['segmentation'],
    modality: 'MR T1-weighted 3D, conformed 256^3 1 mm LIA',
    acquisition: {
      kind: 'not-publicly-linked',
      terms: 'the brainchop repository files these models come from do not name their training set; see the brainchop paper and its authors',
    },
    citation:
      'Masoud M, Hu F, Plis S. Brainchop: In-browser MRI volumetric segmentation and rendering. Journal of Open Source Software 8(83):5098, 2023. ' +
      'https://doi.org/10.21105/joss.05098',
    notes:
      'Pretrained weights taken from neuroneural/brainchop (MIT). No metrics are claimed here beyond agreement with brainchop itself ' +
      '(test/pipelines/brainchop-parity.test.ts).',
  },
};
writeFileSync(new URL('brainchop-datasets.json', entriesDir), JSON.stringify(datasets, null, 2) + '\n');
console.log(`wrote ${MODELS.length} brainchop entries and their dataset`);
