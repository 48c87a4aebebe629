/**
 * sweep.mjs --variants: accidents of real exports (a file missing at the end / middle / start, one
 * file copied under a second name) applied to extracted QA series, as hard-linked folders.
 */
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Real-export accidents applied to QA series: [name, series id, edit of the sorted file list]. */
const VARIANTS = [
  ['ge-fmri-minus-last', 'dcm_qa_ge/SliceTiming/14_Ax_fMRI_HB3_48sl_int_asc', (f) => ({ drop: [f.length - 1] })],
  ['ge-fmri-minus-middle', 'dcm_qa_ge/SliceTiming/14_Ax_fMRI_HB3_48sl_int_asc', () => ({ drop: [69] })],
  ['ge-fmri-duplicate', 'dcm_qa_ge/SliceTiming/14_Ax_fMRI_HB3_48sl_int_asc', () => ({ copy: [4] })],
  ['ge-fmri-minus-last-volume', 'dcm_qa_ge/SliceTiming/14_Ax_fMRI_HB3_48sl_int_asc', (f) => ({ drop: f.map((_, n) => n).slice(-48) })],
  ['ge-fmri-first-volume-only', 'dcm_qa_ge/SliceTiming/14_Ax_fMRI_HB3_48sl_int_asc', (f) => ({ drop: f.map((_, n) => n).slice(48) })],
  ['ge-dwi-minus-last-volume', 'dcm_qa_ge/04_Ax_DWI_TENSOR_R2MB2', (f) => ({ drop: [f.length - 1] })],
  ['ge-mprage-minus-middle', 'dcm_qa_ge/05_3D_Ax_T1_MP_RAGE_R22', () => ({ drop: [59] })],
  ['nih-ge-minus-first', 'dcm_qa_nih/20180918GE/mr_0004', () => ({ drop: [0] })],
  ['philips-asl-minus-one', 'dcm_qa_philips_enh/cl#3', () => ({ drop: [99] })],
  ['philips-echo-minus-one', 'dcm_qa_philips_enh/cl#4', () => ({ drop: [29] })],
  ['mosaic-minus-one', 'dcm_qa_mosaic/ep2d_Asc_2', () => ({ drop: [2] })],
];

export function buildVariants(series, root) {
  const out = [];
  const natural = (a, b) => a.localeCompare(b, 'en', { numeric: true });
  for (const [name, id, edit] of VARIANTS) {
    const src = series.find((s) => s.id === id);
    if (!src) continue;
    const files = readdirSync(src.dir).sort(natural);
    const { drop = [], copy = [] } = edit(files);
    const dir = join(root, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    files.forEach((f, n) => {
      if (!drop.includes(n)) linkSync(join(src.dir, f), join(dir, f));
    });
    for (const n of copy) writeFileSync(join(dir, `zz_copy_${files[n]}`), readFileSync(join(src.dir, files[n])));
    out.push({ id: `variant/${name}`, dir, files: readdirSync(dir).length, refRoot: '' });
  }
  return out;
}
