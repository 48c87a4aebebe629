/**
 * A series (files of one group, or the frames of one file) -> Volume(s). series-parts.ts decides
 * the parts (echo x image component) and the volumes of each part from the headers; this file
 * decodes them: one Volume per part, 3D for one volume, 4D (`frames` = volumes, acquisition order)
 * for time / diffusion / repeated volumes. Slices are ordered by their position along the normal
 * (not by file name); stack checks and warnings are in stack-geometry.ts.
 *
 * Several parts (echoes, magnitude + phase, ...) are never merged: readDicomSeries / readDicom
 * return one part when the input holds one or the caller selects one with the `part` option
 * (the dcm2niix suffix, e.g. '_e2', '_ph', '_e1_ph'; '' for the unsuffixed magnitude part) or
 * with `echo` / `component`; otherwise an InputError (cause 'several-parts') lists the parts.
 * readDicomSeriesParts returns all parts.
 */
import { withFrameThreads } from './codecs/frame-decode-pool.js';
import { InputError, LimitError } from '../../core/errors.js';
import { allocateTypedArray, type TypedArray } from '../../core/dtype.js';
import type { GeometryInit } from '../../core/geometry.js';
import type { Volume, VolumeMeta } from '../../core/volume.js';
import { ShapeError, DecodeError } from '../../core/errors.js';
import { decodeImage } from './decode-image.js';
import { copiesStraight } from './decode-native.js';
import { readImageMeta } from './image-meta.js';
import { stackImageNumber } from './stack-image-number.js';
import { resolveReadOptions, type DicomReadOptions, type ResolvedReadOptions } from './options.js';
import { finishVolume, maskedWarning, planFinish } from './finish-volume.js';
import { joinMosaicVolumes, streamMosaicVolumes } from './mosaic-series.js';
import { streamedPart, type StreamedPart } from './series-stream.js';
import { readModalityLutTable } from './modality-lut-sequence.js';
import { groupSliceHeaders, summarizeSeriesGroup } from './series-grouping.js';
import { listFrameRefs, planSeriesParts, type FrameRef, type SeriesPart } from './series-parts.js';
import { duplicateInstanceWarnings } from './duplicate-instances.js';
import { partAcquisitionMeta } from './part-acquisition.js';
import { checkFileInputs, readSliceHeader, type DicomFileInput, type SliceHeader } from './slice-header.js';
import { computeStackGeometry } from './stack-geometry.js';
import { readRepetitionTime } from './frame-keys.js';
import { readNumbers } from './parse-header.js';
import { TAG } from './tags.js';

function readGroup(files: readonly DicomFileInput[], options: DicomReadOptions | undefined): { group: SliceHeader[]; opts: ResolvedReadOptions } {
  checkFileInputs(files);
  const label = options?.name ?? files[0]?.name ?? 'series';
  const opts = resolveReadOptions(options, label);
  if (files.length === 0) throw new InputError(`${label}: no files given`, { file: label, cause: 'empty-series' });
  const headers = files.map((f) => readSliceHeader(f, opts.maxVoxels));
  const groups = groupSliceHeaders(headers);
  if (groups.length > 1) {
    const list = groups.map((g) => summarizeSeriesGroup(g)).map((s) => `${s.seriesInstanceUid || '(no UID)'} ${s.columns}x${s.rows} x${s.sliceCount}`);
    throw new InputError(`${label}: files hold ${groups.length} series (or orientations / sizes); read them separately: ${list.join('; ')}`, {
      file: label,
      cause: 'several-series',
      series: list,
    });
  }
  return { group: groups[0]!, opts };
}

/** Reads files that must form exactly one series and one part (or the part selected in options). */
export async function readDicomSeries(files: readonly DicomFileInput[], options?: DicomReadOptions): Promise<Volume> {
  const { group, opts } = readGroup(files, options);
  return assembleSeries(group, opts);
}

/** Every part of one series (echoes, magnitude / phase, ...), each a 3D or 4D Volume with meta.part. */
export async function readDicomSeriesParts(files: readonly DicomFileInput[], options?: DicomReadOptions): Promise<Volume[]> {
  const { group, opts } = readGroup(files, options);
  return assembleSeriesParts(group, opts);
}

