/**
 * A series of tiled files (Siemens mosaic, UIH grid): each file is one whole 3D volume, the series
 * a 4D run (fMRI, DWI), volumes in the order series-parts.ts planned. All files must share one
 * grid (size, spacing, origin, direction within 1e-3) and pixel type.
 *
 * Siemens mosaics without a Modality LUT Sequence (all of them in practice) take the direct path:
 * layout and geometry of every file from its header first (a mismatch fails before any pixel is
 * read), then each file's tiled frame is read into a per-lane scratch buffer and its tiles copied
 * straight into the run's buffer - no per-volume Volume, no second copy of the run - and the
 * modality map is settled once for the run (finishVolume: one map kept as scl_slope / scl_inter
 * or applied, per volume, to every slice). Anything else goes file by file through
 * readParsedDicom and is joined.
 */
import { InputError } from '../../core/errors.js';
import { allocateTypedArray, bytesPerElement, type TypedArray, type VoxelType } from '../../core/dtype.js';
import { createKernelArena } from '../../core/volume-kernels.js';
import type { GeometryInit } from '../../core/geometry.js';
import { createVolume, type Volume, type VolumeMeta } from '../../core/volume.js';
import { withFrameThreads } from './codecs/frame-decode-pool.js';
import { decodeImage } from './decode-image.js';
import { readImageMeta } from './image-meta.js';
import { planMosaic, unpackMosaicTiles, type MosaicPlan } from './mosaic.js';
import type { ResolvedReadOptions } from './options.js';
import { finishVolume, maskedWarning, planFinish } from './finish-volume.js';
import { readTiledVolume } from './read-tiled-volume.js';
import { streamedPart, UNIT_CONCURRENCY, type StreamedPart } from './series-stream.js';
import type { SeriesPart } from './series-parts.js';
import type { SliceHeader } from './slice-header.js';
import { TAG } from './tags.js';
import { isUihGrid } from './uih-grid.js';

/** Files read at once (each into its own scratch buffer, then unpacked into the run). */
const FILE_CONCURRENCY = 8;

const close = (x: readonly number[] | undefined, y: readonly number[] | undefined): boolean =>
  x === undefined || y === undefined ? x === y : x.length === y.length && x.every((v, i) => Math.abs(v - y[i]!) <= 1e-3);

function sameGrid(a: GeometryInit, b: GeometryInit): boolean {
  return close(a.size, b.size) && close(a.spacing, b.spacing) && close(a.origin, b.origin) && close(a.direction, b.direction);
}

function mixedGrid(label: string, file: string, first: string): InputError {
  return new InputError(`${label}: mosaic ${file} has another grid or type than ${first}: not one 4D series`, { file, cause: 'mixed-grid' });
}

export async function joinMosaicVolumes(p: SeriesPart, opts: ResolvedReadOptions): Promise<Volume> {
  const headers = p.volumes.map((v) => v[0]!.header);
  return isDirectMosaicRun(headers) ? joinSiemensMosaics(headers, opts) : joinTiledVolumes(p, opts);
}

/** Layout and geometry of every file of a direct-path run, checked to be one grid (no sample read yet). */
function planSiemensMosaics(
  headers: readonly SliceHeader[],
  opts: ResolvedReadOptions,
): { plans: MosaicPlan[]; perVolume: number; meta: VolumeMeta; frames: SliceHeader['frame'][] } {
  const label = opts.name;
  const first = headers[0]!;
  // Every file's layout and geometry (checked below); slice times only of the first, whose
  // metadata (a.meta, a.warnings) is the run's.
  const plans: MosaicPlan[] = headers.map((h, idx) => planMosaic(h.parsed.dataSet, h.pm, h.frame, h.name, idx === 0));
  const a = plans[0]!;
  headers.forEach((h, idx) => {
    const b = plans[idx]!;
    const same =
      h.pm.rawType === first.pm.rawType &&
      h.pm.columns === first.pm.columns &&
      h.pm.rows === first.pm.rows &&
      b.layout.images === a.layout.images &&
      sameGrid(b.geometry, a.geometry);
    if (!same) throw mixedGrid(label, h.name, first.name);
  });
  const perVolume = a.pm.rows * a.pm.columns * a.layout.images;
  const meta: VolumeMeta = {
    ...readImageMeta(first.parsed.dataSet, first.transferSyntax.uid, first.name, opts.seriesLabels),
    ...a.meta,
    source: label,
    files: headers.map((h) => h.name),
  };
  // Each volume's slices carry its file's rescale: finishVolume keeps one map for the run or
  // applies each volume's own (a volume is never scaled by another's map).
  const frames = headers.flatMap((h) => new Array<typeof h.frame>(a.layout.images).fill(h.frame));
  return { plans, perVolume, meta, frames };
}

