/**
 * Seconds between volumes as the acquisition clock shows them, to check that a header's
 * RepetitionTime is the volume interval BIDS means (part-acquisition.ts): GE multi-phase EPI
 * states its inter-phase delay only in a compressed protocol block, Philips 3D ASL states the
 * excitation TR; dcm2niix then replaces TR by an estimate from these times (its issue 560).
 * medinfer does not estimate: it leaves RepetitionTime out and says why. The times are compared,
 * never copied into meta (acquisition times are dates-and-times of the PS3.15 profile).
 */
import type { DataSet } from './dataset.js';
import { firstItem, readString } from './parse-header.js';
import { TAG } from './tags.js';
import type { FrameRef, SeriesPart } from './series-parts.js';
import { manufacturerIs } from './vendor-frame-keys.js';

/** HHMMSS.frac (TM, or the time of a DT) -> seconds of the day. */
function secondsOfDay(tm: string | undefined): number | undefined {
  const m = tm === undefined ? null : /^(\d{2})(\d{2})?(\d{2}(?:\.\d+)?)?/.exec(tm);
  if (m === null) return undefined;
  return Number(m[1]) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** The acquisition time of one frame: enhanced FrameAcquisitionDateTime, else classic AcquisitionTime. */
function frameSeconds(ref: FrameRef): number | undefined {
  const ds: DataSet = ref.header.parsed.dataSet;
  const own = ds.elements[TAG.perFrameFunctionalGroups]?.items?.[ref.frame]?.dataSet;
  const content = own === undefined ? undefined : firstItem(own, 'x00209111');
  const dt = content === undefined ? undefined : readString(content, 'x00189074');
  if (dt !== undefined) return secondsOfDay(dt.slice(8));
  return secondsOfDay(readString(ds, 'x00080032'));
}

/**
 * Mean seconds between the starts of the first and last volumes (the first slice of each, the
 * same position), GE from TriggerTime (ms from the start of the run); undefined when the times
 * do not advance (one time for the whole run, or none stated).
 */
export function volumeIntervalSeconds(p: SeriesPart): number | undefined {
  const n = p.volumes.length;
  const [a, b] = [p.volumes[0]?.[0], p.volumes[n - 1]?.[0]];
  if (n < 2 || a === undefined || b === undefined) return undefined;
  let span: number | undefined;
  if (manufacturerIs(a.header.parsed.dataSet, 'GE') && a.keys.triggerTime !== undefined && b.keys.triggerTime !== undefined)
    span = (b.keys.triggerTime - a.keys.triggerTime) / 1000;
  else {
    const [ta, tb] = [frameSeconds(a), frameSeconds(b)];
    span = ta === undefined || tb === undefined ? undefined : tb - ta;
  }
  return span === undefined || !(span > 0) ? undefined : span / (n - 1);
}