/** One group of headers -> the one (or selected) part. Exported for readDicom and the folder reader. */
export async function assembleSeries(group: readonly SliceHeader[], opts: ResolvedReadOptions): Promise<Volume> {
  const parts = planSeriesParts(listFrameRefs(group), opts.name);
  return withDuplicateWarnings(await assemblePart(selectPart(parts, opts), opts, parts.length > 1), group);
}

function withDuplicateWarnings(v: Volume, group: readonly SliceHeader[]): Volume {
  const notes = duplicateInstanceWarnings(group);
  if (notes.length > 0) v.meta.warnings = [...(v.meta.warnings ?? []), ...notes];
  return v;
}

/** One group of headers -> all its parts (all or nothing: one failing part fails the series). */
export async function assembleSeriesParts(group: readonly SliceHeader[], opts: ResolvedReadOptions): Promise<Volume[]> {
  const parts = planSeriesParts(listFrameRefs(group), opts.name);
  // Parts of one enhanced file (echoes x magnitude / phase) share one decode of its frames.
  const decoded: DecodeCache = new Map();
  const out: Volume[] = [];
  for (const p of parts) out.push(withDuplicateWarnings(await assemblePart(p, opts, parts.length > 1, decoded), group));
  return out;
}

/**
 * assembleSeriesParts for a writer that takes samples piece by piece (convert): each part whose
 * output samples are its files' stored samples comes back as a StreamedPart (series-stream.ts),
 * holding no samples yet; any other part is assembled into a Volume as usual. The shells' meta
 * and the streamed bytes are those of the Volumes assembleSeriesParts returns.
 */
export async function assembleOrStreamSeriesParts(group: readonly SliceHeader[], opts: ResolvedReadOptions): Promise<(Volume | StreamedPart)[]> {
  const parts = planSeriesParts(listFrameRefs(group), opts.name);
  const decoded: DecodeCache = new Map();
  const out: (Volume | StreamedPart)[] = [];
  for (const p of parts) {
    const streamed = streamPart(p, opts);
    if (streamed === undefined) {
      out.push(withDuplicateWarnings(await assemblePart(p, opts, parts.length > 1, decoded), group));
      continue;
    }
    if (parts.length > 1 || p.volumes.length > 1 || p.part !== '') Object.assign(streamed.shell.meta, partMeta(p));
    Object.assign(streamed.shell.meta, partAcquisitionMeta(p, streamed.shell.meta));
    const notes = duplicateInstanceWarnings(group);
    if (notes.length > 0) streamed.shell.meta.warnings = [...(streamed.shell.meta.warnings ?? []), ...notes];
    out.push(streamed);
  }
  return out;
}

function streamPart(p: SeriesPart, opts: ResolvedReadOptions): StreamedPart | undefined {
  try {
    return p.layout === 'mosaic' ? streamMosaicVolumes(p, opts) : streamDecodedPart(p, opts);
  } catch (err) {
    // As finishVolume: a grid built from corrupt attributes is a decode error of the series.
    if (err instanceof ShapeError)
      throw new DecodeError(`${opts.name}: invalid image geometry: ${err.message}`, { file: opts.name, cause: 'geometry' }, { cause: err });
    throw err;
  }
}

function describePart(p: SeriesPart): string {
  const what = [p.echoNumber === undefined ? undefined : `echo ${p.echoNumber}`, p.component ?? 'magnitude'].filter(Boolean).join(' ');
  return `'${p.part}' (${what}, ${p.volumes.length} volume${p.volumes.length > 1 ? 's' : ''})`;
}

