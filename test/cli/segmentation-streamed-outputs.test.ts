/**
 * `medinfer run`'s segmentation outputs when the label map is streamed to its file (runToSink,
 * writeItemOutputs gives the output folder) against the in-memory path (`eval`'s inferItem, no
 * folder) on the same NIfTI inputs: `<id>.seg.nii.gz` and the overlay PNG byte for byte, the json
 * equal but for the provenance's timings. The bundled 4-channel U-Net in sliding windows, so the
 * streamed path is the one taken (checked).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeItemOutputs } from '../../src/cli/batch/run-batch.js';
import type { BatchItem } from '../../src/cli/batch/types.js';
import { buildOutputs, inferItem } from '../../src/cli/tasks/index.js';
import { createVolume } from '../../src/core/volume.js';
import { writeNifti } from '../../src/io/nifti/write-nifti.js';
import type { ModelEntry } from '../../src/manifest/types.js';
import { createPipeline, readManifestFile } from '../../src/node.js';

const SIZE: [number, number, number] = [64, 64, 44];
let dir: string;
let item: BatchItem;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medinfer-seg-stream-cli-'));
  const images: Record<string, { path: string; dicomFolder: boolean }> = {};
  for (const [seed, name] of ['t1', 't1ce', 't2', 'flair'].entries()) {
    const [n0, n1, n2] = SIZE;
    const data = new Int16Array(n0 * n1 * n2);
    for (let k = 0; k < n2; k++)
      for (let j = 0; j < n1; j++)
        for (let i = 0; i < n0; i++) {
          if (((i - 32) / 28) ** 2 + ((j - 30) / 26) ** 2 + ((k - 22) / 20) ** 2 > 1) continue;
          const blob = ((i - 40) / 9) ** 2 + ((j - 26) / 8) ** 2 + ((k - 16) / 7) ** 2 < 1;
          data[i + n0 * (j + n1 * k)] = 300 + seed * 40 + (blob ? 500 + seed * 90 : 0) + ((i * 7919 + j * 104729 + k * 1299709 + seed * 15485863) % 97) - 48;
        }
    const path = join(dir, `case01_${name}.nii`);
    // sform code 2 ('aligned'): the label map must keep it on both paths.
    await writeFile(path, writeNifti(createVolume({ geometry: { size: SIZE, spacing: [1.5, 1.5, 1.5], origin: [-40, 20, 5] }, data }), { sformCode: 2 }));
    images[name] = { path, dicomFolder: false };
  }
  item = { id: 'case01', label: 'case01', source: { kind: 'named', images } };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function windowedEntry(): Promise<ModelEntry> {
  const base = structuredClone((await readManifestFile()).models['medinfer-brats-unet3d-phantom']!);
  return { ...base, id: 'brats-windowed', inference: { mode: 'slidingWindow', roi: [32, 32, 32], overlap: 0.5, blend: 'gaussian', placement: 'nnunet' } };
}

function withoutProvenance(json: string): unknown {
  const { provenance: _, ...rest } = JSON.parse(json) as Record<string, unknown>;
  return rest;
}

describe('medinfer run: segmentation label map streamed to its file', () => {
  it('writes the same files as the in-memory path', async () => {
    const pipe = await createPipeline('segmentation', await windowedEntry(), { provider: 'cpu', threads: 1 });
    const out = await mkdtemp(join(dir, 'out-'));
    try {
      const inMemory = await buildOutputs(item, await inferItem(pipe, item, {}));
      const probe = await inferItem(pipe, item, { outputDir: await mkdtemp(join(dir, 'probe-')) });
      expect(probe.task === 'segmentation' && 'streamed' in probe.result && probe.result.streamed).toBe(true);
      const line = await writeItemOutputs(pipe, item, out, {});
      expect(line.outputs).toEqual(['case01.seg.nii.gz', 'case01.overlay.png', 'case01.json']);
      const expected = new Map(inMemory.files.map((f) => [f.name, 'bytes' in f ? f.bytes : undefined]));
      const seg = await readFile(join(out, 'case01.seg.nii.gz'));
      expect(seg.equals(Buffer.from(expected.get('case01.seg.nii.gz') as Uint8Array))).toBe(true);
      expect((await readFile(join(out, 'case01.overlay.png'))).equals(Buffer.from(expected.get('case01.overlay.png') as Uint8Array))).toBe(true);
      const json = await readFile(join(out, 'case01.json'), 'utf8');
      expect(withoutProvenance(json)).toEqual(withoutProvenance(expected.get('case01.json') as string));
      expect(line.summary).toEqual(inMemory.summary);
      // Not a trivial map: labelled volumes in the summary.
      expect(Object.keys(line.summary).length).toBeGreaterThan(1);
    } finally {
      await pipe.dispose();
    }
  }, 60_000);
});
