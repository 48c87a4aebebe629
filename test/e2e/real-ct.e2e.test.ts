/**
 * The bundled phantom-trained CT models on real CT (TotalSegmentator's test scans, committed in
 * test/fixtures/real/ct with SOURCES.md): the 3D nodule detector and the registration pipeline
 * run on the NIfTI and on the DICOM series (JPEG 2000 lossless) without errors, their results lie
 * on the input grid, and the figures that scripts/eval/ct-totalsegmentator.mjs put into the
 * manifest for the DICOM series (false positives per scan - no nodule is annotated, so every
 * detection is one - and the displacement found when a scan is registered to itself) are
 * reproduced here from the committed files.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getModelEntry, indexToWorld, sameGrid, type Volume } from '../../src/index.js';
import { createPipeline, loadNodeVolume, readManifestFile } from '../../src/node.js';

const DIR = fileURLToPath(new URL('../fixtures/real/ct/', import.meta.url));
const NIFTI = DIR + 'example_ct_sm.nii.gz';
const SEG = DIR + 'example_seg.nii.gz';
const DICOM = DIR + 'example_ct_dicom';
const DET = 'medinfer-nodule-det3d-phantom';
const REG = 'medinfer-lung-voxelmorph-phantom';

interface EvalFile {
  evaluations: Record<string, { details: Record<string, unknown> }>;
}
function evalDetails(model: string, evaluation: string): Record<string, unknown> {
  const file = fileURLToPath(new URL(`../../scripts/eval/results/${model}.json`, import.meta.url));
  return (JSON.parse(readFileSync(file, 'utf8')) as EvalFile).evaluations[evaluation]!.details;
}

function meanBodyDisplacement(field: Volume, image: Volume): number {
  let sum = 0;
  let n = 0;
  for (let p = 0; p < image.data.length; p++) {
    if (image.data[p]! <= -500) continue;
    sum += Math.hypot(field.data[3 * p]!, field.data[3 * p + 1]!, field.data[3 * p + 2]!);
    n++;
  }
  return sum / n;
}

describe('bundled CT models on real TotalSegmentator CT', () => {
  it('the nodule detector runs on the NIfTI and the DICOM series; boxes lie on the input grid', async () => {
    const manifest = await readManifestFile();
    const nms = getModelEntry(manifest, DET).postprocess.find((s) => s.op === 'nms')!;
    const pipe = await createPipeline('detection', DET, { manifest, provider: 'cpu' });
    const perScan = evalDetails(DET, 'totalsegmentator-ct-false-positives')['perScan'] as {
      scan: string;
      maxScore: number;
      atOrAbove: Record<string, number>;
    }[];
    for (const path of [NIFTI, DICOM]) {
      const volume = await loadNodeVolume(path);
      const r = await pipe.run(volume);
      expect(r.detections.length).toBeLessThanOrEqual(nms['maxDetections'] as number);
      const g = volume.geometry;
      for (const d of r.detections) {
        expect(d.score).toBeGreaterThanOrEqual(nms['scoreThreshold'] as number);
        const c = d.box.index.min.map((lo, a) => (lo + d.box.index.max[a]!) / 2);
        c.forEach((x, a) => {
          // Edge convention: voxel v spans [v, v + 1], so a centre inside the scan is in [0, n].
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThanOrEqual(g.size[a]!);
        });
        // Edge-convention index box -> voxel-centre index of its centre -> LPS world.
        const world = indexToWorld(
          g,
          c.map((x) => x - 0.5),
        );
        world.forEach((w, a) => expect(Math.abs(w - d.box.world.center[a]!)).toBeLessThanOrEqual(1e-3));
      }
      if (path === DICOM) {
        const recorded = perScan.find((s) => s.scan === 'example_ct_dicom')!;
        const scores = r.detections.map((d) => d.score);
        expect(Math.abs(Math.max(...scores) - recorded.maxScore)).toBeLessThanOrEqual(0.01);
        for (const [cut, count] of Object.entries(recorded.atOrAbove)) {
          expect(Math.abs(scores.filter((s) => s >= Number(cut)).length - count)).toBeLessThanOrEqual(1);
        }
      }
    }
    await pipe.dispose();
  }, 180_000);

  it('registration runs on the NIfTI (with organ labels) and the DICOM series; results on the fixed grid', async () => {
    const manifest = await readManifestFile();
    const pipe = await createPipeline('registration', REG, { manifest, provider: 'cpu' });
    const self = evalDetails(REG, 'totalsegmentator-ct')['self'] as { scan: string; meanDisplacementMm: number }[];
    const ct = await loadNodeVolume(NIFTI);
    const labelled = await pipe.run({ fixed: ct, moving: ct, movingLabels: SEG });
    for (const v of [labelled.displacement, labelled.warped, labelled.warpedLabels!, labelled.jacobian]) expect(sameGrid(v.geometry, ct.geometry)).toBe(true);
    expect(labelled.displacement.components).toBe(3);
    expect(labelled.displacement.data.every(Number.isFinite)).toBe(true);
    expect(labelled.warnings).toEqual([]);
    const seg = await loadNodeVolume(SEG);
    const labelsIn = new Set(seg.data);
    for (const l of new Set(labelled.warpedLabels!.data)) expect(labelsIn.has(l)).toBe(true);

    const dicom = await loadNodeVolume(DICOM);
    const r = await pipe.run({ fixed: DICOM, moving: DICOM });
    await pipe.dispose();
    expect(sameGrid(r.displacement.geometry, dicom.geometry)).toBe(true);
    expect(sameGrid(r.warped.geometry, dicom.geometry)).toBe(true);
    expect(r.displacement.data.every(Number.isFinite)).toBe(true);
    // The phantom-trained model moves a scan registered to itself (the right answer is 0 mm):
    // the figure in the manifest is reproduced here.
    const recorded = self.find((s) => s.scan === 'example_ct_dicom')!.meanDisplacementMm;
    expect(Math.abs(meanBodyDisplacement(r.displacement, dicom) - recorded)).toBeLessThanOrEqual(0.05);
  }, 180_000);
});
