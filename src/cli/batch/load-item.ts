/**
 * Reads an item's images into Volumes before the pipeline sees them, so the batch runner keeps
 * the input volume for overlays and the output NIfTI gets the input's exact affine. A DICOM
 * folder must hold exactly one series; files in it that fail to read become warnings as long as
 * the series itself assembles.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { InputError } from '../../core/errors.js';
import type { Volume } from '../../core/volume.js';
import { readDicomDirectory } from '../../io/dicom/node-files.js';
import { readImageFile } from '../../io/node-read-image.js';
import { selectInputVolume } from '../../pipelines/select-volume.js';
import type { BatchItem, ImagePath } from './types.js';

export interface LoadOptions {
  readonly maxVoxels?: number;
  /** `--volume n`: the volume of a multi-volume input (4D DICOM / NIfTI) a 3D model gets (0-based). */
  readonly volume?: number;
}

/** Loads the one image of an item; any other kind of item is an InputError naming it. */
export function loadSingleImage(item: BatchItem, options: LoadOptions = {}): Promise<Volume> {
  if (item.source.kind !== 'image') throw new InputError(`${item.label}: this model takes one image per input`, { input: item.id });
  return loadImage(item.source.image, options);
}

export async function loadImage(image: ImagePath, options: LoadOptions = {}): Promise<Volume> {
  const v = await loadWholeImage(image, options);
  // Multi-volume DICOM is refused (or the named volume taken) here, before any pipeline sees it.
  return selectInputVolume(v, options.volume, String(v.meta.source ?? basename(image.path)));
}

async function loadWholeImage(image: ImagePath, options: LoadOptions): Promise<Volume> {
  const limits = options.maxVoxels === undefined ? {} : { maxVoxels: options.maxVoxels };
  if (!image.dicomFolder) return readImageFile(image.path, limits);
  const name = basename(image.path);
  const { series, errors } = await readDicomDirectory(image.path, limits);
  if (series.length === 0) {
    if (errors[0]) throw errors[0].error;
    throw new InputError(`${name}: no DICOM image in the folder`, { file: name });
  }
  const parts = series.map((v) => v.meta['part']).filter((p): p is string => typeof p === 'string');
  if (series.length > 1 && parts.length === series.length && new Set(series.map((v) => v.meta.seriesInstanceUid)).size === 1) {
    throw new InputError(
      `${name}: the series holds ${series.length} parts (echoes / image components: ${parts.map((p) => `'${p}'`).join(', ')}); convert it with ` +
        `medinfer convert and pass the part's file`,
      { file: name, parts },
    );
  }
  if (series.length > 1) {
    throw new InputError(`${name}: the folder holds ${series.length} series; put each series in its own folder`, { file: name, series: series.length });
  }
  const volume = series[0]!;
  const warnings = [...(volume.meta.warnings ?? []), ...errors.map((e) => `${e.file}: ${e.error.code}: ${e.error.message}`)];
  // The folder name, not a header field, names the series in results and provenance.
  return { ...volume, meta: { ...volume.meta, source: name, ...(warnings.length ? { warnings } : {}) } };
}

export async function loadText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    throw new InputError(`${basename(path)}: cannot read file (${code})`, { file: basename(path), errno: code }, { cause: error });
  }
}
