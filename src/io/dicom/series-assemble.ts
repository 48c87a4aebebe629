/**
 * A series (files of one group) -> one 3D Volume: slices ordered by their position along the
 * slice normal (not by file name or InstanceNumber), k axis = +normal, spacing from positions.
 * Checks and policy live in stack-geometry.ts (errors vs meta.warnings).
 */
import { InputError, LimitError } from '../../core/errors.js';
import { allocateTypedArray } from '../../core/dtype.js';
import type { Volume } from '../../core/volume.js';
import type { Vec3 } from '../../core/geometry.js';
import { decodeImage } from './decode-image.js';
import { computeSliceNormal } from './frame-geometry.js';
import { readImageMeta } from './image-meta.js';
import { resolveReadOptions, type DicomReadOptions, type ResolvedReadOptions } from './options.js';
import { finishVolume, readParsedDicom } from './read-dicom.js';
import { readModalityLutTable } from './modality-lut-sequence.js';
import { groupSliceHeaders, summarizeSeriesGroup } from './series-grouping.js';
import { checkFileInputs, readSliceHeader, type DicomFileInput, type SliceHeader } from './slice-header.js';
import { computeStackGeometry } from './stack-geometry.js';

/** Reads files that must form exactly one series; InputError when they hold several. */
export async function readDicomSeries(files: readonly DicomFileInput[], options?: DicomReadOptions): Promise<Volume> {
  checkFileInputs(files);
  const label = options?.name ?? files[0]?.name ?? 'series';
  const opts = resolveReadOptions(options, label);
  if (files.length === 0) throw new InputError(`${label}: no files given`, { file: label, cause: 'empty-series' });
  const headers = files.map((f) => readSliceHeader(f, opts.maxVoxels));
  const groups = groupSliceHeaders(headers);
  if (groups.length > 1) {
    const list = groups.map((g) => summarizeSeriesGroup(g)).map((s) => `${s.seriesInstanceUid || '(no UID)'} ${s.columns}x${s.rows} x${s.sliceCount}`);
    throw new InputError(`${label}: files hold ${groups.length} series (or orientations / sizes); read them separately: ${list.join('; ')}`, { file: label, cause: 'several-series', series: list });
  }
  return assembleSeries(groups[0]!, opts);
}

/** One group of headers -> Volume. Exported for the folder reader. */
export async function assembleSeries(group: readonly SliceHeader[], opts: ResolvedReadOptions): Promise<Volume> {
  const label = opts.name;
  const first = group[0]!;
  if (group.length === 1) return readParsedDicom(first.parsed, opts);
  const multi = group.find((h) => h.pm.frames > 1);
  if (multi !== undefined) throw new InputError(`${label}: ${multi.name} is multi-frame; multi-frame files cannot be stacked with other files`, { file: multi.name, cause: 'multi-frame-in-series' });
  const unplaced = group.find((h) => h.frame.position === undefined || h.frame.orientation === undefined);
  if (unplaced !== undefined) throw new InputError(`${label}: ${unplaced.name} has no ImagePositionPatient / ImageOrientationPatient, slices cannot be ordered`, { file: unplaced.name, cause: 'no-position' });
  checkSamePixelFormat(group, label);
  const pm = first.pm;
  const frameSize = pm.rows * pm.columns * pm.samplesPerPixel;
  const total = frameSize * group.length;
  if (total > opts.maxVoxels) throw new LimitError(`${label}: series of ${group.length} slices x ${frameSize} samples = ${total} exceeds maxVoxels ${opts.maxVoxels}`, { file: label, voxels: total, maxVoxels: opts.maxVoxels, cause: 'max-voxels' });

  const normal = computeSliceNormal(first.frame.orientation!);
  const depth = (p: Vec3): number => p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2];
  const sorted = [...group].sort((a, b) => depth(a.frame.position!) - depth(b.frame.position!));
  const stack = computeStackGeometry(
    sorted.map((h) => ({ position: h.frame.position!, orientation: h.frame.orientation!, pixelSpacing: h.frame.pixelSpacing ?? [1, 1], label: h.name })),
    [pm.columns, pm.rows],
    label,
  );
  if (sorted.some((h) => h.frame.pixelSpacing === undefined)) stack.warnings.push('PixelSpacing missing: in-plane spacing 1 mm');

  const raw = allocateTypedArray(pm.rawType, total);
  let outputPhotometric = pm.photometric;
  let maskedSamples = 0;
  for (let k = 0; k < sorted.length; k++) {
    const image = await decodeImage(sorted[k]!.parsed, opts, { out: raw, offset: k * frameSize });
    if (image.raw.buffer !== raw.buffer) raw.set(image.raw as never, k * frameSize);
    outputPhotometric = image.outputPhotometric;
    maskedSamples += image.maskedSamples;
  }
  const meta = readImageMeta(first.parsed.dataSet, first.transferSyntax.uid, label);
  meta['files'] = sorted.map((h) => h.name);
  meta['transferSyntaxes'] = [...new Set(sorted.map((h) => h.transferSyntax.uid))];
  return finishVolume({ pm, raw, outputPhotometric, maskedSamples }, sorted.map((h) => h.frame), stack.geometry, stack.warnings, meta, opts, readModalityLutTable(first.parsed.dataSet, first.name));
}

function checkSamePixelFormat(group: readonly SliceHeader[], label: string): void {
  const a = group[0]!.pm;
  for (const h of group) {
    const b = h.pm;
    if (b.bitsAllocated !== a.bitsAllocated || b.pixelRepresentation !== a.pixelRepresentation || b.samplesPerPixel !== a.samplesPerPixel || b.frames !== a.frames) {
      throw new InputError(`${label}: ${h.name} has a different pixel format from ${group[0]!.name} (bits / signedness / samples)`, { file: h.name, cause: 'mixed-pixel-format' });
    }
  }
}
