/**
 * `medinfer dicomweb run` end to end against a real PACS: a private Orthanc (loopback, basic
 * auth) holding one generated study - four BraTS-style MR series, a chest CT, a chest radiograph
 * (DX), each written deterministically from the SDK's phantoms and stored with STOW-RS. For each
 * bundled model (3D segmentation, 3D detection, classification) the real CLI finds its series by
 * QIDO-RS, runs, and stores SEG + SR / SR; the test then checks with QIDO-RS that exactly those
 * objects are in the study, that the SEG read back equals the labels the SDK computes from the same
 * DICOM files, that dciodvfy reports no Error, that a second run stores nothing new (and
 * --overwrite replaces rather than duplicates), that wrong credentials fail with a typed error,
 * and that no output line carries the patient's name / ID or the password.
 */
import { decodeDicomFrames } from '../../src/io/dicom/read-dicom.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDicomWebClient, readDicomSeries, type DicomWebClient } from '../../src/index.js';
import { generateBrainMri, generateChestCt, generateChestRadiograph } from '../../src/phantoms.js';
import { createPipeline, readManifestFile } from '../../src/node.js';
import { describeDicomSource } from '../../src/io/dicom-write/index.js';
import { firstItem, parseDicomBytes, readNumbers, readString, sequenceItems } from '../../src/io/dicom/parse-header.js';
import type { DataSet } from '../../src/io/dicom/dataset.js';
import { assertBuilt, runCli } from '../fixtures/cli/cli-harness.js';
import { orthancAvailable, ORTHANC_PASSWORD, ORTHANC_SKIP_REASON, ORTHANC_USER, startOrthanc, type OrthancInstance } from '../helpers/orthanc.js';
import { FAKE_PATIENT, writeVolumeAsDicomSeries } from '../helpers/dicom-series-writer.js';
import { hasDciodvfy, runDciodvfy, segToLabels } from '../io/dicom-write/helpers.js';

const STUDY = '1.2.826.0.1.3680043.10.1234.700.1';
const uid = (n: number) => `${STUDY}.${n}`;
// CI installs orthanc (.ci/run): there a missing package fails the tests instead of skipping them.
const available = orthancAvailable();
if (!available) console.warn(ORTHANC_SKIP_REASON);

const mri = generateBrainMri({ seed: 4242 });
const MR_SERIES = (['t1', 't1ce', 't2', 'flair'] as const).map((name, i) => ({
  name,
  uid: uid(10 + i),
  description: { t1: 'AX T1 3D', t1ce: 'AX T1CE post Gd', t2: 'AX T2', flair: 'AX FLAIR' }[name],
}));
const ct = generateChestCt({ seed: 77, nodules: [2, 2], diameterMm: [14, 20] });
const cxr = generateChestRadiograph({ seed: 5 });

function studyFiles(): Map<string, Uint8Array[]> {
  const files = new Map<string, Uint8Array[]>();
  MR_SERIES.forEach((s, i) =>
    files.set(
      s.uid,
      writeVolumeAsDicomSeries(mri.images[s.name], {
        modality: 'MR',
        studyUid: STUDY,
        seriesUid: s.uid,
        frameOfReferenceUid: uid(90),
        seriesNumber: i + 1,
        seriesDescription: s.description,
      }),
    ),
  );
  files.set(
    uid(20),
    writeVolumeAsDicomSeries(ct.image, {
      modality: 'CT',
      studyUid: STUDY,
      seriesUid: uid(20),
      frameOfReferenceUid: uid(91),
      seriesNumber: 5,
      seriesDescription: 'CHEST CT',
    }),
  );
  files.set(
    uid(30),
    writeVolumeAsDicomSeries(cxr.image, {
      modality: 'DX',
      studyUid: STUDY,
      seriesUid: uid(30),
      frameOfReferenceUid: uid(92),
      seriesNumber: 6,
      seriesDescription: 'CHEST PA',
    }),
  );
  return files;
}

interface SrBox {
  readonly centre: [number, number, number];
  /** Unit edge directions (i, j along the polygon, k its normal) and half extents in mm. */
  readonly axes: [number, number, number][];
  readonly half: [number, number, number];
}