/** One file's tiled frame read into `scratch` and its tiles copied to out[offset ...]; resolves the samples whose stray bits were cleared. */
async function fillMosaicVolume(
  h: SliceHeader,
  plan: MosaicPlan,
  opts: ResolvedReadOptions,
  scratch: TypedArray,
  out: TypedArray,
  offset: number,
): Promise<{ masked: number; photometric: string }> {
  const image = await decodeImage(h.parsed, opts, { out: scratch, offset: 0 });
  unpackMosaicTiles(image.raw, h.pm, plan.layout, { out, offset });
  return { masked: image.maskedSamples, photometric: image.outputPhotometric };
}

async function joinSiemensMosaics(headers: readonly SliceHeader[], given: ResolvedReadOptions): Promise<Volume> {
  const opts = withFrameThreads(given, headers);
  const first = headers[0]!;
  const { plans, perVolume, meta, frames } = planSiemensMosaics(headers, opts);
  const a = plans[0]!;
  const data = allocateTypedArray(first.pm.rawType, perVolume * headers.length);
  let maskedSamples = 0;
  let outputPhotometric = first.pm.photometric;
  let next = 0;
  const lane = async (): Promise<void> => {
    // Native samples are read from the file into this buffer, reused file after file.
    const scratch: TypedArray = allocateTypedArray(first.pm.rawType, first.pm.rows * first.pm.columns);
    for (let idx = next++; idx < headers.length; idx = next++) {
      const done = await fillMosaicVolume(headers[idx]!, plans[idx]!, opts, scratch, data, idx * perVolume);
      maskedSamples += done.masked;
      outputPhotometric = done.photometric;
    }
  };
  await Promise.all(Array.from({ length: Math.min(FILE_CONCURRENCY, headers.length) }, lane));
  return finishVolume({ pm: a.pm, raw: data, outputPhotometric, maskedSamples }, frames, a.geometry, a.warnings, meta, opts, undefined, headers.length);
}

/**
 * joinMosaicVolumes for a writer that takes the samples a piece at a time (series-stream.ts):
 * the same checks before any sample is read, each file unpacked into the piece being filled.
 * undefined when the run is not on the direct path or its values are not the stored ones.
 */
export function streamMosaicVolumes(p: SeriesPart, given: ResolvedReadOptions): StreamedPart | undefined {
  const headers = p.volumes.map((v) => v[0]!.header);
  if (!isDirectMosaicRun(headers)) return undefined;
  const opts = withFrameThreads(given, headers);
  const first = headers[0]!;
  const { plans, perVolume, meta, frames } = planSiemensMosaics(headers, opts);
  const a = plans[0]!;
  const plan = planFinish({ pm: a.pm, outputPhotometric: first.pm.photometric }, frames, a.warnings, meta, opts, undefined);
  if (!plan.passThrough || a.pm.samplesPerPixel !== 1) return undefined;
  // Scratch buffers for the tiled frames, one per file being read (at most UNIT_CONCURRENCY at once).
  const frameSamples = first.pm.rows * first.pm.columns;
  const spare: TypedArray[] = [];
  return streamedPart({
    // Frames and pieces in one kernel memory: the tiles are then copied by WebAssembly (one
    // memory.copy per tile row, unpackMosaicTiles), several times faster than the JS row loop.
    // Without WebAssembly the default buffers and the JS loop give the same bytes.
    pieceBuffers: (samples, count) => {
      const bytes = bytesPerElement(first.pm.rawType);
      const arena = createKernelArena([...new Array<number>(count).fill(samples * bytes), ...new Array<number>(UNIT_CONCURRENCY).fill(frameSamples * bytes)]);
      if (arena === null) return Array.from({ length: count }, () => allocateTypedArray(first.pm.rawType, samples));
      const view = (at: number, n: number): TypedArray => typedView(first.pm.rawType, arena.u8.buffer, at, n);
      for (let k = 0; k < UNIT_CONCURRENCY; k++) spare.push(view(arena.offsets[count + k]!, frameSamples));
      return arena.offsets.slice(0, count).map((at) => view(at, samples));
    },
    geometry: a.geometry,
    rawType: first.pm.rawType,
    frames: headers.length,
    meta: plan.meta,
    units: headers.length,
    unitSamples: perVolume,
    maskedWarning: (count) => maskedWarning(count, first.pm.bitsStored),
    fill: async (idx, out, offset) => {
      const scratch = spare.pop() ?? allocateTypedArray(first.pm.rawType, frameSamples);
      try {
        return (await fillMosaicVolume(headers[idx]!, plans[idx]!, opts, scratch, out, offset)).masked;
      } finally {
        spare.push(scratch);
      }
    },
  });
}

