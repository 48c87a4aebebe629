/**
 * A VolumeSink writing a NIfTI file as planes arrive (Node): the header first, then every run of
 * planes at its byte offset (.nii), or through one streaming gzip in plane order (.nii.gz, by the
 * name). The bytes equal writeNifti's for the same volume (same header; zlib's deflate at level 6
 * gives the same stream whatever the pieces it is fed, and the CLI's niftiGz is zlib at level 6
 * too). Atomic like writeFileAtomic: a hidden temporary file beside the output, renamed into
 * place by finish; abort or any failure removes it, so a failed run leaves no partial file.
 * File-system faults are typed IoErrors naming the output path.
 */
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import { ShapeError, UsageError } from '../../core/errors.js';
import { bytesPerElement, type TypedArray, voxelTypeOf } from '../../core/dtype.js';
import { toIoError } from '../../core/io-error.js';
import { tempPathBeside } from '../../core/node-atomic-write.js';
import type { VolumeShell, VolumeSink } from '../volume-sink.js';
import { encodeNiftiHeader } from './write-nifti.js';
import { chooseOutputXformCodes } from './xform-codes.js';

interface Open {
  readonly temp: string;
  readonly headerBytes: number;
  readonly planeBytes: number;
  readonly planes: number;
  readonly type: VolumeShell['type'];
  /** .nii.gz: the deflate stream and its pipe into the file (rejects on any fault). */
  readonly gz?: { readonly stream: Gzip; readonly done: Promise<void> };
  readonly fh?: FileHandle;
  next: number;
}

/**
 * `path` ends in .nii or .nii.gz. The header keeps the shell's NIfTI xform codes (a label map of
 * a NIfTI input keeps its sform / qform codes, chooseOutputXformCodes).
 */
export function createNiftiFileSink(path: string): VolumeSink {
  if (!/\.nii(\.gz)?$/i.test(path)) throw new UsageError(`a NIfTI output must end in .nii or .nii.gz, got '${path}'`, { field: 'path' });
  const gzip = /\.gz$/i.test(path);
  let state: Open | undefined;
  let closed = false;
  let temp: string | undefined;

  async function begin(shell: VolumeShell): Promise<void> {
    if (state !== undefined || closed || temp !== undefined) throw new UsageError(`${path}: the sink was begun twice or after it closed`, { field: 'begin' });
    if (shell.frames !== 1 || shell.components !== 1) throw new ShapeError(`${path}: a plane sink writes one frame of scalars`, { file: path });
    const header = encodeNiftiHeader(shell, chooseOutputXformCodes(shell));
    const [n0, n1, n2] = shell.geometry.size;
    const planeBytes = n0 * n1 * bytesPerElement(shell.type);
    temp = tempPathBeside(path);
    const base = { temp, headerBytes: header.length, planeBytes, planes: n2, type: shell.type, next: 0 };
    try {
      // Opened here, not lazily by the stream: a missing or read-only folder fails begin (the first slab), not finish.
      const fh = await open(temp, 'wx');
      if (gzip) {
        // mtime 0 in the gzip header (zlib's default): the same labels give the same file.
        const stream = createGzip({ level: 6 });
        const done = pipeline(stream, fh.createWriteStream());
        // Observed by write / finish / abort; this handler only keeps an early fault from being unhandled.
        done.catch(() => undefined);
        state = { ...base, gz: { stream, done } };
        await put(state.gz!, header);
      } else {
        state = { ...base, fh };
        await writeAt(fh, header, 0);
      }
    } catch (error) {
      throw toIoError(error, path, 'write');
    }
  }

  async function write(planes: TypedArray, k0: number): Promise<void> {
    const s = state;
    if (s === undefined || closed) throw new UsageError(`${path}: planes written before begin or after the sink closed`, { field: 'write' });
    const bytes = new Uint8Array(planes.buffer, planes.byteOffset, planes.byteLength);
    const count = bytes.length / s.planeBytes;
    if (k0 !== s.next || !Number.isInteger(count) || s.next + count > s.planes || voxelTypeOf(planes) !== s.type) {
      throw new ShapeError(
        `${path}: planes must arrive in order, whole and of the header's type: got ${count} at ${k0}, expected plane ${s.next} of ${s.planes}`,
        {
          file: path,
          expected: s.next,
          actual: k0,
        },
      );
    }
    try {
      if (s.gz) await put(s.gz, bytes);
      else await writeAt(s.fh!, bytes, s.headerBytes + k0 * s.planeBytes);
    } catch (error) {
      throw toIoError(error, path, 'write');
    }
    s.next += count;
  }

  async function finish(): Promise<void> {
    const s = state;
    if (s === undefined || closed) throw new UsageError(`${path}: finish before begin or after the sink closed`, { field: 'finish' });
    if (s.next !== s.planes) throw new ShapeError(`${path}: ${s.next} of ${s.planes} planes were written`, { file: path, expected: s.planes, actual: s.next });
    let op: 'write' | 'rename' = 'write';
    try {
      if (s.gz) {
        s.gz.stream.end();
        await s.gz.done;
      } else await s.fh!.close();
      op = 'rename';
      await rename(s.temp, path);
      closed = true;
    } catch (error) {
      await abort();
      throw toIoError(error, path, op);
    }
  }

  async function abort(): Promise<void> {
    if (closed) return;
    closed = true;
    const s = state;
    if (s?.gz) {
      s.gz.stream.destroy();
      await s.gz.done.catch(() => undefined);
    }
    await s?.fh?.close().catch(() => undefined);
    // A full disk can leave part of the temporary file: remove it so the space comes back.
    if (temp !== undefined) await unlink(temp).catch(() => undefined);
  }

  return { begin, write, finish, abort };
}

/** Resolves when gzip has taken `bytes` in (the caller may then reuse them); rejects on a fault downstream. */
function put(gz: { readonly stream: Gzip; readonly done: Promise<void> }, bytes: Uint8Array): Promise<void> {
  const taken = new Promise<void>((resolve, reject) => void gz.stream.write(bytes, (error) => (error ? reject(error) : resolve())));
  return Promise.race([taken, gz.done.then(() => taken)]);
}

async function writeAt(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let at = 0; at < bytes.length; ) at += (await fh.write(bytes, at, bytes.length - at, position + at)).bytesWritten;
}
