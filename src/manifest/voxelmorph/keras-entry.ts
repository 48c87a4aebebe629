/**
 * The manifest entry of a converted VoxelMorph 2018 Keras checkpoint (scripts/models/
 * convert_voxelmorph_keras.py prints the summary this is built from). What the entry declares,
 * and why:
 * - preprocess: per-image min-max to [0, 1] (scaleIntensity). The 2018 training and test data are
 *   FreeSurfer-normalised T1 (uint8) divided by 255 - the published subject's maximum is
 *   249 / 255 - and the paper code feeds the arrays unchanged. Min-max gives the network the same
 *   [0, 1] range whether the user's image is in 0..255 or already in 0..1, where a fixed 1/255
 *   would silently shrink a 0..1 image to nothing.
 * - toTensor axis order 'ijk': the Keras volume axes 0, 1, 2 are the image's voxel axes i, j, k
 *   (the npz arrays as nibabel writes them); the field's channel c moves along axis c ('ij'
 *   indexing, the default of the 2018 SpatialTransformer and VecInt).
 * - vm1 / vm2 (CVPR 2018): the output is a full-resolution displacement, no postprocess.
 * - MICCAI 2018: the output is the mean of a stationary velocity at half resolution; VecInt
 *   integrates it with 7 scaling-and-squaring steps on that grid (its interpn clamps positions past
 *   the far border, hence padding 'border'), then interp_upsampling + x2 (upsampleField 'origin').
 * The models expect images affinely aligned to their atlas space, 160 x 192 x 224 at 1 mm.
 */
import { ManifestError } from '../../core/errors.js';

export interface VoxelmorphKerasSummary {
  readonly variant: 'vm1' | 'vm2' | 'miccai2018';
  readonly output: 'displacement' | 'velocity';
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly encoder?: readonly number[];
  readonly decoder?: readonly number[];
}

/** Where the published checkpoints are (GPL-3.0 at that commit: converted on the user's side only). */
export const VOXELMORPH_2018_SOURCE = 'https://github.com/voxelmorph/voxelmorph/tree/ca62747/models';

const TITLES: Record<VoxelmorphKerasSummary['variant'], string> = {
  vm1: 'VoxelMorph-1 (CVPR 2018), brain MRI 160x192x224, displacement field',
  vm2: 'VoxelMorph-2 (CVPR 2018), brain MRI 160x192x224, displacement field',
  miccai2018: 'VoxelMorph diffeomorphic (MICCAI 2018), brain MRI 160x192x224, velocity field',
};

/** Model id from the checkpoint's file name: cvpr2018_vm2_cc.h5 -> voxelmorph-cvpr2018-vm2-cc. */
export function voxelmorphIdFromFile(fileName: string): string {
  const stem = fileName
    .replace(/^.*[\\/]/, '')
    .replace(/\.h5$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `voxelmorph-${stem || 'checkpoint'}`;
}

export function parseVoxelmorphSummary(text: string, file: string): VoxelmorphKerasSummary {
  const line = text.trim().split('\n').pop() ?? '';
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new ManifestError(`converter gave no summary for ${file} (stdout: ${JSON.stringify(text.slice(0, 200))})`, { file });
  }
  const s = json as Partial<VoxelmorphKerasSummary>;
  const dims = (v: unknown) => Array.isArray(v) && v.length === 3 && v.every((n) => Number.isInteger(n) && n > 0);
  if (
    (s.variant !== 'vm1' && s.variant !== 'vm2' && s.variant !== 'miccai2018') ||
    (s.output !== 'displacement' && s.output !== 'velocity') ||
    !dims(s.inputShape) ||
    !dims(s.outputShape)
  ) {
    throw new ManifestError(`converter summary for ${file} is not understood: ${line.slice(0, 200)}`, { file });
  }
  return s as VoxelmorphKerasSummary;
}

