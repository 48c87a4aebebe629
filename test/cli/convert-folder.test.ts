/**
 * `medinfer convert <input> <folder>`: every series of a folder written as dcm2niix converts a
 * whole folder - one NIfTI per series (its parts suffixed), named from a pattern without patient
 * identifiers, collision letters for names taken twice - each file byte-identical to converting
 * that series alone; a series or file that fails is reported with its typed error and the rest
 * is still written (exit 1), never a partial file.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from '../helpers/cli-main.js';
import { readImageFile } from '../../src/io/node-read-image.js';
import { DistinctNames, distinctNames, outputBaseName, safeFileName } from '../../src/cli/convert/output-names.js';
import { parseDicomBytes } from '../../src/io/dicom/parse-header.js';

/** The NIfTI names and their `.json` sidecars, sorted as readdirSync(...).sort() gives them. */
const withSidecars = (niftis: string[]): string[] => niftis.flatMap((n) => [n, n.replace(/\.nii(\.gz)?$/, '.json')]).sort();
import { outputParts, type NamedOutput } from '../../src/cli/convert/read-inputs.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');
const work = mkdtempSync(join(tmpdir(), 'medinfer-convert-folder-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cli = (...argv: string[]) => runMain(argv);

/** Copies every file of each source folder into `dir`, prefixed so names never clash. */
function gather(dir: string, sources: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [prefix, src] of Object.entries(sources)) for (const f of readdirSync(src)) copyFileSync(join(src, f), join(dir, `${prefix}_${f}`));
  return dir;
}

const AX = join(FIX, 'dcm-qa', 'dcm_qa', 'ax_asc_35sl');
const COR = join(FIX, 'dcm-qa', 'dcm_qa', 'cor_int_36sl');
const TWO = join(FIX, 'dicom', 'series-variants', 'two-series');
const NONUNIFORM = join(FIX, 'dicom', 'series-variants', 'nonuniform');

const exam = gather(join(work, 'exam'), { ax: AX, cor: COR, two: TWO, nonuni: NONUNIFORM });
copyFileSync(join(FIX, 'dicom', 'MR_truncated.dcm'), join(exam, 'broken.dcm'));
copyFileSync(join(FIX, 'dicom', 'non-image', 'siemens_phoenix_report.SR'), join(exam, 'report.SR'));

/** The file convert writes for one series given alone (file mode), as bytes. */
async function alone(input: string, ...flags: string[]): Promise<Buffer> {
  const out = join(mkdtempSync(join(work, 'alone-')), 'x.nii');
  const r = await cli('convert', input, out, '--quiet', ...flags);
  expect(r.code, r.err).toBe(0);
  return readFileSync(out);
}

describe('medinfer convert <input> <folder>', () => {
  it('writes every series, named s<number>_<modality> with collision letters, each as converting it alone; failures reported, exit 1', async () => {
    const out = join(work, 'out');
    const r = await cli('convert', exam, out, '--quiet');
    expect(r.code).toBe(1);
    // Series without a SeriesNumber (the synthetic three) are NA; a name taken again gets dcm2niix's letter, in the
    // reader's order. The non-uniform stack (...6003) fails and gives its name back: no gap in the letters.
    // Each NIfTI with its BIDS sidecar (dcm2niix -b y).
    expect(readdirSync(out).sort()).toEqual(withSidecars(['s006_MR.nii', 's015_MR.nii', 'sNA_CT.nii', 'sNA_CTa.nii']));
    expect(r.out.split('\n').filter(Boolean)).toHaveLength(4);
    expect(r.err).toMatch(/E_DECODE: .*broken\.dcm/);
    expect(r.err).toMatch(/slice positions are not uniform/);
    expect(readFileSync(join(out, 's006_MR.nii')).equals(await alone(AX))).toBe(true);
    expect(readFileSync(join(out, 's015_MR.nii')).equals(await alone(COR))).toBe(true);
    expect(readFileSync(join(out, 'sNA_CT.nii')).equals(await alone(TWO, '--series', '1.2.826.0.1.3680043.10.1234.6005'))).toBe(true);
    expect(readFileSync(join(out, 'sNA_CTa.nii')).equals(await alone(TWO, '--series', '1.2.826.0.1.3680043.10.1234.6006'))).toBe(true);
  });

  it('--name %p_%s --gz: the protocol name read on request, .nii.gz; never a patient name', async () => {
    const out = join(work, 'named');
    const r = await cli('convert', gather(join(work, 'two-mr'), { ax: AX, cor: COR }), out, '--quiet', '--name', '%p_%s', '--gz');
    expect(r.code, r.err).toBe(0);
    const names = readdirSync(out).sort();
    expect(names).toEqual(withSidecars(['ax_asc_35sl_006.nii.gz', 'cor_int_36sl_015.nii.gz']));
    // The fixtures' patient names (stc_test, Synthetic^Fixture) appear in no name.
    expect(names.join(' ')).not.toMatch(/stc_test|Synthetic/i);
  });

  it('--series picks one series into the folder; a folder given to file mode still names the way on', async () => {
    const out = join(work, 'one');
    const r = await cli('convert', gather(join(work, 'clean'), { ax: AX, two: TWO }), out, '--quiet', '--series', '1.2.826.0.1.3680043.10.1234.6006');
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(out).sort()).toEqual(withSidecars(['sNA_CT.nii']));
    const file = await cli('convert', gather(join(work, 'pair'), { ax: AX, cor: COR }), join(work, 'x.nii'));
    expect(file.code).toBe(2);
    expect(file.err).toMatch(/choose one with --series .*or give an output folder/);
  });

  it('refuses a bad pattern and folder-only flags with a file output (exit 2)', async () => {
    expect((await cli('convert', AX, join(work, 'bad'), '--name', '%x')).err).toMatch(/unknown token %x/);
    expect((await cli('convert', AX, join(work, 'bad'), '--name', 'a/%s')).err).toMatch(/path separator/);
    // A name with another extension is a mistake, not a folder to make under that name.
    const png = await cli('convert', AX, join(work, 'y.png'));
    expect(png.code).toBe(2);
    expect(png.err).toMatch(/output must end in \.nii or \.nii\.gz, or be a folder/);
    const gz = await cli('convert', AX, join(work, 'y.nii'), '--gz');
    expect(gz.code).toBe(2);
    expect(gz.err).toMatch(/--name and --gz are for an output folder/);
  });

  it('reads SeriesNumber always and the free-text labels only when asked (DicomReadOptions.seriesLabels)', async () => {
    const file = join(AX, readdirSync(AX)[0]!);
    const plain = await readImageFile(file);
    expect(plain.meta['seriesNumber']).toBe(6);
    expect(plain.meta['protocolName']).toBeUndefined();
    expect(plain.meta['seriesDescription']).toBeUndefined();
    const labelled = await readImageFile(file, { dicom: { seriesLabels: true } });
    expect(labelled.meta['protocolName']).toBe('ax_asc_35sl');
    expect(labelled.meta['seriesDescription']).toBe('ax_asc_35sl');
  });

  it('names: only safe characters, never hidden; collisions lettered without regard to case', () => {
    expect(safeFileName('../T1 MPRAGE (sag)/')).toBe('T1_MPRAGE_sag');
    expect(safeFileName('...')).toBe('image');
    expect(distinctNames(['a', 'A', 'a', 'b'])).toEqual(['a', 'Aa', 'ab', 'b']);
    const names = new DistinctNames();
    expect([names.take('x'), names.take('x')]).toEqual(['x', 'xa']);
    names.release('xa');
    expect(names.take('x')).toBe('xa');
    const meta = { format: 'dicom', modality: 'CT', seriesNumber: 12, seriesInstanceUid: '1.2.3' } as const;
    expect(outputBaseName('s%s_%m_%u', meta, 'x.dcm', 'exam')).toBe('s012_CT_1.2.3');
    expect(outputBaseName('%f-%s', meta, 'x.dcm', 'exam')).toBe('exam-012');
    // Images that are not DICOM keep their own file name.
    expect(outputBaseName('s%s_%m', { format: 'nifti' }, 'sub/brain.nii.gz', 'exam')).toBe('brain');
  });
});

