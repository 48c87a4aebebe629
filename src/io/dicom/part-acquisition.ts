/**
 * The acquisition values that differ between the parts of one series (acquisition-meta.ts reads
 * the rest from the part's first file): each echo's EchoTime and EchoNumber, the check of
 * RepetitionTime against the volume interval, and the diffusion table of a multi-volume part
 * (diffusion.ts), from the part's own frames.
 */
import type { VolumeMeta } from '../../core/volume.js';
import { msToSeconds, type AcquisitionMeta } from './acquisition-meta.js';
import { readDiffusionTable } from './diffusion.js';
import { siemensXaSliceTimes } from './slice-times.js';
import type { SeriesPart } from './series-parts.js';
import { volumeIntervalSeconds } from './volume-interval.js';

/**
 * meta.acquisition with the part's EchoTime (its first frame's: enhanced objects state it per
 * frame) and EchoNumber where dcm2niix writes one (an echo above 1, or any echo of a multi-echo
 * series), meta.sliceTimes where Siemens XA states them per slice (slice-times.ts), without
 * RepetitionTime where the volumes are further apart than it (volume-interval.ts; the reason in
 * meta.acquisitionNotes), and meta.diffusion for a part of several volumes whose first or last
 * volume states a b-value (diffusion.ts).
 */
export function partAcquisitionMeta(p: SeriesPart, meta: VolumeMeta): VolumeMeta {
  const acquisition: AcquisitionMeta = { ...((meta['acquisition'] as AcquisitionMeta | undefined) ?? {}) };
  const first = p.volumes[0]![0]!;
  const te = first.keys.echoTime;
  if (te !== undefined && te > 0) acquisition.EchoTime = msToSeconds(te);
  // A field map in Hz is computed from two echoes: one echo's time would misdescribe it.
  if (p.component === 'fieldmap') delete acquisition.EchoTime;
  const echo = p.echoNumber;
  if (echo !== undefined && echo > 0 && (echo > 1 || /^_e\d/.test(p.part))) acquisition.EchoNumber = echo;
  const out: VolumeMeta = { acquisition };
  const interval = volumeIntervalSeconds(p);
  // 50 ms: the resolution dcm2niix allows the same check (AcquisitionTime is often stated to 10 ms).
  if (interval !== undefined && acquisition.RepetitionTime !== undefined && Math.abs(interval - acquisition.RepetitionTime) > 0.05) {
    out['acquisitionNotes'] = [
      `RepetitionTime left out: the volumes are ${Number(interval.toPrecision(4))} s apart, the header states ${acquisition.RepetitionTime} s`,
    ];
    delete acquisition.RepetitionTime;
  }
  const sliceTimes = siemensXaSliceTimes(p);
  if (sliceTimes !== undefined) out['sliceTimes'] = sliceTimes;
  if (p.volumes.length > 1) {
    const table = readDiffusionTable(p.volumes.map((v) => [v[0]!.header.parsed.dataSet, v[0]!.frame, v[0]!.header.name] as const));
    if (table !== undefined) out['diffusion'] = table;
  }
  return out;
}