export function buildVoxelmorphKerasEntry(summary: VoxelmorphKerasSummary, id: string, checkpoint: string): Record<string, unknown> {
  const velocity = summary.output === 'velocity';
  const volume = [1, 1, ...summary.inputShape];
  const input = (name: string) => ({ name, dtype: 'float32', dims: volume, layout: 'NCDHW', axisOrder: 'ijk' });
  const layers = summary.encoder && summary.decoder ? ` (encoder ${summary.encoder.join(',')}; decoder ${summary.decoder.join(',')})` : '';
  return {
    id,
    task: 'registration',
    title: TITLES[summary.variant],
    description:
      `Converted on this machine from the published Keras checkpoint ${checkpoint} by scripts/models/convert_voxelmorph_keras.py. U-Net${layers} on ` +
      `cat(moving, fixed); ` +
      (velocity
        ? 'the graph ends at the half-resolution velocity mean (flow); the SDK integrates it (7 squarings), upsamples it as the Keras ' +
          'interp_upsampling does (x2) and warps.'
        : 'the graph ends at the full-resolution displacement (flow); the SDK warps with it.'),
    datasets: ['oasis'],
    architecture:
      summary.variant === 'miccai2018'
        ? 'VoxelMorph MICCAI 2018 (U-Net, half-resolution stationary velocity, scaling and squaring)'
        : `VoxelMorph CVPR 2018 ${summary.variant} (U-Net, dense displacement)`,
    files: [{ role: 'model', path: `${id}.onnx`, precision: 'fp32' }],
    weights: {
      kind: 'external',
      source: VOXELMORPH_2018_SOURCE,
      checkpoint,
      convertScript: 'scripts/models/convert_voxelmorph_keras.py',
      licence: "GPL-3.0 (voxelmorph at ca62747); converted on the user's machine, not redistributed",
    },
    opset: 17,
    io: {
      inputs: [input('moving'), input('fixed')],
      outputs: [
        {
          name: summary.output,
          dtype: 'float32',
          dims: [1, 3, ...summary.outputShape],
          layout: 'NCDHW',
          axisOrder: 'ijk',
          description: velocity
            ? 'stationary velocity (mean) at half resolution, in half-resolution voxels, channel c along tensor axis c'
            : 'displacement in voxels, channel c along tensor axis c',
        },
      ],
    },
    inputs: [
      { name: 'moving', modality: 'MR' },
      { name: 'fixed', modality: 'MR' },
    ],
    modality: ['MR'],
    dimensionality: 3,
    preprocess: [
      { op: 'scaleIntensity', min: 0, max: 1 },
      { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' },
    ],
    inference: { mode: 'whole' },
    postprocess: velocity
      ? [
          { op: 'integrateVelocity', steps: 7, padding: 'border' },
          { op: 'upsampleField', align: 'origin' },
        ]
      : [],
    labels: [],
    intendedUse:
      'Research use only. Not a medical device. Deformable registration of skull-stripped T1 brain MRI already affinely aligned to the VoxelMorph ' +
      '2018 atlas space and cropped to 160x192x224 (1 mm), as the models were trained (FreeSurfer-normalised intensities).',
    limitations:
      'Trained for subject-to-atlas registration of T1 brain MRI in one fixed space; other contrasts, organs, sizes or unaligned images are out of ' +
      'distribution. MICCAI 2018: the velocity variance head (log_sigma) is dropped; the mean is used, as at test time in later VoxelMorph.',
    references: [
      {
        title: 'Balakrishnan et al., An Unsupervised Learning Model for Deformable Medical Image Registration, CVPR 2018',
        url: 'https://arxiv.org/abs/1802.02604',
      },
      { title: 'Dalca et al., Unsupervised Learning for Fast Probabilistic Diffeomorphic Registration, MICCAI 2018', url: 'https://arxiv.org/abs/1805.04605' },
    ],
    licence: 'GPL-3.0',
  };
}