/** A copy of a DICOM file with its InstanceNumber (IS) set to `n` (same value length). */
function withInstanceNumber(file: string, n: number): Buffer {
  const bytes = Buffer.from(readFileSync(file));
  const el = parseDicomBytes(new Uint8Array(bytes), 'x.dcm').dataSet.elements['x00200013']!;
  const text = String(n).padEnd(el.length, ' ');
  if (text.length !== el.length) throw new Error('InstanceNumber does not fit');
  bytes.write(text, el.dataOffset, 'latin1');
  return bytes;
}

describe('medinfer convert: stacks of other orientations in one series (a 3-plane localiser)', () => {
  // The fixture's two stacks both start at InstanceNumber 1 (refused: inspect-convert.test.ts);
  // renumbered 1-3 and 4-5, each is written as dcm2niix writes it: _i<first InstanceNumber>.
  const src = join(FIX, 'dicom', 'series-variants', 'mixed-orientation');
  const dir = join(work, 'localiser');
  const axial = join(work, 'localiser-axial');
  const coronal = join(work, 'localiser-coronal');
  for (const d of [dir, axial, coronal]) mkdirSync(d, { recursive: true });
  for (const [k, f] of ['o0.dcm', 'o1.dcm', 'o2.dcm', 'o3.dcm', 'o4.dcm'].entries()) {
    const bytes = withInstanceNumber(join(src, f), k + 1);
    writeFileSync(join(dir, f), bytes);
    writeFileSync(join(k < 3 ? axial : coronal, f), bytes);
  }

  it('file mode: <out>_i00001 and <out>_i00004, each as converting that stack alone', async () => {
    const out = join(work, 'loc-out');
    const r = await cli('convert', dir, join(out, 'scout.nii'), '--quiet');
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(out).sort()).toEqual(withSidecars(['scout_i00001.nii', 'scout_i00004.nii']));
    expect(r.err).toMatch(/stacks of other orientations in one series/);
    expect(readFileSync(join(out, 'scout_i00001.nii')).equals(await alone(axial))).toBe(true);
    expect(readFileSync(join(out, 'scout_i00004.nii')).equals(await alone(coronal))).toBe(true);
  });

  it('folder mode: the same suffixes after the series name', async () => {
    const out = join(work, 'loc-folder');
    const r = await cli('convert', dir, out, '--quiet');
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(out).sort()).toEqual(withSidecars(['sNA_CT_i00001.nii', 'sNA_CT_i00004.nii']));
  });
});