/** `length` samples of `type` at byte `at` of `buffer` (16-byte aligned arena blocks). */
function typedView(type: VoxelType, buffer: ArrayBufferLike, at: number, length: number): TypedArray {
  const ctor = allocateTypedArray(type, 0).constructor as new (b: ArrayBufferLike, offset: number, length: number) => TypedArray;
  return new ctor(buffer, at, length);
}

function isDirectMosaicRun(headers: readonly SliceHeader[]): boolean {
  return headers.every((h) => !isUihGrid(h.parsed.dataSet) && h.parsed.dataSet.elements[TAG.modalityLutSequence] === undefined);
}

/** UIH grids and mosaics with a Modality LUT Sequence: each file read as a Volume, then joined. */
async function joinTiledVolumes(p: SeriesPart, opts: ResolvedReadOptions): Promise<Volume> {
  const label = opts.name;
  const n = p.volumes.length;
  // Each file's volume is copied into the 4D buffer as soon as it is read and then dropped: the
  // run is held once, not once per file plus once joined.
  let a: Volume | undefined;
  let data: TypedArray | undefined;
  const scalings: (Readonly<{ slope: number; intercept: number }> | undefined)[] = [];
  for (let idx = 0; idx < n; idx++) {
    const header = p.volumes[idx]![0]!.header;
    // A 'mosaic' part holds only tiled-volume files (series-parts.ts), which readDicom reads this way too.
    const v = await readTiledVolume(header.parsed, { ...opts, name: header.name });
    a ??= v;
    const g = v.geometry;
    const same = v.type === a.type && v.components === a.components && v.frames === a.frames && sameGrid(g, a.geometry);
    if (!same) throw mixedGrid(label, header.name, p.volumes[0]![0]!.header.name);
    data ??= allocateTypedArray(a.type, a.data.length * n);
    data.set(v.data as never, idx * a.data.length);
    scalings.push(v.meta['storedValueScaling'] as { slope: number; intercept: number } | undefined);
  }
  const meta: VolumeMeta = { ...a!.meta, source: label, files: p.volumes.map(([ref]) => ref!.header.name) };
  // Stored values are handed over with one map only when every file has the same map; otherwise
  // each volume's own map is applied here (float32), so no volume is scaled by another's map.
  const first = scalings[0];
  const uniform = scalings.every((sc) => sc?.slope === first?.slope && sc?.intercept === first?.intercept);
  if (!uniform) {
    const per = a!.data.length;
    const values = new Float32Array(data!.length);
    for (let idx = 0; idx < n; idx++) {
      const sc = scalings[idx] ?? { slope: 1, intercept: 0 };
      for (let i = idx * per, end = i + per; i < end; i++) values[i] = data![i]! * sc.slope + sc.intercept;
    }
    delete meta['storedValueScaling'];
    return createVolume({ geometry: a!.geometry, components: a!.components, frames: n * a!.frames, data: values, meta: { ...meta, modalityLutApplied: true } });
  }
  return createVolume({ geometry: a!.geometry, components: a!.components, frames: n * a!.frames, data: data!, meta });
}
