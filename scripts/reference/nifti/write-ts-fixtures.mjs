/**
 * Writes test/fixtures/nifti/ts-written/ with medinfer's writeNifti (build first: npm run build),
 * then run make-reference.py so nibabel records what it reads from them.
 *   node scripts/reference/nifti/write-ts-fixtures.mjs && /usr/bin/python3 scripts/reference/nifti/make-reference.py
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createVolume, writeNifti } from '../../../dist/index.js';
import { buildTsWrittenVolumes } from './ts-written-volumes.mjs';

const dir = fileURLToPath(new URL('../../../test/fixtures/nifti/ts-written/', import.meta.url));
mkdirSync(dir, { recursive: true });
for (const spec of buildTsWrittenVolumes()) {
  const bytes = writeNifti(createVolume(spec.init), spec.options);
  writeFileSync(dir + spec.file, bytes);
  console.log(`${spec.file}: ${bytes.length} bytes`);
}