describe('a folder that gives no image', () => {
  it('says what it held instead: files that are no image (a few named) or none at all; nothing written, exit 1', async () => {
    const notes = join(work, 'notes');
    mkdirSync(notes, { recursive: true });
    for (const n of ['a.txt', 'b.txt', 'c.txt', 'd.txt']) writeFileSync(join(notes, n), 'not an image\n');
    for (const output of [join(work, 'notes-out'), join(work, 'notes.nii')]) {
      const r = await cli('convert', notes, output, '--quiet');
      expect(r.code).toBe(1);
      expect(r.err).toContain('E_INPUT');
      expect(r.err).toMatch(/no readable image: 4 files are not an image \(a\.txt, b\.txt, c\.txt, \.\.\.\)/);
    }
    const empty = join(work, 'empty');
    mkdirSync(empty, { recursive: true });
    const r = await cli('convert', empty, join(work, 'empty-out'), '--quiet');
    expect(r.code).toBe(1);
    expect(r.err).toContain('no readable image: it holds no image files');
    expect(readdirSync(work)).not.toContain('notes.nii');
  });
});

describe('outputParts: which stacks of one series get _i<N>', () => {
  const stack = (size: [number, number, number], direction: number[], n: number | undefined, part?: string): NamedOutput => ({
    name: `f${n}`,
    out: {
      shell: {
        geometry: { size, spacing: [1, 1, 1], origin: [0, 0, 0], direction },
        meta: { format: 'dicom', seriesInstanceUid: '1.2', ...(n === undefined ? {} : { stackImageNumber: n }), ...(part === undefined ? {} : { part }) },
      },
    } as unknown as NamedOutput['out'],
  });
  const AX = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const COR = [1, 0, 0, 0, 0, -1, 0, 1, 0];
  it('other orientations, same rows x columns, distinct numbers: _i<N> (after the echo, before the component)', () => {
    expect(outputParts('in', [stack([8, 8, 3], AX, 1), stack([8, 8, 2], COR, 4)])).toEqual(['_i00001', '_i00004']);
    expect(outputParts('in', [stack([8, 8, 3], AX, 1, '_e2_ph'), stack([8, 8, 2], COR, 2001004, '_e2_ph')])).toEqual(['_e2_i00001_ph', '_e2_i2001004_ph']);
    expect(outputParts('in', [stack([8, 8, 3], AX, 1, '_e1'), stack([8, 8, 3], AX, 1, '_e2')])).toEqual(['_e1', '_e2']);
  });
  it('refused (several-stacks, naming why) where dcm2niix would not use _i: one orientation, other sizes, numbers missing or repeated', () => {
    expect(() => outputParts('in', [stack([8, 8, 3], AX, 1), stack([8, 8, 2], AX, 4)])).toThrow(/share one orientation/);
    expect(() => outputParts('in', [stack([8, 8, 3], AX, 1), stack([16, 8, 2], COR, 4)])).toThrow(/image sizes differ/);
    expect(() => outputParts('in', [stack([8, 8, 3], AX, 1), stack([8, 8, 2], COR, 1)])).toThrow(/no distinct InstanceNumbers/);
    expect(() => outputParts('in', [stack([8, 8, 3], AX, undefined), stack([8, 8, 2], COR, 4)])).toThrow(/no distinct InstanceNumbers/);
  });
});
