/**
 * The kernels a slab worker can run, by name. Each is the very function the calling thread runs
 * on its own slab (bit-identical results); a kernel added to a threaded pass must be listed here.
 */
import { JACOBIAN_KERNEL } from '../registration/jacobian.js';
import { SQUARE_FIELD_KERNEL } from '../registration/square-field.js';
import { RESAMPLE_FIELD_KERNEL } from '../registration/warp.js';
import type { SlabKernel } from '../../core/threads/slab-pool.js';
import { LABELS_SEPARABLE_KERNEL, SAMPLE_SEPARABLE_KERNEL } from '../../preprocess/separable-trilinear.js';
import { ACCUMULATE_KERNEL, ADD_KERNEL, NORMALISE_TILES_KERNEL, SCALE_ROWS_KERNEL } from '../common/blend-slabs.js';
import { CUT16_KERNEL } from '../common/cut-slabs.js';
import { SCAN_NON_FINITE_KERNEL, SIGMOID_KERNEL, SOFTMAX_KERNEL } from '../common/activations-simd.js';
import { ARGMAX_KERNEL, REGIONS_KERNEL } from '../segmentation/argmax-simd.js';
import { THRESHOLD_KERNEL } from '../segmentation/threshold-labels.js';
import { BAND_FINISH_KERNEL } from '../segmentation/band-finish.js';

export const SLAB_KERNELS: Readonly<Record<string, SlabKernel<never>>> = Object.fromEntries(
  (
    [
      SQUARE_FIELD_KERNEL,
      RESAMPLE_FIELD_KERNEL,
      JACOBIAN_KERNEL,
      SCAN_NON_FINITE_KERNEL,
      SIGMOID_KERNEL,
      SOFTMAX_KERNEL,
      ARGMAX_KERNEL,
      REGIONS_KERNEL,
      THRESHOLD_KERNEL,
      SAMPLE_SEPARABLE_KERNEL,
      LABELS_SEPARABLE_KERNEL,
      ACCUMULATE_KERNEL,
      ADD_KERNEL,
      SCALE_ROWS_KERNEL,
      NORMALISE_TILES_KERNEL,
      CUT16_KERNEL,
      BAND_FINISH_KERNEL,
    ] as SlabKernel<never>[]
  ).map((k) => [k.name, k]),
);
