import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexToWorld, readNifti, type Volume } from '../../src/index.js';
import { readImageFile, readRaster } from '../../src/node.js';
import {
  assertBuilt,
  GRID,
  makeWorkDir,
  readJsonl,
  ROOT,
  runCli,
  testVolume,
  writeTestManifest,
  writeTestNifti,
  writeTestPng,
} from '../fixtures/cli/cli-harness.js';

let work: string;
let manifest: string;
beforeAll(() => {
  assertBuilt();
  work = makeWorkDir();
  manifest = writeTestManifest(work);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (...args: string[]) => runCli(['run', '--manifest', manifest, '--provider', 'cpu', ...args]);

function expectSameGrid(a: Volume, b: Volume): void {
  expect(a.geometry.size).toEqual(b.geometry.size);
  for (const c of [
    [0, 0, 0],
    [3, 2, 1],
    [11, 9, 8],
  ])
    indexToWorld(a.geometry, c).forEach((v, i) => expect(v).toBeCloseTo(indexToWorld(b.geometry, c)[i]!, 3));
}

describe('medinfer run: task outputs', () => {
  it('detection 2D: JSON, overlay PNG with the boxes drawn, candidates.csv', async () => {
    const dir = join(work, 'det2d');
    mkdirSync(dir);
    await writeTestPng(join(dir, 'film.png'), 2, 100, 50);
    const out = join(work, 'det2d-out');
    const r = await run('--model', 'yolo', '--input', join(dir, 'film.png'), '--output', out);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'film.json'), 'utf8')) as {
      detections: { label: string; box: { index: { min: number[]; max: number[] } } }[];
    };
    expect(json.detections).toHaveLength(1);
    const box = json.detections[0]!.box.index;
    // The constant model's box mapped back through the letterbox (see the pipeline test).
    expect(box.min[0]).toBeCloseTo(42.1875, 3);
    expect(box.max[1]).toBeCloseTo(31.25, 3);
    const png = await readRaster(join(out, 'film.overlay.png'));
    expect(png.geometry.size).toEqual([100, 50, 1]);
    // The box outline is drawn in the first palette colour on the box's top edge.
    const at = (x: number, y: number) => [...png.data.subarray(3 * (y * 100 + x), 3 * (y * 100 + x) + 3)];
    expect(at(50, Math.floor(box.min[1]!))).toEqual([230, 25, 75]);
    const csv = readFileSync(join(out, 'candidates.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('seriesuid,coordX,coordY,coordZ,probability');
    expect(csv).toHaveLength(2);
    expect(csv[1]).toMatch(/^film,/);
  });

  it('detection 3D: a DICOM folder is one series named by the folder; broken series are isolated', async () => {
    const dir = join(work, 'ct');
    cpSync(join(ROOT, 'test/fixtures/dicom/series-oblique'), join(dir, 'study-a'), { recursive: true });
    mkdirSync(join(dir, 'study-b'));
    copyFileSync(join(ROOT, 'test/fixtures/dicom/MR_truncated.dcm'), join(dir, 'study-b', 'slice1.dcm'));
    mkdirSync(join(dir, 'flat'));
    copyFileSync(join(ROOT, 'test/fixtures/dicom/MR_small.dcm'), join(dir, 'flat', 'one.dcm'));
    const out = join(work, 'ct-out');
    const r = await run('--model', 'det3d', '--input', dir, '--output', out);
    expect(r.code).toBe(1);
    const errors = readJsonl<{ id: string; code: string }>(join(out, 'errors.jsonl'));
    expect(errors.map((e) => [e.id, e.code]).sort()).toEqual([
      ['flat', 'E_INPUT'],
      ['study-b', 'E_DECODE'],
    ]);
    const [line] = readJsonl<{ id: string; outputs: string[]; candidates: { seriesuid: string }[] }>(join(out, 'results.jsonl'));
    expect(line!.id).toBe('study-a');
    expect(line!.outputs[0]).toBe('study-a.json');
    expect(line!.outputs.some((o) => /^study-a\.slice-\d+\.png$/.test(o))).toBe(true);
    const series = await readImageFile(join(dir, 'study-a', 'im00.dcm'));
    const rows = readFileSync(join(out, 'candidates.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows.length).toBe(line!.candidates.length);
    expect(rows.length).toBeGreaterThan(0);
    // LUNA16 rows carry the series UID from the files, never a patient identifier.
    for (const row of rows) expect(row.split(',')[0]).toBe(series.meta.seriesInstanceUid);
  });

  it('segmentation: multi-modal sets by naming pattern, masks on the input grid, missing modality fails alone', async () => {
    const dir = join(work, 'mri');
    mkdirSync(dir);
    for (const c of ['case01', 'case02']) {
      writeTestNifti(join(dir, `${c}_t1.nii.gz`), testVolume(c === 'case01' ? 1 : 3));
      writeTestNifti(join(dir, `${c}_flair.nii.gz`), testVolume(c === 'case01' ? 2 : 4));
    }
    writeTestNifti(join(dir, 'case03_t1.nii.gz'), testVolume(5));
    const out = join(work, 'mri-out');
    const r = await run('--model', 'seg', '--input', dir, '--output', out, '--format', 'csv');
    expect(r.code).toBe(1);
    expect(readJsonl<{ id: string; code: string; message: string }>(join(out, 'errors.jsonl'))).toEqual([
      expect.objectContaining({ id: 'case03', code: 'E_INPUT', message: expect.stringMatching(/missing: flair/) }),
    ]);
    const mask = await readNifti(new Uint8Array(readFileSync(join(out, 'case01.seg.nii.gz'))));
    const t1 = await readNifti(new Uint8Array(readFileSync(join(dir, 'case01_t1.nii.gz'))));
    expectSameGrid(mask, t1);
    const json = JSON.parse(readFileSync(join(out, 'case01.json'), 'utf8')) as { volumesMl: Record<string, number> };
    // Volumes in ml agree with the mask: voxel count x voxel volume (1.5 x 1 x 2 mm).
    let ones = 0;
    for (const v of mask.data) if (v === 1) ones++;
    expect(json.volumesMl['one'] ?? 0).toBeCloseTo((ones * 3) / 1000, 5);
    expect(existsSync(join(out, 'case01.overlay.png'))).toBe(true);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^id,input,.*_ml/);
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['case01', 'case02']);
  });

  it('registration: CSV pairs with DIR-Lab landmarks -> warped + displacement NIfTI, TRE and folding JSON', async () => {
    const dir = join(work, 'pairs');
    mkdirSync(dir);
    writeTestNifti(join(dir, 'fixed.nii.gz'), testVolume(1));
    writeTestNifti(join(dir, 'moving.nii'), testVolume(2));
    // The fixture model displaces by +1 voxel along i and -2 along k: landmarks moved so exactly give TRE 0.
    writeFileSync(join(dir, 'fixed.txt'), '3 4 5\n6 2 7\n');
    writeFileSync(join(dir, 'moving.txt'), '4 4 3\n7 2 5\n');
    writeFileSync(
      join(dir, 'pairs.csv'),
      'id,fixed,moving,fixed_landmarks,moving_landmarks,landmark_format\n' +
        'pair1,fixed.nii.gz,moving.nii,fixed.txt,moving.txt,dirlab\npair2,fixed.nii.gz,absent.nii,,,\n',
    );
    const out = join(work, 'pairs-out');
    const r = await run('--model', 'field', '--input', join(dir, 'pairs.csv'), '--output', out);
    expect(r.code).toBe(1);
    expect(readJsonl<{ id: string; code: string }>(join(out, 'errors.jsonl')).map((e) => [e.id, e.code])).toEqual([['pair2', 'E_INPUT']]);
    const json = JSON.parse(readFileSync(join(out, 'pair1.json'), 'utf8')) as {
      foldingPercent: number;
      tre: { meanMm: number; identityMeanMm: number; count: number };
    };
    expect(json.foldingPercent).toBe(0);
    expect(json.tre.count).toBe(2);
    expect(json.tre.meanMm).toBeLessThan(1e-4);
    expect(json.tre.identityMeanMm).toBeCloseTo(Math.hypot(1.5, 4), 4);
    const field = await readNifti(new Uint8Array(readFileSync(join(out, 'pair1.displacement.nii.gz'))));
    expect(field.components).toBe(3);
    expectSameGrid(field, testVolume(1));
    const warped = await readNifti(new Uint8Array(readFileSync(join(out, 'pair1.warped.nii.gz'))));
    expect(warped.geometry.size).toEqual(GRID.size);
  });

  it('report text: CSV reports and .txt files; hostile ids stay inside the output folder', async () => {
    const dir = join(work, 'reports');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'reports.csv'),
      'id,report\n../../evil,"No pleural effusion, mild edema."\na/b,Cardiomegaly is present.\ndup,no edema\ndup,edema\n',
    );
    writeFileSync(join(dir, 'r1.txt'), 'Possible cardiomegaly.');
    const out = join(work, 'reports-out');
    const r = await run(
      '--model',
      'text',
      '--input',
      join(dir, 'reports.csv'),
      '--input',
      join(dir, 'r1.txt'),
      '--output',
      out,
      '--format',
      'csv',
      '--concurrency',
      '4',
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = readJsonl<{ id: string; outputs: string[] }>(join(out, 'results.jsonl'));
    const ids = lines.map((l) => l.id).sort();
    expect(ids).toHaveLength(5);
    expect(ids).toEqual(expect.arrayContaining(['evil', 'a_b', 'dup', 'r1']));
    expect(ids.filter((i) => i.startsWith('dup-'))).toHaveLength(1);
    expect(existsSync(join(work, 'evil.json'))).toBe(false);
    for (const name of readdirSync(out)) expect(name).not.toMatch(/\.\.|\//);
    const json = JSON.parse(readFileSync(join(out, 'r1.json'), 'utf8')) as { observations: { name: string; status: string }[] };
    expect(json.observations.map((o) => o.name)).toEqual(['Pleural Effusion', 'Cardiomegaly', 'Edema']);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('id,input,tokens,truncated,Pleural Effusion,Cardiomegaly,Edema,outputs');
    expect(csv).toHaveLength(6);
  });
});
