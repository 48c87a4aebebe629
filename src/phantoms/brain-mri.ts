/**
 * Synthetic skull-stripped brain MRI with a glioma, BraTS style: four co-registered sequences
 * (T1, T1ce, T2, FLAIR) on one grid, and a label map in the BraTS convention
 * (0 background, 1 necrotic / non-enhancing core, 2 peritumoural edema, 4 enhancing tumour).
 *
 * Anatomy: an ellipsoidal brain with a cortical grey-matter ribbon, white matter, lateral
 * ventricles and a thin sulcal CSF layer. The tumour is a lobulated sphere-like mass: a necrotic
 * centre, an enhancing rim 3-6 mm thick (bright on T1ce only, as gadolinium enhancement is),
 * surrounded by edema that is bright on T2 and FLAIR. Tissue contrasts follow the usual
 * appearance (T1: WM > GM > CSF; T2: CSF > GM > WM; FLAIR: CSF suppressed, edema bright).
 * Each sequence gets its own smooth multiplicative bias field, scale and Rician-like noise, so
 * intensities are only meaningful after per-image normalisation (z-score inside the brain), as
 * with real MRI. Outside the brain is exactly 0 (skull-stripped), which nonzero z-score relies on.
 *
 * Geometry: identity direction in LPS (i -> Left, j -> Posterior, k -> Superior), isotropic spacing.
 */
import { createVolume, type Volume } from '../core/index.js';
import { createRng, type Rng } from './prng.js';
import { createSmoothField3d, softInside } from './smooth-noise.js';
import { BRAIN_MODALITIES, type BrainModality } from './labels.js';

export interface BrainMriOptions {
  seed: number;
  /** Grid size [i, j, k]. Default [96, 96, 96]. */
  size?: readonly [number, number, number];
  /** Isotropic voxel size in mm. Default 1.5 (96 voxels = 144 mm field of view). */
  spacingMm?: number;
  /** Draw a tumour (default true). */
  tumour?: boolean;
}

export interface BrainTumourTruth {
  /** World (LPS, mm) centre of the tumour core. */
  centerMm: readonly [number, number, number];
  coreRadiusMm: number;
  rimThicknessMm: number;
  edemaRadiusMm: number;
  /** Voxel counts per BraTS label. */
  voxels: { necroticCore: number; edema: number; enhancing: number };
}

export interface BrainMri {
  /** One int16 volume per sequence (arbitrary MR units, >= 0). */
  images: Record<BrainModality, Volume<'int16'>>;
  /** BraTS label map (0, 1, 2, 4) on the same grid. */
  labels: Volume<'uint8'>;
  tumour: BrainTumourTruth | null;
}

// Relative signal per tissue and sequence (before bias field / scale / noise).
type Tissue = 'csf' | 'gm' | 'wm' | 'edema' | 'necrosis' | 'enhancing';
const SIGNAL: Record<BrainModality, Record<Tissue, number>> = {
  t1: { csf: 0.25, gm: 0.62, wm: 0.9, edema: 0.5, necrosis: 0.3, enhancing: 0.62 },
  t1ce: { csf: 0.25, gm: 0.62, wm: 0.9, edema: 0.5, necrosis: 0.3, enhancing: 1.45 },
  t2: { csf: 1.4, gm: 0.72, wm: 0.48, edema: 1.08, necrosis: 1.25, enhancing: 0.85 },
  flair: { csf: 0.18, gm: 0.7, wm: 0.52, edema: 1.3, necrosis: 0.6, enhancing: 1.05 },
};

/** Low-order random lobulation of a sphere: radius multiplier as a function of direction. */
function createLobulation(rng: Rng, amplitude: number): (x: number, y: number, z: number) => number {
  const terms = Array.from({ length: 5 }, () => {
    const a = rng.normal();
    const b = rng.normal();
    const c = rng.normal();
    const norm = Math.sqrt(a * a + b * b + c * c) || 1;
    return { a: a / norm, b: b / norm, c: c / norm, f: rng.uniform(1, 2.5), p: rng.uniform(0, 2 * Math.PI), w: rng.uniform(0.3, 1) };
  });
  const total = terms.reduce((s, t) => s + t.w, 0);
  return (x, y, z) => {
    const r = Math.sqrt(x * x + y * y + z * z) || 1;
    let s = 0;
    for (const t of terms) s += t.w * Math.sin(t.f * Math.PI * ((t.a * x + t.b * y + t.c * z) / r) + t.p);
    return 1 + (amplitude * s) / total;
  };
}

