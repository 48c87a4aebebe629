/**
 * Input files shared by every side of a comparison (SDK, bare ONNX Runtime, Python), written once
 * per run into a temp directory: 8-bit PNG radiographs, int16 NIfTI volumes (.nii, uncompressed so
 * that gunzip speed does not dominate), a JSON list of report texts. Deterministic (seeded).
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createVolume, writeNifti } from '../../dist/index.js';
import { generateChestRadiograph, generateReportText, CXR_MAX_VALUE } from '../../dist/phantoms.js';

export function benchTempDir(name = 'medinfer-bench-pipelines') {
  const dir = process.env.MEDINFER_BENCH_TMP ?? join(tmpdir(), name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** `count` chest radiograph phantoms (size x size, 8-bit grey PNG, as most public CXR PNGs are). */
export async function writeRadiographs(dir, count, size = 1024) {
  const paths = [];
  for (let n = 0; n < count; n++) {
    const path = join(dir, `cxr-grey-${size}-${n}.png`);
    paths.push(path);
    if (existsSync(path)) continue;
    const { image } = generateChestRadiograph({ seed: 1000 + n, size });
    const bytes = new Uint8Array(image.data.length);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.round((image.data[i] / CXR_MAX_VALUE) * 255);
    await sharp(bytes, { raw: { width: size, height: size, channels: 1 } })
      .toColourspace('b-w')
      .png({ compressionLevel: 6 })
      .toFile(path);
  }
  return paths;
}

/**
 * A smooth head-like phantom (ellipsoid with a bright lesion, noise, zero background as after
 * skull stripping) of `size` [i, j, k], int16, channel `c` varying the contrast; `shift` moves it
 * (registration pairs). Values stay in [0, 255] so VoxelMorph's [0, 255] -> [0, 1] scaling applies.
 */
export function makePhantomVolume(size, { c = 0, shift = [0, 0, 0], seed = 7 } = {}) {
  const [ni, nj, nk] = size;
  const data = new Int16Array(ni * nj * nk);
  let s = (seed * 2654435761 + c * 97) >>> 0;
  const base = 80 + 30 * c;
  for (let k = 0, n = 0; k < nk; k++) {
    const z = (k - nk / 2 - shift[2]) / (0.42 * nk);
    for (let j = 0; j < nj; j++) {
      const y = (j - nj / 2 - shift[1]) / (0.45 * nj);
      for (let i = 0; i < ni; i++, n++) {
        const x = (i - ni / 2 - shift[0]) / (0.4 * ni);
        const r = x * x + y * y + z * z;
        if (r >= 1) continue; // background 0 (nonzero z-score ignores it)
        s = (s * 1103515245 + 12345) >>> 0;
        const noise = ((s >>> 16) % 11) - 5;
        const lx = x - 0.3,
          ly = y + 0.2,
          lz = z;
        const lesion = lx * lx + ly * ly + lz * lz < 0.04 ? 60 - 20 * c : 0;
        data[n] = Math.max(1, Math.min(255, Math.round(base + 40 * Math.cos(4 * x) * Math.sin(3 * y + z) + lesion + noise)));
      }
    }
  }
  return createVolume({ geometry: { size, spacing: [1, 1, 1], origin: [0, 0, 0] }, data, meta: { modality: 'MR' } });
}

/** Writes a phantom .nii once; returns its path. */
export function writePhantomNifti(dir, name, size, options) {
  const path = join(dir, `${name}-${size.join('x')}.nii`);
  if (!existsSync(path)) writeFileSync(path, writeNifti(makePhantomVolume(size, options)));
  return path;
}

/** BraTS-style four modalities of one case, named as the segmentation entry's inputs. */
export function writeMultiModal(dir, size, names = ['t1c', 't1', 't2', 'flair']) {
  return Object.fromEntries(names.map((name, c) => [name, writePhantomNifti(dir, `mr-${name}`, size, { c })]));
}

/** A fixed / moving pair: the moving phantom shifted by a few voxels. */
export function writeRegistrationPair(dir, size) {
  return {
    fixed: writePhantomNifti(dir, 'reg-fixed', size, { c: 0 }),
    moving: writePhantomNifti(dir, 'reg-moving', size, { c: 0, shift: [3, -2, 2] }),
  };
}

/** `count` phantom report texts as a JSON array file. */
export function writeReports(dir, count) {
  const path = join(dir, `reports-${count}.json`);
  if (!existsSync(path)) writeFileSync(path, JSON.stringify(Array.from({ length: count }, (_, i) => generateReportText({ seed: 5000 + i }).text)));
  return path;
}