/**
 * The 3D boxes of an SR's TID 1410 groups: the SCOORD3D POLYGON 'Image Region' (the box's i x j
 * rectangle through its centre, closed) and the group's Height (the extent across slices).
 */
function srBoxes(bytes: Uint8Array): SrBox[] {
  const out: SrBox[] = [];
  const meaning = (item: DataSet) => {
    const name = firstItem(item, 'x0040a043');
    return name === undefined ? undefined : readString(name, 'x00080104');
  };
  const visit = (ds: DataSet) => {
    for (const group of sequenceItems(ds, 'x0040a730')) {
      const children = sequenceItems(group, 'x0040a730');
      const region = children.find((c) => readString(c, 'x0040a040') === 'SCOORD3D' && meaning(c) === 'Image Region');
      const height = children.find((c) => meaning(c) === 'Height');
      if (region !== undefined && height !== undefined) {
        expect(readString(region, 'x00700023')).toBe('POLYGON');
        const g = Array.from({ length: 15 }, (_, n) => region.float('x00700022', n)!);
        const p = [0, 1, 2, 3, 4].map((n) => [g[3 * n]!, g[3 * n + 1]!, g[3 * n + 2]!] as [number, number, number]);
        expect(p[4]).toEqual(p[0]);
        const sub = (a: number[], b: number[]) => [a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!] as [number, number, number];
        const len = (v: number[]) => Math.hypot(v[0]!, v[1]!, v[2]!);
        const e1 = sub(p[1]!, p[0]!);
        const e2 = sub(p[3]!, p[0]!);
        const n3: [number, number, number] = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
        const h = readNumbers(firstItem(height, 'x0040a300')!, 'x0040a30a')![0]!;
        out.push({
          centre: [0, 1, 2].map((a) => (p[0]![a]! + p[1]![a]! + p[2]![a]! + p[3]![a]!) / 4) as [number, number, number],
          axes: [e1, e2, n3].map((v) => v.map((x) => x / len(v)) as [number, number, number]),
          half: [len(e1) / 2, len(e2) / 2, h / 2],
        });
      }
      visit(group);
    }
  };
  visit(parseDicomBytes(bytes, 'sr.dcm').dataSet);
  return out;
}

/** Whether a world point (LPS mm) lies in an SR box (its projections within the half extents). */
function inBox(b: SrBox, p: readonly number[]): boolean {
  const u = [p[0]! - b.centre[0], p[1]! - b.centre[1], p[2]! - b.centre[2]];
  return b.axes.every((a, n) => Math.abs(a[0] * u[0]! + a[1] * u[1]! + a[2] * u[2]!) <= b.half[n]! + 1e-3);
}

