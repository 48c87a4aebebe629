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
import { writeNifti } from '../../src/io/nifti/write-nifti.js';
import { createPipeline } from '../../src/node.js';
import { bratsLikeInputs, windowedBratsEntry } from '../fixtures/segmentation/brats-like.js';

let dir: string;
let item: BatchItem;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medinfer-seg-stream-cli-'));
  const images: Record<string, { path: string; dicomFolder: boolean }> = {};
  for (const [name, volume] of Object.entries(bratsLikeInputs())) {
    const path = join(dir, `case01_${name}.nii`);
    // sform code 2 ('aligned'): the label map must keep it on both paths.
    await writeFile(path, writeNifti(volume, { sformCode: 2 }));
    images[name] = { path, dicomFolder: false };
  }
  item = { id: 'case01', label: 'case01', source: { kind: 'named', images } };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function withoutProvenance(json: string): unknown {
  const { provenance: _, ...rest } = JSON.parse(json) as Record<string, unknown>;
  return rest;
}

describe('medinfer run: segmentation label map streamed to its file', () => {
  it('writes the same files as the in-memory path', async () => {
    const pipe = await createPipeline('segmentation', await windowedBratsEntry(), { provider: 'cpu', threads: 1 });
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
