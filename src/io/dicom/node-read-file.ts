/**
 * Node-only: one DICOM file by path. Native samples are read from the file straight into the
 * volume through the folder reader's head-only path (node-files.ts readHead), so no whole-file
 * buffer sits next to the volume: a large multi-frame file peaks at its volume, not twice that,
 * and nothing is copied. Whatever that path does not take (compressed or deflated data, a small
 * file, elements after the pixels, a tiled mosaic) and any failure on it go through the
 * whole-file reader (readDicom), which gives the same volume or the file's own typed error.
 */
import type { SampleAllocator } from '../../core/sample-scratch.js';
import type { Volume } from '../../core/volume.js';
import { HandlePool, readHead } from './node-files.js';
import { allocateUnfilled, readWholeFile, withHeadBytes, type OpenFile } from './node-file-access.js';
import { resolveReadOptions, type DicomReadOptions } from './options.js';
import { readDicom } from './read-dicom.js';
import { assembleSeries } from './series-assemble.js';
import { isTiledVolumeFile } from './tiled-volume.js';

/** The file already opened by the caller, and its first bytes as read. */
export interface OpenedDicomFile {
  readonly file: OpenFile;
  readonly head: Uint8Array;
}

/** A HandlePool whose first open of `path` is the caller's open file (its first bytes served from memory). */
class FirstOpenPool extends HandlePool {
  private first: OpenedDicomFile | undefined;
  constructor(
    blocking: boolean,
    private readonly path: string,
    first: OpenedDicomFile,
  ) {
    super(blocking);
    this.first = first;
  }
  override openFile(path: string): Promise<OpenFile> {
    const first = this.first;
    this.first = undefined;
    return first !== undefined && path === this.path ? Promise.resolve(withHeadBytes(first.file, first.head)) : super.openFile(path);
  }
  /** The caller's file when readHead never took it. */
  async closeFirst(): Promise<void> {
    const first = this.first;
    this.first = undefined;
    await first?.file.close();
  }
}

/**
 * `blocking`: open, stat, header read and close with blocking calls (node-file-access.ts; the
 * samples, >= 128 KiB, still go through the thread pool): fewer thread-pool round trips, which
 * cost most on a busy machine (BENCHMARKS.md, issue 26), but the event loop waits on the file
 * system. One-shot processes only (readImageFile's `blockingReads`). `opened`: the file as
 * readImageFile opened it to tell its format (this read owns it from here, and closes it).
 * `allocateForFill`: the volume buffer when the samples are read straight into it (default
 * uninitialised fresh memory; a pipeline passes its reused buffer, core/sample-scratch.ts).
 */
export async function readDicomFile(
  path: string,
  options: DicomReadOptions & { readonly name: string },
  blocking = false,
  opened?: OpenedDicomFile,
  allocateForFill: SampleAllocator = allocateUnfilled,
): Promise<Volume> {
  const handles = opened === undefined ? new HandlePool(blocking) : new FirstOpenPool(blocking, path, opened);
  try {
    const opts = { ...resolveReadOptions(options), allocateForFill };
    const head = await readHead(path, opts.name, opts.maxVoxels, handles);
    if ('header' in head) {
      if (!isTiledVolumeFile(head.header.parsed.dataSet)) {
        try {
          return await assembleSeries([head.header], opts);
        } catch {
          // The whole-file reader below reports the file's own error (a non-image, a SEG ...).
        }
      }
      await handles.closeAll();
      return await readDicom(await readWholeFile(path, blocking), options);
    }
    return await readDicom(head.bytes, options);
  } finally {
    if (handles instanceof FirstOpenPool) await handles.closeFirst();
    await handles.closeAll();
  }
}
