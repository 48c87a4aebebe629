/**
 * createPhantomSet: the one writer of phantom datasets. Its files must hold exactly what the
 * generators produce for caseSeed(seed, i) (the end-to-end tests and the training scripts rely on
 * that), in the documented layouts.
 */
import { decode, encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import type { Volume } from '../../src/core/volume.js';
import { readNiftiSync } from '../../src/io/nifti/index.js';
import { caseSeed, createPhantomSet, generateBrainMri, generateChestRadiograph, generateLungCtPair, generateReportText } from '../../src/phantoms/index.js';

const png16 = (v: Volume) => encode({ width: v.geometry.size[0], height: v.geometry.size[1], data: v.data as Uint16Array, depth: 16, channels: 1 });
const byPath = (files: { path: string; bytes: Uint8Array }[]) => new Map(files.map((f) => [f.path, f.bytes]));
const textOf = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

describe('createPhantomSet', () => {
  it('cxr: 16-bit PNGs equal the generator, labels and boxes tables, dataset.json', async () => {
    const { files, dataset } = await createPhantomSet('cxr', { count: 2, seed: 7, encodePng16: png16 });
    const f = byPath(files);
    expect([...f.keys()]).toEqual(['images/cxr-00000.png', 'images/cxr-00001.png', 'labels.csv', 'boxes.csv', 'dataset.json']);
    const truth = generateChestRadiograph({ seed: caseSeed(7, 1) });
    const png = decode(f.get('images/cxr-00001.png')!);
    expect(png.depth).toBe(16);
    expect(Array.from(png.data as Uint16Array)).toEqual(Array.from(truth.image.data as Uint16Array));
    const rows = textOf(f.get('labels.csv')).trim().split('\n');
    expect(rows[0]).toBe('file,Nodule,Effusion,Cardiomegaly,Consolidation,Pneumothorax,cardiothoracic_ratio');
    expect(rows[2]).toBe(
      [
        'images/cxr-00001.png',
        ...['Nodule', 'Effusion', 'Cardiomegaly', 'Consolidation', 'Pneumothorax'].map((k) => truth.truth.labels[k as keyof typeof truth.truth.labels]),
        truth.truth.cardiothoracicRatio.toFixed(4),
      ].join(','),
    );
    expect(dataset).toMatchObject({ generator: 'phantom-cxr', seed: 7, count: 2 });
    expect(JSON.parse(textOf(f.get('dataset.json')))).toEqual(JSON.parse(JSON.stringify(dataset)));
  });

  it('brats: every sequence and the labels read back voxel-identical with their geometry', async () => {
    const { files } = await createPhantomSet('brats', { count: 1, seed: 3 });
    const f = byPath(files);
    const mri = generateBrainMri({ seed: caseSeed(3, 0) });
    const seg = readNiftiSync(f.get('case-00000/seg.nii.gz')!);
    expect(Array.from(seg.data)).toEqual(Array.from(mri.labels.data));
    const t1 = readNiftiSync(f.get('case-00000/t1.nii.gz')!);
    expect(t1.geometry.size).toEqual(mri.images.t1.geometry.size);
    for (let r = 0; r < 3; r++) expect(t1.geometry.origin[r]).toBeCloseTo(mri.images.t1.geometry.origin[r]!, 4);
    expect(textOf(f.get('tumours.csv')).split('\n')[1]!.startsWith('case-00000,')).toBe(true);
  });

  it('reports and lung-pair: texts, DIR-Lab landmarks (1-based) and the exact displacement per component', async () => {
    const reports = byPath((await createPhantomSet('reports', { count: 2, seed: 4 })).files);
    const line = JSON.parse(textOf(reports.get('reports.jsonl')).split('\n')[1]!);
    expect(line).toEqual({ id: 1, ...(({ text, labels }) => ({ text, labels }))(generateReportText({ seed: caseSeed(4, 1) })) });

    const pairFiles = byPath((await createPhantomSet('lung-pair', { count: 1, seed: 9 })).files);
    const pair = generateLungCtPair({ seed: caseSeed(9, 0) });
    const first = textOf(pairFiles.get('case1/case1_300_T50_xyz.txt')).split('\n')[0]!.split('\t').map(Number);
    expect(first).toEqual(pair.landmarksExhale[0]!.map((v) => Number((v + 1).toFixed(2))));
    const uy = readNiftiSync(pairFiles.get('case1/displacement_mm_y.nii.gz')!);
    const p = 1234;
    expect(uy.data[p]).toBe(pair.displacementMm.data[3 * p + 1]);
  });

  it('refuses a bad count, seed or task, and a cxr set without a PNG encoder', async () => {
    await expect(createPhantomSet('cxr', { count: 1, seed: 0 })).rejects.toThrow(/encodePng16/);
    await expect(createPhantomSet('brats', { count: 0, seed: 0 })).rejects.toThrow(/count/);
    await expect(createPhantomSet('brats', { count: 1, seed: -1 })).rejects.toThrow(/seed/);
    await expect(createPhantomSet('mri' as never, { count: 1, seed: 0 })).rejects.toThrow(/task must be one of/);
  });
});
