/**
 * The pieces of `medinfer dicomweb run` that decide things without a server: which series feed
 * which input (manifest rules, refusing to guess), the credentials policy, and result UIDs that
 * are stable across runs and change with the model's sha256.
 */
import { describe, expect, it } from 'vitest';
import { getModelEntry, type ModelEntry, type SeriesResult } from '../../src/index.js';
import { readManifestFile } from '../../src/node.js';
import { selectInputSeries } from '../../src/cli/dicomweb/select-series.js';
import { resolveDicomWebAuth } from '../../src/cli/dicomweb/credentials.js';
import { planResultUids } from '../../src/cli/dicomweb/derived-objects.js';

const series = (n: number, modality: string, description: string, instances = 100): SeriesResult => ({
  studyInstanceUid: '1.2',
  seriesInstanceUid: `1.2.${n}`,
  modality,
  seriesNumber: n,
  seriesDescription: description,
  numberOfInstances: instances,
  attributes: {},
});

describe('dicomweb series selection', async () => {
  const manifest = await readManifestFile();
  const brats = getModelEntry(manifest, 'medinfer-brats-unet3d-phantom');
  const det = getModelEntry(manifest, 'medinfer-nodule-det3d-phantom');
  const study = [
    series(1, 'MR', 'Ax T1 MPRAGE'),
    series(2, 'MR', 'AX T1CE post'),
    series(3, 'MR', 't2_tse'),
    series(4, 'MR', 'T2 FLAIR'),
    series(5, 'CT', 'chest'),
    series(6, 'SEG', 'medinfer'),
    series(7, 'SR', 'report'),
  ];

  it('maps the four MR series to t1 / t1ce / t2 / flair by the manifest rules', () => {
    expect(selectInputSeries(brats, study).map((s) => [s.input, s.series.seriesNumber])).toEqual([
      ['t1', 1],
      ['t1ce', 2],
      ['t2', 3],
      ['flair', 4],
    ]);
  });

  it('refuses to guess: a missing or doubled sequence is an InputError; --series does not apply', () => {
    expect(() =>
      selectInputSeries(
        brats,
        study.filter((s) => s.seriesNumber !== 4),
      ),
    ).toThrow(expect.objectContaining({ code: 'E_INPUT', details: expect.objectContaining({ cause: 'no-matching-series', input: "input 'flair'" }) }));
    expect(() => selectInputSeries(brats, [...study, series(8, 'MR', 'T2 FLAIR repeat')])).toThrow(
      expect.objectContaining({ code: 'E_INPUT', details: expect.objectContaining({ cause: 'ambiguous-series' }) }),
    );
    expect(() => selectInputSeries(brats, study, '1.2.1')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    const noRules: ModelEntry = { ...brats, dicomweb: { series: [{ input: 't1' }] } };
    expect(() => selectInputSeries(noRules, study)).toThrow(expect.objectContaining({ code: 'E_MANIFEST' }));
  });

  it('single-input models: the only series of an accepted modality, or the one named; SEG / SR never', () => {
    expect(selectInputSeries(det, study)[0]!.series.seriesNumber).toBe(5);
    expect(() => selectInputSeries(det, [...study, series(9, 'CT', 'scout', 2)])).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ cause: 'ambiguous-series' }) }),
    );
    expect(selectInputSeries(det, [...study, series(9, 'CT', 'scout', 2)], '1.2.9')[0]!.series.seriesNumber).toBe(9);
    expect(() => selectInputSeries(det, study, '1.2.1')).toThrow(
      expect.objectContaining({ code: 'E_INPUT', details: expect.objectContaining({ cause: 'modality' }) }),
    );
    expect(() => selectInputSeries(det, study, '1.2.99')).toThrow(expect.objectContaining({ details: expect.objectContaining({ cause: 'series-not-found' }) }));
    const anyModality: ModelEntry = { ...det, modality: undefined as never };
    expect(() => selectInputSeries(anyModality, study)).toThrow(expect.objectContaining({ details: expect.objectContaining({ matches: 5 }) }));
    // Messages name series by number, modality and UID: never by their free-text description.
    try {
      selectInputSeries(brats, [...study, series(8, 'MR', 'T2 FLAIR Zebedee')]);
    } catch (error) {
      expect((error as Error).message).not.toContain('Zebedee');
    }
  });
});

