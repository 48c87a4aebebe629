/**
 * Multi-volume inputs (4D DICOM: fMRI, diffusion, cine) meet models that take one 3D / 2D image.
 * Inside pipelines, Volume `frames` are planar channels (a 4D NIfTI with one frame per MRI
 * contrast feeds a multi-channel model), so a DICOM time series must never slip through as
 * "channels": a DICOM volume with frames > 1 is refused unless the caller names one volume
 * (`{ volume: n }` on pipeline.run, `--volume n` on `medinfer run`; 0-based, as fslroi counts).
 * Naming a volume also works for NIfTI 4D inputs (one frame is then taken as the image).
 */
import { InputError, UsageError } from '../core/errors.js';
import { createVolume, type Volume } from '../core/volume.js';

/** Validates a caller's volume index eagerly (integer >= 0). */
export function checkVolumeOption(volume: unknown): number | undefined {
  if (volume === undefined) return undefined;
  if (typeof volume !== 'number' || !Number.isInteger(volume) || volume < 0) {
    throw new UsageError(`option volume must be an integer >= 0 (0-based volume index), got ${String(volume)}`, {
      field: 'volume',
      expected: 'integer >= 0',
      received: String(volume),
    });
  }
  return volume;
}

function describeVolumes(v: Volume): string {
  const by = typeof v.meta['volumeIndexAttribute'] === 'string' ? ` ordered by ${v.meta['volumeIndexAttribute']}` : '';
  return `${v.frames} volumes${by} (0..${v.frames - 1})`;
}

/**
 * The one volume a 3D / 2D model gets: `index` picks it from a multi-volume input; without it a
 * DICOM multi-volume input is an InputError listing the choices. Other inputs pass unchanged.
 */
export function selectInputVolume(v: Volume, index: number | undefined, name: string): Volume {
  const chosen = checkVolumeOption(index);
  if (chosen === undefined) {
    if (v.frames > 1 && v.meta.format === 'dicom') {
      throw new InputError(
        `${name}: multi-volume input with ${describeVolumes(v)}; the model takes one: choose it with { volume: n } (medinfer run --volume n)`,
        { file: name, cause: 'multi-volume-input', volumes: v.frames },
      );
    }
    return v;
  }
  if (chosen >= v.frames) {
    throw new InputError(`${name}: volume ${chosen} requested but the input has ${v.frames === 1 ? 'one volume (0)' : describeVolumes(v)}`, {
      file: name,
      cause: 'no-such-volume',
      volumes: v.frames,
    });
  }
  if (v.frames === 1) return v;
  const per = v.data.length / v.frames;
  const data = v.data.slice(chosen * per, (chosen + 1) * per);
  return createVolume({ geometry: v.geometry, data, components: v.components, meta: { ...v.meta, selectedVolume: chosen, volumesInSource: v.frames } });
}
