/**
 * A series part whose samples are handed to a writer piece by piece, straight from the files,
 * instead of being assembled into one Volume first: `medinfer convert` writes a 4D run or a
 * 300-slice CT holding two pieces of a few MiB, not the whole volume (issue 21: peak memory).
 *
 * Only parts whose output samples ARE the stored samples qualify (finish-volume.ts planFinish
 * passThrough: one linear map for every frame, handed over as storedValueScaling; no table, no
 * MONOCHROME1 inversion) and whose files each hold whole slices of the output in order (single-
 * frame files of a stack, one tiled file per volume); everything else is assembled as before
 * (series-assemble.ts decides). The bytes a writer receives, in order, are exactly the bytes of
 * the Volume that assembleSeriesParts would return, and the shell's meta is that Volume's meta.
 */
import { allocateTypedArray, type TypedArray } from '../../core/dtype.js';
import { createGeometry, type GeometryInit } from '../../core/geometry.js';
import type { VolumeMeta } from '../../core/volume.js';
import type { VoxelType } from '../../core/dtype.js';
import type { VolumeShell } from '../volume-sink.js';

export type { VolumeShell } from '../volume-sink.js';

export interface StreamedPart {
  readonly shell: VolumeShell;
  /** Bytes of the samples: what Volume.data.byteLength would be. */
  readonly byteLength: number;
  /**
   * Reads the samples and hands them to `sink` in order, piece after piece (`byteOffset` from the
   * first sample). A piece's bytes are valid only until the promise `sink` returned settles; the
   * next piece is read meanwhile. Rejects with the first failure (reading or sink). Warnings
   * that only the samples tell (bits outside BitsStored) are added to shell.meta.warnings.
   * Call once.
   */
  stream(sink: (bytes: Uint8Array, byteOffset: number) => Promise<void>): Promise<void>;
}

/**
 * Target size of one piece: two are held at a time (one being written, one being read). Small:
 * a piece is read and written in a few ms either way, and what is held counts in peak memory.
 */
const PIECE_BYTES = 2 * 2 ** 20;
/**
 * Units (slices or volumes) read at once within a piece, each into its own slot: at most this
 * many `fill` calls run at once. Four keep Node's four thread-pool threads reading; eight held
 * ~2.5 MiB (mosaic) to ~4 MiB (CT) more at peak for no CPU or wall time measured (BENCHMARKS.md convert).
 */
export const UNIT_CONCURRENCY = 4;

export interface StreamPlan {
  readonly geometry: GeometryInit;
  readonly rawType: VoxelType;
  readonly frames: number;
  readonly meta: VolumeMeta;
  /** Units (slices of a stack, volumes of a tiled run) in output order. */
  readonly units: number;
  /** Samples per unit. */
  readonly unitSamples: number;
  /** Fills unit `unit` into out[offset, offset + unitSamples); resolves the samples whose stray high bits were cleared. */
  readonly fill: (unit: number, out: TypedArray, offset: number) => Promise<number>;
  /** The warning for cleared bits (finish-volume.ts maskedWarning). */
  readonly maskedWarning: (count: number) => string[];
  /**
   * The `count` piece buffers of `samples` samples each (default: fresh arrays). The mosaic path
   * places them in one WebAssembly kernel memory with its frame buffers (mosaic-series.ts).
   */
  readonly pieceBuffers?: (samples: number, count: number) => TypedArray[];
}

export function streamedPart(plan: StreamPlan): StreamedPart {
  const geometry = createGeometry(plan.geometry);
  const shell: VolumeShell = { geometry, type: plan.rawType, components: 1, frames: plan.frames, meta: plan.meta };
  const bytesPerSample = allocateTypedArray(plan.rawType, 0).BYTES_PER_ELEMENT;
  const unitBytes = plan.unitSamples * bytesPerSample;
  let streamed = false;
  return {
    shell,
    byteLength: unitBytes * plan.units,
    async stream(sink) {
      if (streamed) throw new Error('StreamedPart.stream called twice');
      streamed = true;
      // At least UNIT_CONCURRENCY units a piece, so that many file reads overlap.
      const perPiece = Math.max(1, Math.min(plan.units, Math.max(UNIT_CONCURRENCY, Math.floor(PIECE_BYTES / unitBytes))));
      const pieces = plan.units > perPiece ? 2 : 1;
      const buffers =
        plan.pieceBuffers?.(perPiece * plan.unitSamples, pieces) ??
        Array.from({ length: pieces }, () => allocateTypedArray(plan.rawType, perPiece * plan.unitSamples));
      const writing: (Promise<void> | undefined)[] = [undefined, undefined];
      let masked = 0;
      try {
        for (let start = 0, n = 0; start < plan.units; start += perPiece, n ^= 1) {
          // The buffer written two pieces ago must be on disk before it is filled again.
          await writing[n];
          const out = buffers[n]!;
          const count = Math.min(perPiece, plan.units - start);
          let next = 0;
          const lane = async (): Promise<void> => {
            for (let k = next++; k < count; k = next++) {
              // Not `masked += await ...`: that reads `masked` before the await, losing the other lanes' counts.
              const cleared = await plan.fill(start + k, out, k * plan.unitSamples);
              masked += cleared;
            }
          };
          await Promise.all(Array.from({ length: Math.min(UNIT_CONCURRENCY, count) }, lane));
          const write = sink(new Uint8Array(out.buffer, out.byteOffset, count * unitBytes), start * unitBytes);
          // Handled here so a failed write is not an unhandled rejection while the next piece is read.
          write.catch(() => undefined);
          writing[n] = write;
        }
      } finally {
        // Never leave a write behind on a failure (the caller removes its file afterwards).
        await Promise.allSettled(writing);
      }
      await Promise.all(writing);
      const note = plan.maskedWarning(masked);
      if (note.length > 0) shell.meta.warnings = [...(shell.meta.warnings ?? []), ...note];
    },
  };
}