describe('dicomweb credentials and result UIDs', () => {
  it('flags win over the environment; token xor user; a password needs a user', () => {
    const env = { DICOMWEB_USER: 'eu', DICOMWEB_PASSWORD: 'ep', DICOMWEB_TOKEN: undefined };
    expect(resolveDicomWebAuth({}, env)).toEqual({ kind: 'basic', user: 'eu', password: 'ep' });
    expect(resolveDicomWebAuth({ token: 't' }, env)).toEqual({ kind: 'bearer', token: 't' });
    expect(resolveDicomWebAuth({}, { DICOMWEB_TOKEN: 'et' })).toEqual({ kind: 'bearer', token: 'et' });
    expect(resolveDicomWebAuth({}, {})).toBeUndefined();
    expect(() => resolveDicomWebAuth({ user: 'u', token: 't' }, {})).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => resolveDicomWebAuth({ password: 'secret-pw' }, {})).toThrow(expect.not.objectContaining({ message: expect.stringContaining('secret-pw') }));
  });

  it('result UIDs: stable for the same inputs and model, different for another sha256 or series, valid UIDs under the root', async () => {
    const manifest = await readManifestFile();
    const entry = getModelEntry(manifest, 'medinfer-nodule-det3d-phantom');
    const a = planResultUids('1.2.3', ['1.2.3.4'], entry);
    expect(planResultUids('1.2.3', ['1.2.3.4'], entry)).toEqual(a);
    const other: ModelEntry = { ...entry, files: entry.files.map((f) => (f.role === 'model' ? { ...f, sha256: '0'.repeat(64) } : f)) };
    expect(planResultUids('1.2.3', ['1.2.3.4'], other).sr.sop).not.toBe(a.sr.sop);
    expect(planResultUids('1.2.3', ['1.2.3.5'], entry).sr.sop).not.toBe(a.sr.sop);
    for (const u of [a.seg.series, a.seg.sop, a.sr.series, a.sr.sop]) expect(u).toMatch(/^2\.25\.[1-9]\d*$/);
    expect(new Set([a.seg.series, a.seg.sop, a.sr.series, a.sr.sop]).size).toBe(4);
    const rooted = planResultUids('1.2.3', ['1.2.3.4'], entry, '1.2.826.0.1.3680043.10.999');
    expect(rooted.sr.sop.startsWith('1.2.826.0.1.3680043.10.999.')).toBe(true);
    expect(rooted.sr.sop.length).toBeLessThanOrEqual(64);
  });
});

describe('dicomweb --models-dir', () => {
  it("names the model store; with --manifest it is also where that manifest's relative paths resolve", async () => {
    const { loadManifestWithModelsDir } = await import('../../src/cli/dicomweb/load-manifest.js');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { bundledManifestPath } = await import('../../src/node.js');
    const store = mkdtempSync(join(tmpdir(), 'medinfer-store-'));
    // The bundled models ship inside the package: a store folder does not move them.
    expect((await loadManifestWithModelsDir(undefined, store, '/srv')).base).toBe((await readManifestFile()).base);
    // An explicit manifest kept apart from its models: its relative paths resolve in the folder.
    expect((await loadManifestWithModelsDir(bundledManifestPath(), store, '/srv')).base).toBe(store);
    // A named folder that does not exist is a setup error, not an empty store.
    await expect(loadManifestWithModelsDir(undefined, 'elsewhere/models', '/srv')).rejects.toMatchObject({
      code: 'E_MODEL_FILE',
      details: { file: '/srv/elsewhere/models' },
    });
    expect((await loadManifestWithModelsDir(undefined, undefined, '/srv')).base).toBe((await readManifestFile()).base);
  });
});
