/**
 * Per-slice acquisition times (BIDS SliceTiming) of a non-mosaic part, from times the header
 * states per slice; mosaics read theirs from MosaicRefAcqTimes (mosaic.ts). Only Siemens XA
 * TimeAfterStart (0021,1104: seconds since the run began, per file in classic objects, per frame
 * in the private per-frame item (0021,11FE) of enhanced ones) is read, as dcm2niix reads it.
 * Not read, because medinfer could not state the same times as dcm2niix to 0.1 ms (the rule
 * convert follows: issue 21 req 1):
 *  - AcquisitionTime (UIH, older Siemens 2D): dcm2niix holds HHMMSS.frac in 32-bit floats, so its
 *    times move on a 1/128 s grid (up to ~8 ms from the header's);
 *  - GE: dcm2niix models the times from the slice order in a compressed protocol block and the
 *    TR (evenly spaced excitations), not from a per-slice time.
 */
import type { DataSet } from './dataset.js';
import { readNumber, readString } from './parse-header.js';
import type { FrameRef, SeriesPart } from './series-parts.js';
import { TAG } from './tags.js';
import { isSiemens, siemensFrameItem } from './vendor-frame-keys.js';

const TIME_AFTER_START = 'x00211104';

/** TimeAfterStart (s) of one frame: the enhanced frame's private item, else the file's own. */
function timeAfterStart(ref: FrameRef): number | undefined {
  const ds: DataSet = ref.header.parsed.dataSet;
  const group = ds.elements[TAG.perFrameFunctionalGroups]?.items?.[ref.frame]?.dataSet;
  const item = siemensFrameItem(group);
  const own = item === undefined ? undefined : readNumber(item, TIME_AFTER_START);
  return own ?? (ds.elements[TAG.perFrameFunctionalGroups] === undefined ? readNumber(ds, TIME_AFTER_START) : undefined);
}

/**
 * Seconds from the first excitation of the volume, one per slice k of the part (its order along
 * the normal, the written file's k), from the second volume: the first can differ from the rest
 * (XA10, dcm2niix issue 240; dcm_qa_sag's first volume spans 4.2 s of a 1.5 s TR, dcm_qa_xa60's SMS
 * runs start with an unaccelerated volume), and dcm2niix reads the second. Undefined for a part of
 * one volume (a Siemens MFSPLIT series per volume: no second volume to check the first against, and
 * dcm2niix v1.0.20220720 writes the raw TimeAfterStart there), where Siemens XA does not state
 * TimeAfterStart for every slice, or where the times do not differ or exceed the RepetitionTime.
 */
export function siemensXaSliceTimes(p: SeriesPart): number[] | undefined {
  if (p.layout !== 'stack' || p.volumes.length < 2) return undefined;
  const volume = p.volumes[1]!;
  const ds = volume[0]?.header.parsed.dataSet;
  if (volume.length < 2 || ds === undefined || !isSiemens(ds) || !/\bXA\d/.test(readString(ds, 'x00181020') ?? '')) return undefined;
  const times = volume.map(timeAfterStart);
  if (times.some((t) => t === undefined)) return undefined;
  const start = Math.min(...(times as number[]));
  // TimeAfterStart is a decimal string (ms steps): the differences are rounded to 1 us to drop binary noise.
  const out = (times as number[]).map((t) => Number((t - start).toFixed(6)));
  const last = Math.max(...out);
  const tr = readNumber(ds, TAG.repetitionTime);
  if (last === 0 || (tr !== undefined && last * 1000 > tr)) return undefined;
  return out;
}
