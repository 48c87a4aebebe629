/** Writer test helpers: dciodvfy (dicom3tools) when installed, and SEG frames mapped back onto the source grid. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDicomBytes, readNumbers, readString, sequenceItems, firstItem } from '../../../src/io/dicom/parse-header.js';
import type { DataSet } from '../../../src/io/dicom/dataset.js';
import type { DicomSourceSeries } from '../../../src/io/dicom-write/index.js';

/** An SR's content items, depth first, each with its concept name's code meaning ('' where it has none). */
export function srContentItems(ds: DataSet, out: { meaning: string; item: DataSet }[] = []): { meaning: string; item: DataSet }[] {
  for (const item of sequenceItems(ds, 'x0040a730')) {
    const name = firstItem(item, 'x0040a043');
    out.push({ meaning: name === undefined ? '' : (readString(name, 'x00080104') ?? ''), item });
    srContentItems(item, out);
  }
  return out;
}

export function hasDciodvfy(): boolean {
  return spawnSync('dciodvfy', ['-version'], { encoding: 'utf8' }).error === undefined;
}

/** dciodvfy's report lines (stderr + stdout) for the bytes. */
export function runDciodvfy(bytes: Uint8Array, name: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'medinfer-dciodvfy-'));
  try {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    if (process.env['MEDINFER_KEEP_DICOM'] !== undefined) writeFileSync(join(process.env['MEDINFER_KEEP_DICOM'], name), bytes);
    const r = spawnSync('dciodvfy', [path], { encoding: 'utf8' });
    return `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function dcmdumpAvailable(): boolean {
  try {
    execFileSync('dcmdump', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * SEG -> label map on the source grid, using only the SEG's own per-frame attributes: the frame's
 * ReferencedSegmentNumber -> SegmentNumber -> label (via `labelOfSegment`), and its
 * ImagePositionPatient matched to a source slice. `frameBits` are the decoded frames (one byte per
 * pixel, frame-major), as readDicom returns them.
 */
export function segToLabels(
  segBytes: Uint8Array,
  frameBits: ArrayLike<number>,
  source: DicomSourceSeries,
  labelOfSegment: (segmentNumber: number) => number,
): Uint8Array {
  const ds = parseDicomBytes(segBytes, 'seg.dcm').dataSet;
  const plane = source.rows * source.columns;
  const out = new Uint8Array(plane * source.instances.length);
  const frames = sequenceItems(ds, 'x52009230');
  frames.forEach((item, f) => {
    const segment = firstItem(item, 'x0062000a')!.uint16('x0062000b')!;
    const pos = readNumbers(firstItem(item, 'x00209113')!, 'x00200032')!;
    const k = source.instances.findIndex((s) => Math.hypot(s.position![0] - pos[0]!, s.position![1] - pos[1]!, s.position![2] - pos[2]!) < 1e-4);
    if (k < 0) throw new Error(`frame ${f} is on no source slice`);
    for (let p = 0; p < plane; p++) if (frameBits[f * plane + p]) out[k * plane + p] = labelOfSegment(segment);
  });
  return out;
}