describe.skipIf(!available && !process.env['CI'])('medinfer dicomweb run against Orthanc', () => {
  let pacs: OrthancInstance;
  let client: DicomWebClient;
  let files: Map<string, Uint8Array[]>;
  const env = () => ({ DICOMWEB_USER: ORTHANC_USER, DICOMWEB_PASSWORD: ORTHANC_PASSWORD });
  const run = (model: string, extra: string[] = []) =>
    runCli(['dicomweb', 'run', '--url', pacs.dicomWebUrl, '--study', STUDY, '--model', model, '--provider', 'cpu', '--json', ...extra], { env: env() });
  const derived = async (modality: 'SEG' | 'SR') => {
    const series = await client.searchSeries(STUDY, { match: { Modality: modality } });
    const instances = (await Promise.all(series.map((s) => client.searchInstances(STUDY, s.seriesInstanceUid)))).flat();
    return { series, instances };
  };
  const noLeak = (text: string) => {
    for (const secret of [FAKE_PATIENT.name, 'Leakcheck', FAKE_PATIENT.id, ORTHANC_PASSWORD]) expect(text).not.toContain(secret);
  };

  beforeAll(async () => {
    assertBuilt();
    pacs = await startOrthanc();
    client = createDicomWebClient({ url: pacs.dicomWebUrl, auth: pacs.auth });
    files = studyFiles();
    for (const [, instances] of files) await client.store(instances, { study: STUDY });
  }, 120_000);
  afterAll(async () => pacs?.stop());

  it('segmentation: SEG + SR stored in the study; the SEG reads back to the SDK labels; a re-run adds nothing', async () => {
    const first = await run('medinfer-brats-unet3d-phantom');
    noLeak(first.stdout + first.stderr);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as {
      status: string;
      inputs: { input: string; seriesInstanceUid: string }[];
      stored: { kind: string; sopInstanceUid: string }[];
    };
    expect(summary.status).toBe('stored');
    expect(Object.fromEntries(summary.inputs.map((i) => [i.input, i.seriesInstanceUid]))).toEqual(Object.fromEntries(MR_SERIES.map((s) => [s.name, s.uid])));
    expect(summary.stored.map((s) => s.kind)).toEqual(['SEG', 'SR']);
    const seg = await derived('SEG');
    const sr = await derived('SR');
    expect(seg.instances.map((i) => i.sopInstanceUid)).toEqual([summary.stored[0]!.sopInstanceUid]);
    expect(sr.instances.map((i) => i.sopInstanceUid)).toEqual([summary.stored[1]!.sopInstanceUid]);

    // The SDK's own labels from the same DICOM files (first input = t1 is the SEG's source grid).
    const manifest = await readManifestFile();
    const pipe = await createPipeline('segmentation', 'medinfer-brats-unet3d-phantom', { manifest, provider: 'cpu' });
    const volumes = Object.fromEntries(
      await Promise.all(
        MR_SERIES.map(async (s) => [s.name, await readDicomSeries(files.get(s.uid)!.map((bytes, i) => ({ name: `${s.name}-${i}`, bytes })))] as const),
      ),
    );
    const expected = (await pipe.run(volumes)).labels;
    await pipe.dispose();
    const segBytes = await client.retrieveInstance(STUDY, seg.series[0]!.seriesInstanceUid, seg.instances[0]!.sopInstanceUid);
    const segVolume = await decodeDicomFrames(segBytes, { name: 'seg.dcm' });
    const source = describeDicomSource(files.get(MR_SERIES[0]!.uid)!.map((bytes, i) => ({ name: `t1-${i}`, bytes })));
    const segmentLabels = [1, 2, 4].filter((v) => expected.data.includes(v));
    const back = segToLabels(segBytes, segVolume.data, source, (n) => segmentLabels[n - 1]!);
    expect(Array.from(back)).toEqual(Array.from(expected.data));
    if (hasDciodvfy()) {
      expect(runDciodvfy(segBytes, 'seg.dcm').filter((l) => /^Error/.test(l))).toEqual([]);
      const srBytes = await client.retrieveInstance(STUDY, sr.series[0]!.seriesInstanceUid, sr.instances[0]!.sopInstanceUid);
      expect(runDciodvfy(srBytes, 'sr.dcm').filter((l) => /^Error/.test(l))).toEqual([]);
    }

    const second = await run('medinfer-brats-unet3d-phantom');
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ status: 'already-stored', stored: [] });
    const replaced = await run('medinfer-brats-unet3d-phantom', ['--overwrite']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect((await derived('SEG')).instances).toHaveLength(1);
    expect((await derived('SR')).instances).toHaveLength(1);
  }, 600_000);

  it('3D detection: an SR with the nodules is stored; a re-run adds nothing', async () => {
    const before = (await derived('SR')).instances.length;
    const first = await run('medinfer-nodule-det3d-phantom');
    noLeak(first.stdout + first.stderr);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as { inputs: { seriesInstanceUid: string }[]; stored: { kind: string; sopInstanceUid: string }[] };
    expect(summary.inputs.map((i) => i.seriesInstanceUid)).toEqual([uid(20)]);
    expect(summary.stored.map((s) => s.kind)).toEqual(['SR']);
    const sr = await derived('SR');
    expect(sr.instances).toHaveLength(before + 1);
    const stored = sr.instances.find((i) => i.sopInstanceUid === summary.stored[0]!.sopInstanceUid)!;
    const bytes = await client.retrieveInstance(STUDY, stored.seriesInstanceUid, stored.sopInstanceUid);
    if (hasDciodvfy()) expect(runDciodvfy(bytes, 'det-sr.dcm').filter((l) => /^Error/.test(l))).toEqual([]);
    // Every true nodule centre (world LPS mm) lies inside an SR box (polygon x height).
    const boxes = srBoxes(bytes);
    expect(boxes.length).toBeGreaterThan(0);
    for (const n of ct.nodules)
      expect(
        boxes.some((b) => inBox(b, n.centerMm)),
        `nodule at ${n.centerMm.join(', ')}`,
      ).toBe(true);
    expect((await run('medinfer-nodule-det3d-phantom')).code).toBe(0);
    expect((await derived('SR')).instances).toHaveLength(before + 1);
  }, 600_000);

  it('classification: an SR with the findings is stored for the radiograph', async () => {
    const first = await run('medinfer-cxr-densenet-phantom');
    noLeak(first.stdout + first.stderr);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as { inputs: { seriesInstanceUid: string }[]; stored: { kind: string; sopInstanceUid: string }[] };
    expect(summary.inputs.map((i) => i.seriesInstanceUid)).toEqual([uid(30)]);
    const hits = await client.searchInstances(STUDY, undefined, { match: { SOPInstanceUID: summary.stored[0]!.sopInstanceUid } });
    expect(hits).toHaveLength(1);
    const bytes = await client.retrieveInstance(STUDY, hits[0]!.seriesInstanceUid, hits[0]!.sopInstanceUid);
    if (hasDciodvfy()) expect(runDciodvfy(bytes, 'cls-sr.dcm').filter((l) => /^Error/.test(l))).toEqual([]);
    const text = new TextDecoder('latin1').decode(bytes);
    for (const label of ['Nodule', 'Effusion', 'Cardiomegaly']) expect(text).toContain(label);
  }, 300_000);

  it('bad credentials, unknown study, wrong series, conflicting credentials, no model files: typed error, non-zero exit, no secret shown', async () => {
    const bad = await runCli(['dicomweb', 'run', '--url', pacs.dicomWebUrl, '--study', STUDY, '--model', 'medinfer-cxr-densenet-phantom', '--retries', '0'], {
      env: { DICOMWEB_USER: ORTHANC_USER, DICOMWEB_PASSWORD: 'not-the-Secret-99' },
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/E_HTTP: GET http:\/\/127\.0\.0\.1:\d+\/dicom-web\/studies\/[\d.]+\/series: HTTP 401/);
    expect(bad.stderr + bad.stdout).not.toContain('not-the-Secret-99');
    const missing = await runCli(['dicomweb', 'run', '--url', pacs.dicomWebUrl, '--study', '1.2.3.4.5', '--model', 'medinfer-cxr-densenet-phantom'], {
      env: env(),
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/E_INPUT/);
    // A named series of a modality the model does not take is refused, not run.
    const wrongSeries = await run('medinfer-nodule-det3d-phantom', ['--series', MR_SERIES[0]!.uid, '--overwrite']);
    expect(wrongSeries.code).toBe(1);
    expect(wrongSeries.stderr).toMatch(/E_INPUT: series 1 \(MR, [\d.]+\) is not a modality model 'medinfer-nodule-det3d-phantom' accepts \(CT\)/);
    const tokenAndUser = await runCli(
      ['dicomweb', 'run', '--url', pacs.dicomWebUrl, '--study', STUDY, '--model', 'medinfer-cxr-densenet-phantom', '--token', 't', '--user', 'u'],
      {},
    );
    expect(tokenAndUser.code).toBe(2);
    // --models-dir names the model store: a folder that does not exist is a setup error.
    const noModels = await run('medinfer-cxr-densenet-phantom', ['--overwrite', '--models-dir', '/nonexistent-models-dir']);
    expect(noModels.code).toBe(2);
    expect(noModels.stderr).toMatch(/E_MODEL_FILE/);
    noLeak(bad.stderr + missing.stderr + wrongSeries.stderr + tokenAndUser.stderr + noModels.stderr);
  }, 120_000);
});
