/** Dev-time check (run.sh): readDicom on each file -> <outdir>/<n>.raw + summary.json (geometry, meta) for compare.py. */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readDicom } from '../../../../src/io/dicom/index.js';
// usage: dump.mjs outdir file...
const [outDir, ...files] = process.argv.slice(2);
mkdirSync(outDir!, { recursive: true });
const summary: unknown[] = [];
for (const f of files) {
  try {
    const v = await readDicom(new Uint8Array(readFileSync(f)), { name: basename(f) });
    const id = summary.length;
    const d = v.data as unknown as { buffer: ArrayBuffer; byteOffset: number; byteLength: number };
    writeFileSync(join(outDir!, `${id}.raw`), new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    summary.push({
      file: f,
      id,
      type: v.type,
      geometry: v.geometry,
      meta: { warnings: v.meta.warnings, sliceTimes: v.meta['sliceTimes'], mosaic: v.meta['mosaic'], rescale: v.meta['rescale'] },
    });
  } catch (e) {
    summary.push({ file: f, error: String(e) });
  }
}
writeFileSync(join(outDir!, 'summary.json'), JSON.stringify(summary, null, 1));