export function selectPart(parts: readonly SeriesPart[], opts: ResolvedReadOptions): SeriesPart {
  const label = opts.name;
  const { part, echo, component } = opts;
  const chosen = parts.filter(
    (p) =>
      (part === undefined || p.part === part) &&
      (echo === undefined || p.echoNumber === echo) &&
      (component === undefined || (p.component ?? 'magnitude') === component),
  );
  if (chosen.length === 1) return chosen[0]!;
  const list = parts.map(describePart).join(', ');
  const asked = part !== undefined || echo !== undefined || component !== undefined;
  if (asked && chosen.length === 0)
    throw new InputError(`${label}: no part matches the selection; parts: ${list}`, { file: label, cause: 'no-such-part', parts: parts.map((p) => p.part) });
  throw new InputError(
    `${label}: the series holds ${parts.length} parts (echoes / image components) that are separate volumes: ${list}; choose one with the option { ` +
      `part: '<suffix>' } (or { echo, component }), or read all with readDicomSeriesParts / readDicomDirectory`,
    { file: label, cause: 'several-parts', parts: parts.map((p) => p.part) },
  );
}

/** Slices decoded at once (each into its own slot of the series buffer). */
const SLICE_CONCURRENCY = 8;

/** Runs fn(0..count-1) with at most `limit` in flight; rejects with the first failure. */
async function forEachConcurrently(count: number, limit: number, fn: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let k = next++; k < count; k = next++) await fn(k);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

type DecodeCache = Map<SliceHeader, { raw: TypedArray; photometric: string }>;

async function assemblePart(p: SeriesPart, opts: ResolvedReadOptions, multiPart: boolean, decoded: DecodeCache = new Map()): Promise<Volume> {
  const volume = p.layout === 'mosaic' ? await joinMosaicVolumes(p, opts) : await decodePart(p, opts, decoded);
  // Plain single 3D series (CT, T1) carry no part metadata; a lone phase / real part still says so.
  if (multiPart || p.volumes.length > 1 || p.part !== '') Object.assign(volume.meta, partMeta(p));
  Object.assign(volume.meta, partAcquisitionMeta(p, volume.meta));
  return volume;
}

function partMeta(p: SeriesPart): VolumeMeta {
  const meta: VolumeMeta = { part: p.part, imageComponent: p.component ?? 'magnitude' };
  if (p.echoNumber !== undefined) meta['echoNumber'] = p.echoNumber;
  const te = p.volumes[0]![0]!.keys.echoTime;
  if (te !== undefined) meta['echoTime'] = te;
  if (p.volumes.length > 1 && p.volumeIndexAttribute !== undefined) meta['volumeIndexAttribute'] = p.volumeIndexAttribute;
  return meta;
}

/** What decodePart needs besides the samples, from the headers alone. */
interface DecodePlan {
  readonly ordered: readonly FrameRef[];
  readonly first: SliceHeader;
  readonly pm: SliceHeader['pm'];
  readonly frameSize: number;
  readonly geometry: GeometryInit;
  readonly warnings: string[];
  readonly meta: VolumeMeta;
}

function planDecodePart(p: SeriesPart, opts: ResolvedReadOptions): DecodePlan {
  const label = opts.name;
  const ordered = p.volumes.flat();
  const first = ordered[0]!.header;
  const files = [...new Set(ordered.map((f) => f.header))];
  checkSamePixelFormat(files, label);
  const pm = first.pm;
  const frameSize = pm.rows * pm.columns * pm.samplesPerPixel;
  const total = frameSize * ordered.length;
  if (total > opts.maxVoxels)
    throw new LimitError(`${label}: ${ordered.length} frames x ${frameSize} samples = ${total} exceeds maxVoxels ${opts.maxVoxels}`, {
      file: label,
      voxels: total,
      maxVoxels: opts.maxVoxels,
      cause: 'max-voxels',
    });
  const { geometry, warnings, sliceDeviationMm } = p.layout === 'stack' ? stackGeometry(p.volumes[0]!, label) : unplacedGeometry(first, p.volumes.length);
  const meta = readImageMeta(first.parsed.dataSet, first.transferSyntax.uid, label, opts.seriesLabels);
  if (files.length > 1) {
    meta['files'] = p.volumes[0]!.length === ordered.length ? ordered.map((f) => f.header.name) : files.map((h) => h.name);
    meta['transferSyntaxes'] = [...new Set(files.map((h) => h.transferSyntax.uid))];
  }
  // dcm2niix's image number of the part's first file (lowest InstanceNumber): its `_i<N>` name of
  // a stack that shares its series with stacks of other orientations (a 3-plane localiser;
  // convert's read-inputs.ts).
  const numbered = files.filter((h) => h.instanceNumber !== undefined && Number.isSafeInteger(h.instanceNumber));
  if (numbered.length > 0) {
    const lowest = numbered.reduce((a, b) => (b.instanceNumber! < a.instanceNumber! ? b : a));
    meta['stackImageNumber'] = stackImageNumber(lowest.parsed.dataSet, lowest.instanceNumber!, lowest.pm.frames);
  }
  const tr = readRepetitionTime(first.parsed.dataSet);
  if (tr !== undefined && tr > 0) meta['repetitionTime'] = tr;
  // Worst slice-position error of the uniform grid (mm; stack-geometry.ts): convert refuses large
  // ones. Recorded from 1 micrometre up: below that it is the positions' decimal rounding.
  if (sliceDeviationMm !== undefined && sliceDeviationMm > 1e-3) meta['sliceDeviationMm'] = sliceDeviationMm;
  return { ordered, first, pm, frameSize, geometry, warnings, meta };
}

