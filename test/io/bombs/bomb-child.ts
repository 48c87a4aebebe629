/**
 * One decompression bomb per process (bundled by decompression-bombs.test.ts with esbuild and run
 * with node): `node bomb-child.mjs <case> <file|url>` prints one JSON line with the outcome and
 * maxRSS growth, so the memory a case spends is measured alone.
 */
import { readFileSync } from 'node:fs';
import { readNifti, readNiftiSync } from '../../../src/io/nifti/read-nifti.js';
import { readImageFile } from '../../../src/io/node-read-image.js';
import { readDicom } from '../../../src/io/dicom/read-dicom.js';
import { readDicomTags, summarizeDicomHeader } from '../../../src/io/dicom/header-summary.js';
import { fetchWithProgress } from '../../../src/runtime/fetch-bytes.js';
import type { Volume } from '../../../src/core/volume.js';

const [kind, target] = process.argv.slice(2) as [string, string];

async function run(): Promise<Volume | Uint8Array | object> {
  switch (kind) {
    case 'nifti-sync':
      return readNiftiSync(readFileSync(target), { name: 'bomb.nii.gz' });
    case 'nifti-async':
      return readNifti(readFileSync(target), { name: 'bomb.nii.gz' });
    case 'nifti-file':
      return readImageFile(target);
    case 'dicom':
      return readDicom(readFileSync(target), { name: 'bomb.dcm', maxVoxels: 64 ** 3 });
    case 'dicom-default':
      return readDicom(readFileSync(target), { name: 'bomb.dcm' });
    case 'dicom-file':
      return readImageFile(target);
    case 'dicom-tags':
      return readDicomTags(readFileSync(target), { name: 'bomb.dcm', maxVoxels: 64 ** 3 });
    case 'dicom-summary':
      return summarizeDicomHeader(readFileSync(target), { name: 'bomb.dcm', maxVoxels: 64 ** 3 });
    case 'fetch':
      return fetchWithProgress(target, undefined, { maxBytes: 64 * 2 ** 20 });
    default:
      throw new Error(`unknown case ${kind}`);
  }
}

// Baseline after the modules are loaded and before any bomb is touched.
const baseline = process.resourceUsage().maxRSS;
const report: Record<string, unknown> = { kind };
try {
  const result = await run();
  if (result instanceof Uint8Array) report.bytes = result.length;
  else if ('geometry' in result) {
    const v = result as Volume;
    report.volume = { size: v.geometry.size, type: v.type, frames: v.frames, length: v.data.length, warnings: v.meta.warnings ?? [] };
  } else report.result = 'object';
} catch (error) {
  const e = error as { name?: string; code?: string; message?: string };
  report.error = { name: e.name, code: e.code, message: e.message };
}
report.growthKiB = process.resourceUsage().maxRSS - baseline;
report.baselineKiB = baseline;
process.stdout.write(`${JSON.stringify(report)}\n`);
