/**
 * MONOCHROME1 means the minimum value is displayed white (typical for CR / DX). Most chest X-ray
 * models were trained on MONOCHROME2-like images, so callers whose model expects "bright = dense"
 * invert. The mirror is taken over the value range the pixel format can hold (meta.valueRange,
 * BitsStored after the modality LUT), not over the image's own min/max, so the result does not
 * depend on image content.
 */
import { createVolume, arrayStats, type Volume } from '../../core/volume.js';
import { allocateTypedArray, type VoxelType } from '../../core/dtype.js';

export function invertDicomMonochrome1<T extends VoxelType>(volume: Volume<T>): Volume<T> {
  if (volume.meta.photometric !== 'MONOCHROME1') return volume;
  const range = volume.meta['valueRange'] as { min: number; max: number } | undefined;
  const { min, max } = range ?? arrayStats(volume.data);
  const sum = min + max;
  const src = volume.data;
  const out = allocateTypedArray(volume.type, src.length);
  for (let p = 0; p < src.length; p++) out[p] = sum - src[p]!;
  return createVolume({
    geometry: volume.geometry,
    data: out,
    components: volume.components,
    frames: volume.frames,
    meta: {
      ...volume.meta,
      photometric: 'MONOCHROME2',
      invertedFromMonochrome1: true,
      // The window keeps showing the same tissues: its centre is mirrored like the values.
      ...(volume.meta.window === undefined ? {} : { window: { center: sum - volume.meta.window.center, width: volume.meta.window.width } }),
    },
  }) as unknown as Volume<T>;
}