async function decodePart(p: SeriesPart, given: ResolvedReadOptions, decoded: DecodeCache): Promise<Volume> {
  const { ordered, first, pm, frameSize, geometry, warnings, meta } = planDecodePart(p, given);
  const opts = withFrameThreads(
    given,
    ordered.map((f) => f.header),
  );
  // Uninitialised only where every slot is one native file's samples copied in whole (or the read throws).
  const filledWhole =
    opts.allocateForFill !== undefined && copiesStraight(pm) && ordered.every((f) => f.header.pm.frames === 1 && f.header.transferSyntax.codec === 'native');
  const raw = filledWhole ? opts.allocateForFill!(pm.rawType, frameSize * ordered.length) : allocateTypedArray(pm.rawType, frameSize * ordered.length);
  let outputPhotometric = pm.photometric;
  // Samples whose bits outside BitsStored had to be cleared (stored-bits.ts), reported once for the part.
  let maskedSamples = 0;
  // Single-frame files decode into their own slot, several at a time: samples still in their
  // files (head-only folder reads) are read straight into the slot, and overlapping those reads
  // keeps the I/O thread pool busy instead of waiting on one file after another.
  await forEachConcurrently(ordered.length, SLICE_CONCURRENCY, async (k) => {
    const h = ordered[k]!.header;
    if (h.pm.frames !== 1) return;
    const image = await decodeImage(h.parsed, opts, { out: raw, offset: k * frameSize });
    if (image.raw.buffer !== raw.buffer) raw.set(image.raw as never, k * frameSize);
    outputPhotometric = image.outputPhotometric;
    maskedSamples += image.maskedSamples;
  });
  for (let k = 0; k < ordered.length; k++) {
    const ref = ordered[k]!;
    const h = ref.header;
    if (h.pm.frames === 1) continue;
    let all = decoded.get(h);
    if (all === undefined) {
      const image = await decodeImage(h.parsed, opts);
      all = { raw: image.raw, photometric: image.outputPhotometric };
      decoded.set(h, all);
      maskedSamples += image.maskedSamples;
    }
    outputPhotometric = all.photometric;
    raw.set(all.raw.subarray(ref.frame * frameSize, (ref.frame + 1) * frameSize) as never, k * frameSize);
  }
  return finishVolume(
    { pm, raw, outputPhotometric, maskedSamples },
    ordered.map((f) => f.attrs),
    geometry,
    warnings,
    meta,
    opts,
    readModalityLutTable(first.parsed.dataSet, first.name),
    p.volumes.length,
  );
}

/**
 * decodePart for a writer that takes the samples piece by piece (series-stream.ts), or undefined
 * when the part's output samples are not its files' stored samples slice for slice (multi-frame
 * files, colour, a table or per-frame maps to apply, MONOCHROME1 to invert).
 */