export function generateBrainMri(options: BrainMriOptions): BrainMri {
  const size = options.size ?? [96, 96, 96];
  const h = options.spacingMm ?? 1.5;
  const [nx, ny, nz] = size;
  const rng = createRng(options.seed);
  const n = nx * ny * nz;
  const half = [(nx - 1) / 2, (ny - 1) / 2, (nz - 1) / 2] as const;
  // Brain semi-axes (mm): about 65 x 80 x 60 in adults, jittered per subject, capped by the grid.
  const ax = Math.min(rng.uniform(58, 66), (nx / 2 - 3) * h);
  const ay = Math.min(rng.uniform(68, 80), (ny / 2 - 3) * h);
  const az = Math.min(rng.uniform(52, 62), (nz / 2 - 3) * h);
  const shape = createLobulation(rng, 0.04);
  const cortex = rng.uniform(2.5, 3.5); // grey-matter ribbon thickness, mm
  const gyri = createSmoothField3d(rng, size, 9);
  const ventricle = {
    dx: rng.uniform(5, 8),
    ax: rng.uniform(4, 6),
    ay: rng.uniform(16, 22),
    az: rng.uniform(7, 10),
    cy: rng.uniform(-6, 2),
    cz: rng.uniform(2, 10),
  };

  const withTumour = options.tumour ?? true;
  const coreR = rng.uniform(8, 20);
  const rim = rng.uniform(3, 6);
  const edemaR = coreR * rng.uniform(1.35, 1.9);
  // Centre inside one hemisphere, far enough from the surface for the core (edema may reach the cortex).
  const cx = (rng.chance(0.5) ? -1 : 1) * rng.uniform(15, 32);
  const cy = rng.uniform(-35, 30);
  const cz = rng.uniform(-15, 25);
  const coreShape = createLobulation(rng, 0.18);
  const edemaShape = createLobulation(rng, 0.22);

  const labels = new Uint8Array(n);
  const tissue: Record<Tissue, Float32Array> = {
    csf: new Float32Array(n),
    gm: new Float32Array(n),
    wm: new Float32Array(n),
    edema: new Float32Array(n),
    necrosis: new Float32Array(n),
    enhancing: new Float32Array(n),
  };
  const mask = new Uint8Array(n);
  const voxels = { necroticCore: 0, edema: 0, enhancing: 0 };
  let o = 0;
  for (let k = 0; k < nz; k++) {
    const z = (k - half[2]) * h;
    for (let j = 0; j < ny; j++) {
      const y = (j - half[1]) * h;
      for (let i = 0; i < nx; i++, o++) {
        const x = (i - half[0]) * h;
        const re = Math.sqrt((x / ax) ** 2 + (y / ay) ** 2 + (z / az) ** 2) / shape(x, y, z);
        // Signed distance to the brain surface, approximated in mm along the mean radius.
        const depth = (1 - re) * 60;
        if (depth < -1) continue;
        const brain = softInside(-depth, 1.5);
        if (brain <= 0.02) continue;
        mask[o] = 1;
        // Sulcal CSF (outer 1 mm), cortex ribbon with gyral folding, white matter inside.
        const ribbon = cortex * (1 + 0.45 * gyri[o]!);
        let csf = softInside(depth - 1, 1.2);
        let gm = (1 - csf) * softInside(depth - 1 - ribbon, 1.5);
        let wm = 1 - csf - gm;
        // Lateral ventricles: two ellipsoids beside the midline.
        for (const side of [-1, 1]) {
          const rv = Math.sqrt(
            ((x - side * ventricle.dx) / ventricle.ax) ** 2 + ((y - ventricle.cy) / ventricle.ay) ** 2 + ((z - ventricle.cz) / ventricle.az) ** 2,
          );
          const inV = softInside((rv - 1) * ventricle.ax, 1.5);
          csf = Math.max(csf, inV);
          gm *= 1 - inV;
          wm *= 1 - inV;
        }
        let ed = 0;
        let nec = 0;
        let enh = 0;
        if (withTumour) {
          const tx = x - cx;
          const ty = y - cy;
          const tz = z - cz;
          const d = Math.sqrt(tx * tx + ty * ty + tz * tz);
          const dCore = d / coreShape(tx, ty, tz);
          const dEdema = d / edemaShape(tx, ty, tz);
          if (dEdema < edemaR + 2) {
            const inCore = softInside(dCore - coreR, 1.2);
            const inNec = softInside(dCore - (coreR - rim), 1.2);
            const inEdema = softInside(dEdema - edemaR, 1.5);
            nec = inNec;
            enh = inCore - inNec;
            ed = Math.max(0, inEdema - inCore) * (1 - csf); // edema spreads through parenchyma, not CSF
            const tumour = nec + enh + ed;
            if (tumour > 0) {
              const keep = Math.max(0, 1 - tumour);
              csf *= keep;
              gm *= keep;
              wm *= keep;
            }
            // Label by the dominant partial volume, as a rater would on the visible boundary.
            if (inCore >= 0.5) labels[o] = inNec >= 0.5 ? 1 : 4;
            else if (inEdema >= 0.5 && ed >= 0.25) labels[o] = 2;
          }
        }
        const l = labels[o]!;
        if (l === 1) voxels.necroticCore++;
        else if (l === 2) voxels.edema++;
        else if (l === 4) voxels.enhancing++;
        tissue.csf[o] = csf * brain;
        tissue.gm[o] = gm * brain;
        tissue.wm[o] = wm * brain;
        tissue.edema[o] = ed * brain;
        tissue.necrosis[o] = nec * brain;
        tissue.enhancing[o] = enh * brain;
      }
    }
  }

  const geometry = { size: [nx, ny, nz], spacing: [h, h, h], origin: [-half[0] * h, -half[1] * h, -half[2] * h] };
  const images = {} as Record<BrainModality, Volume<'int16'>>;
  for (const m of BRAIN_MODALITIES) {
    const signal = SIGNAL[m];
    const bias = createSmoothField3d(rng, size, 3);
    const scale = rng.uniform(600, 1400);
    const sigma = rng.uniform(0.015, 0.03);
    const biasAmp = rng.uniform(0.05, 0.15);
    const data = new Int16Array(n);
    for (let p = 0; p < n; p++) {
      if (!mask[p]) continue;
      const s =
        signal.csf * tissue.csf[p]! +
        signal.gm * tissue.gm[p]! +
        signal.wm * tissue.wm[p]! +
        signal.edema * tissue.edema[p]! +
        signal.necrosis * tissue.necrosis[p]! +
        signal.enhancing * tissue.enhancing[p]!;
      // Magnitude of a complex signal with Gaussian noise in both channels: Rician, never negative.
      const re = s * (1 + biasAmp * bias[p]!) + sigma * rng.normal();
      const im = sigma * rng.normal();
      // Keep skull-stripped background exactly 0 and brain voxels >= 1 (nonzero normalisation).
      data[p] = Math.max(1, Math.min(32767, Math.round(scale * Math.sqrt(re * re + im * im))));
    }
    images[m] = createVolume({ geometry, data, meta: { modality: 'MR', source: `phantom-brats:${options.seed}:${m}`, format: 'phantom', sequence: m } });
  }
  const labelVolume = createVolume({ geometry, data: labels, meta: { modality: 'SEG', source: `phantom-brats:${options.seed}:seg`, format: 'phantom' } });
  const tumour: BrainTumourTruth | null = withTumour
    ? { centerMm: [cx, cy, cz], coreRadiusMm: coreR, rimThicknessMm: rim, edemaRadiusMm: edemaR, voxels }
    : null;
  return { images, labels: labelVolume, tumour };
}
