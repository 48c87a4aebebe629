/**
 * Where a volume goes plane by plane as it is made, for results that are only wanted on disk (a
 * segmentation's label map from a sliding window: SegmentationPipeline.runToSink). Isomorphic:
 * the Node side writes a NIfTI file (nifti/node-nifti-file-sink.ts); a browser could write to the
 * origin-private file system or a download stream. The caller's contract:
 *   begin once -> write planes in order of k, each call starting where the last ended -> finish;
 *   on any failure abort instead (also after begin failed, or before begin), and nothing appears.
 */
import type { TypedArray } from '../core/dtype.js';
import type { Volume } from '../core/volume.js';

/** A volume without its samples: what a file header needs (grid, sample type, frames, meta). */
export type VolumeShell = Omit<Volume, 'data'>;

export interface VolumeSink {
  /** Once, before any plane: the volume's header. One frame and one component per voxel. */
  begin(shell: VolumeShell): Promise<void>;
  /**
   * Planes k0 .. k0 + n - 1 (n = planes.length / (size[0] * size[1]); i fastest, then j), of the
   * shell's type. The sink may keep `planes` until the promise settles; the caller does not
   * change them afterwards either.
   */
  write(planes: TypedArray, k0: number): Promise<void>;
  /** Every plane written: the output appears whole (a file is renamed into place). */
  finish(): Promise<void>;
  /** The run failed: whatever was written is removed. Never throws. */
  abort(): Promise<void>;
}