function streamDecodedPart(p: SeriesPart, given: ResolvedReadOptions): StreamedPart | undefined {
  const { ordered, first, pm, frameSize, geometry, warnings, meta } = planDecodePart(p, given);
  const opts = withFrameThreads(
    given,
    ordered.map((f) => f.header),
  );
  if (pm.samplesPerPixel !== 1 || ordered.some((f) => f.header.pm.frames !== 1)) return undefined;
  const plan = planFinish(
    { pm, outputPhotometric: pm.photometric },
    ordered.map((f) => f.attrs),
    warnings,
    meta,
    opts,
    readModalityLutTable(first.parsed.dataSet, first.name),
  );
  if (!plan.passThrough) return undefined;
  return streamedPart({
    geometry,
    rawType: pm.rawType,
    frames: p.volumes.length,
    meta: plan.meta,
    units: ordered.length,
    unitSamples: frameSize,
    maskedWarning: (count) => maskedWarning(count, pm.bitsStored),
    fill: async (k, out, offset) => {
      const image = await decodeImage(ordered[k]!.header.parsed, opts, { out, offset });
      if (image.raw.buffer !== out.buffer || image.raw.byteOffset !== out.byteOffset + offset * out.BYTES_PER_ELEMENT) out.set(image.raw as never, offset);
      return image.maskedSamples;
    },
  });
}

function stackGeometry(slices: readonly FrameRef[], label: string): { geometry: GeometryInit; warnings: string[]; sliceDeviationMm: number } {
  const first = slices[0]!;
  const ds = first.header.parsed.dataSet;
  const missing = slices.some((f) => f.attrs.pixelSpacing === undefined);
  const fallback = missing ? readSpacingPair(ds, TAG.imagerPixelSpacing) : undefined;
  const stack = computeStackGeometry(
    slices.map((f) => ({
      position: f.attrs.position!,
      orientation: f.attrs.orientation!,
      pixelSpacing: f.attrs.pixelSpacing ?? fallback ?? ([1, 1] as const),
      label: f.header.pm.frames > 1 ? `${f.header.name} frame ${f.frame + 1}` : f.header.name,
    })),
    [first.header.pm.columns, first.header.pm.rows],
    label,
    first.attrs.sliceThickness,
  );
  const extra = missing ? [`PixelSpacing missing: in-plane spacing ${fallback === undefined ? '1 mm' : 'from ImagerPixelSpacing'}`] : [];
  return { geometry: stack.geometry, warnings: [...extra, ...stack.warnings], sliceDeviationMm: stack.sliceDeviationMm };
}

/** No patient position / orientation (secondary capture, projection X-ray, ultrasound loops): pixel grid only. */
function unplacedGeometry(h: SliceHeader, volumes: number): { geometry: GeometryInit; warnings: string[]; sliceDeviationMm?: number } {
  const rowCol = h.frame.pixelSpacing ?? readSpacingPair(h.parsed.dataSet, TAG.imagerPixelSpacing);
  const warnings = [
    rowCol === undefined
      ? 'no patient geometry (ImagePositionPatient / ImageOrientationPatient / PixelSpacing): identity direction, 1 mm spacing'
      : 'no patient position / orientation: identity direction, origin 0; spacing from pixel spacing attributes',
  ];
  if (volumes > 1) warnings.push(`${volumes} frames without positions: one slice, frames are volumes (4D, in stored order)`);
  return { geometry: { size: [h.pm.columns, h.pm.rows, 1], spacing: [rowCol?.[1] ?? 1, rowCol?.[0] ?? 1, 1] }, warnings };
}

function readSpacingPair(ds: SliceHeader['parsed']['dataSet'], tag: string): readonly [number, number] | undefined {
  const v = readNumbers(ds, tag);
  return v !== undefined && v.length >= 2 && v[0]! > 0 && v[1]! > 0 ? [v[0]!, v[1]!] : undefined;
}

function checkSamePixelFormat(files: readonly SliceHeader[], label: string): void {
  const a = files[0]!.pm;
  for (const h of files) {
    const b = h.pm;
    if (
      b.bitsAllocated !== a.bitsAllocated ||
      b.pixelRepresentation !== a.pixelRepresentation ||
      b.samplesPerPixel !== a.samplesPerPixel ||
      b.rows !== a.rows ||
      b.columns !== a.columns
    ) {
      throw new InputError(`${label}: ${h.name} has a different pixel format from ${files[0]!.name} (bits / signedness / samples / size)`, {
        file: h.name,
        cause: 'mixed-pixel-format',
      });
    }
  }
}
