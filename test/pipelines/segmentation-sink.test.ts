/**
 * runToSink (segmentation-sink.ts) against run() of the same pipeline: the bundled 4-channel 3D
 * U-Net in 32^3 sliding windows on 64x64x44 int16 inputs (k padded to 48 by cropPad, so planes
 * come back through a crop). The file written plane by plane must equal writeNifti of run()'s
 * labels byte for byte (.nii, and .nii.gz both decompressed and as the CLI's niftiGz writes it),
 * volumes and the largest slice must be those of the whole map. In-plane flips (orient RAS) still
 * stream; k in the tensor's last axis (axisOrder 'ijk') and a component filter fall back to the
 * whole map and give the same file. A failure mid-run leaves nothing in the folder.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { niftiGz } from '../../src/cli/batch/task-outputs/output-files.js';
import { createNiftiFileSink } from '../../src/io/nifti/node-nifti-file-sink.js';
import type { VolumeSink } from '../../src/io/volume-sink.js';
import { writeNifti } from '../../src/io/nifti/write-nifti.js';
import { chooseOutputXformCodes } from '../../src/io/nifti/xform-codes.js';
import type { ModelEntry, StepSpec } from '../../src/manifest/types.js';
import { createPipeline } from '../../src/node.js';
import { findLargestSlice } from '../../src/postprocess/segmentation/label-tally.js';
import { bratsLikeInputs, windowedBratsEntry } from '../fixtures/segmentation/brats-like.js';

const inputs = bratsLikeInputs();
let dir: string;

async function entryWith(change: (preprocess: StepSpec[], postprocess: StepSpec[]) => void = () => undefined): Promise<ModelEntry> {
  const base = await windowedBratsEntry();
  const preprocess = [...base.preprocess];
  const postprocess = [...base.postprocess];
  change(preprocess, postprocess);
  return { ...base, preprocess, postprocess };
}

/** run() and runToSink into .nii and .nii.gz; the files and the whole map's NIfTI. */
async function bothWays(entry: ModelEntry, name: string) {
  const pipe = await createPipeline('segmentation', entry, { provider: 'cpu', threads: 1 });
  try {
    const whole = await pipe.run(inputs);
    const nii = join(dir, `${name}.nii`);
    const gz = join(dir, `${name}.nii.gz`);
    const toNii = await pipe.runToSink(inputs, createNiftiFileSink(nii));
    const toGz = await pipe.runToSink(inputs, createNiftiFileSink(gz));
    return { whole, toNii, toGz, niiBytes: await readFile(nii), gzBytes: await readFile(gz) };
  } finally {
    await pipe.dispose();
  }
}

async function expectSameFiles(r: Awaited<ReturnType<typeof bothWays>>): Promise<void> {
  const expected = Buffer.from(writeNifti(r.whole.labels, chooseOutputXformCodes(r.whole.labels)));
  expect(r.niiBytes.equals(expected)).toBe(true);
  expect(gunzipSync(r.gzBytes).equals(expected)).toBe(true);
  // What `medinfer run` wrote for the whole map, byte for byte (gzip stream included).
  expect(r.gzBytes.equals(Buffer.from(await niftiGz(r.whole.labels)))).toBe(true);
  for (const s of [r.toNii, r.toGz]) {
    expect(s.volumesMl).toEqual(r.whole.volumesMl);
    expect(s.written.geometry).toEqual(r.whole.labels.geometry);
    expect(s.written.type).toBe(r.whole.labels.type);
    expect(s.largestSlice).toEqual(findLargestSlice(r.whole.labels.data as Uint8Array, r.whole.labels.geometry.size));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medinfer-sink-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('segmentation labels written into a sink as the windows finish them', () => {
  it('stream through the crop of a padded k axis and give the whole map file byte for byte', async () => {
    const r = await bothWays(await entryWith(), 'padded');
    expect(r.toNii.streamed).toBe(true);
    expect(r.toGz.streamed).toBe(true);
    // Not a trivial map: several labels, and a largest slice that is not the middle one by default.
    expect(Object.keys(r.whole.volumesMl).length).toBeGreaterThan(1);
    expect(r.toGz.largestSlice.area).toBeGreaterThan(0);
    await expectSameFiles(r);
  }, 60_000);

  it('stream through in-plane flips (orient RAS: i and j reversed, k kept)', async () => {
    const entry = await entryWith((pre) => pre.splice(1, 0, { op: 'orient', axcodes: 'RAS' }));
    const r = await bothWays(entry, 'flipped');
    expect(r.toGz.streamed).toBe(true);
    await expectSameFiles(r);
  }, 60_000);

  it('stream through a crop of k (background planes before and after) and in-plane crop / pad', async () => {
    const entry = await entryWith((pre) => pre.splice(2, 0, { op: 'cropPad', mode: 'center', size: [60, 72, 32] }));
    const r = await bothWays(entry, 'cropped');
    expect(r.toGz.streamed).toBe(true);
    await expectSameFiles(r);
  }, 60_000);

  it('fall back to the whole map when slabs are not contiguous in the file (k last in the tensor), same file', async () => {
    const entry = await entryWith((pre) => {
      const at = pre.findIndex((s) => s.op === 'toTensor');
      pre[at] = { ...pre[at]!, axisOrder: 'ijk' };
    });
    const r = await bothWays(entry, 'ijk');
    expect(r.toGz.streamed).toBe(false);
    await expectSameFiles(r);
  }, 60_000);

  it('fall back to the whole map for a component filter, and stream a per-voxel filter; same files', async () => {
    const largest = await entryWith((_, post) => post.push({ op: 'keepLargestComponent', connectivity: 26 }));
    const r = await bothWays(largest, 'component');
    expect(r.toGz.streamed).toBe(false);
    await expectSameFiles(r);
    const remapped = await entryWith((_, post) => post.push({ op: 'remapLabels', map: { '4': 3, '0': 0 } }));
    const m = await bothWays(remapped, 'remapped');
    expect(m.toGz.streamed).toBe(true);
    expect(Object.keys(m.whole.volumesMl)).not.toContain('enhancing tumour');
    await expectSameFiles(m);
  }, 90_000);

  it('leave no file (and no temporary file) when the run fails after planes were written', async () => {
    const failDir = await mkdtemp(join(tmpdir(), 'medinfer-sink-fail-'));
    const pipe = await createPipeline('segmentation', await entryWith(), { provider: 'cpu', threads: 1 });
    const file = createNiftiFileSink(join(failDir, 'x.nii.gz'));
    let written = 0;
    let aborted = 0;
    const sink: VolumeSink = {
      ...file,
      write: (planes, k0) => {
        written++;
        return file.write(planes, k0);
      },
      abort: () => {
        aborted++;
        return file.abort();
      },
    };
    const onProgress = () => {
      // After a batch of windows: fail once planes have gone to the (temporary) file.
      if (written > 0) throw new Error('stopped mid-run');
    };
    try {
      await expect(pipe.runToSink(inputs, sink, { onProgress })).rejects.toThrow('stopped mid-run');
      expect(written).toBeGreaterThan(0);
      expect(aborted).toBe(1);
      expect(await readdir(failDir)).toEqual([]);
    } finally {
      await pipe.dispose();
      await rm(failDir, { recursive: true, force: true });
    }
  }, 60_000);
});
