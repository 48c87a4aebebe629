/**
 * Synthetic frontal (PA) chest radiograph with multi-label findings.
 *
 * The picture is built as an attenuation map (0 = air ... ~1 = dense bone) and mapped to 12-bit
 * detector values, bright = attenuating, as a MONOCHROME2 radiograph is displayed: dark lungs
 * with smooth vascular texture, soft-tissue mediastinum and heart, spine, posterior ribs and
 * clavicles, then the findings drawn with the radiological sign that defines them:
 * - Nodule: a round, soft-edged opacity 12-24 mm across inside a lung field.
 * - Effusion: dependent fluid density with a meniscus rising laterally (blunted costophrenic angle).
 * - Cardiomegaly: cardiothoracic ratio 0.56-0.66 (normal phantoms 0.38-0.47; the clinical cut-off is 0.5).
 * - Consolidation: a lobulated airspace opacity several cm across.
 * - Pneumothorax: apical-lateral lucency without lung markings, bounded by a thin visceral pleural line.
 * The image is a demonstration phantom: sizes are plausible, appearances are deliberately clean.
 *
 * Geometry: pixel (i, j) = (column, row); the image is viewed as PA, so the patient's right is on
 * the image left: axis i points to patient Left (+x in LPS), axis j to Inferior (-z).
 */
import { createVolume, type Volume } from '../core/index.js';
import { createRng, type Rng } from './prng.js';
import { createSmoothField2d, softInside } from './smooth-noise.js';
import { CXR_FINDINGS, type CxrFinding } from './labels.js';

export interface ChestRadiographOptions {
  seed: number;
  /** Image side in pixels (square). Default 256. */
  size?: number;
  /** Probability of each finding when not forced. Default 0.3. */
  prevalence?: number;
  /** Force findings present (true) or absent (false); unspecified ones are drawn at `prevalence`. */
  findings?: Partial<Record<CxrFinding, boolean>>;
}

/** Axis-aligned box in pixel units, [x0, y0, x1, y1] with x1/y1 exclusive. */
export type PixelBox = readonly [number, number, number, number];

export interface ChestRadiographTruth {
  /** 1 present / 0 absent, in CXR_FINDINGS order. */
  labels: Record<CxrFinding, 0 | 1>;
  /** One box per drawn finding instance (for detectors). */
  boxes: { label: CxrFinding; box: PixelBox }[];
  /** Cardiothoracic ratio actually drawn (heart width / thorax width). */
  cardiothoracicRatio: number;
}

export interface ChestRadiograph {
  image: Volume<'uint16'>;
  truth: ChestRadiographTruth;
}

/** Detector full scale: values are 12-bit (TorchXRayVision maxval = 4095). */
export const CXR_MAX_VALUE = 4095;
/** Field of view across the image, mm (a typical 35 cm detector). */
const FIELD_OF_VIEW_MM = 350;

interface Ellipse {
  cx: number;
  cy: number;
  ax: number;
  ay: number;
}

/** Normalised radius of (u, v) in an ellipse: < 1 inside. Lower half is squarer (diaphragm domes). */
function lungRadius(e: Ellipse, u: number, v: number): number {
  const du = Math.abs((u - e.cx) / e.ax);
  const dv = Math.abs((v - e.cy) / e.ay);
  // Math.pow is slow in V8's hot loops; the two exponents are written out.
  return v > e.cy ? Math.cbrt(du * du * du + dv * dv * dv) : Math.sqrt(du * du + dv * dv);
}

function ellipseRadius(e: Ellipse, u: number, v: number): number {
  const du = (u - e.cx) / e.ax;
  const dv = (v - e.cy) / e.ay;
  return Math.sqrt(du * du + dv * dv);
}

/** A random point well inside a lung (away from the heart), in normalised coordinates. */
function pickLungPoint(rng: Rng, lungs: readonly Ellipse[], heart: Ellipse, margin: number): { u: number; v: number; side: number } {
  for (let attempt = 0; attempt < 200; attempt++) {
    const side = rng.int(0, 1);
    const lung = lungs[side]!;
    const u = rng.uniform(lung.cx - lung.ax, lung.cx + lung.ax);
    const v = rng.uniform(lung.cy - lung.ay, lung.cy + lung.ay);
    if (lungRadius(lung, u, v) < 1 - margin && ellipseRadius(heart, u, v) > 1 + margin) return { u, v, side };
  }
  const lung = lungs[0]!;
  return { u: lung.cx, v: lung.cy - lung.ay * 0.3, side: 0 };
}

function toBox(u0: number, v0: number, u1: number, v1: number, n: number): PixelBox {
  const c = (x: number): number => Math.min(n, Math.max(0, Math.round(x * n)));
  return [c(u0), c(v0), c(u1), c(v1)];
}

export function generateChestRadiograph(options: ChestRadiographOptions): ChestRadiograph {
  const n = options.size ?? 256;
  if (!Number.isInteger(n) || n < 64) throw new RangeError(`size must be an integer >= 64, got ${n}`);
  const prevalence = options.prevalence ?? 0.3;
  const rng = createRng(options.seed);
  const present = {} as Record<CxrFinding, boolean>;
  for (const f of CXR_FINDINGS) present[f] = options.findings?.[f] ?? rng.chance(prevalence);

  // Patient habitus and positioning vary: shift, scale, lung proportions.
  const sx = rng.uniform(-0.025, 0.025);
  const sy = rng.uniform(-0.025, 0.025);
  const k = rng.uniform(0.94, 1.04);
  const body: Ellipse = { cx: 0.5 + sx, cy: 0.56 + sy, ax: 0.45 * k, ay: 0.52 * k };
  const lungs: Ellipse[] = [
    { cx: 0.31 + sx, cy: 0.45 + sy, ax: rng.uniform(0.13, 0.15) * k, ay: rng.uniform(0.28, 0.31) * k },
    { cx: 0.69 + sx, cy: 0.46 + sy, ax: rng.uniform(0.12, 0.14) * k, ay: rng.uniform(0.27, 0.3) * k },
  ];
  const thoraxWidth = lungs[1]!.cx + lungs[1]!.ax - (lungs[0]!.cx - lungs[0]!.ax);
  const ctr = present.Cardiomegaly ? rng.uniform(0.56, 0.66) : rng.uniform(0.38, 0.47);
  const heart: Ellipse = {
    cx: 0.53 + sx,
    cy: 0.64 + sy + (present.Cardiomegaly ? 0.015 : 0),
    ax: (ctr * thoraxWidth) / 2,
    ay: rng.uniform(0.11, 0.13) * k * (present.Cardiomegaly ? 1.15 : 1),
  };

  const texture = createSmoothField2d(rng, n, n, 14);
  const fine = createSmoothField2d(rng, n, n, 40);
  const boxes: { label: CxrFinding; box: PixelBox }[] = [];
  boxes.push(
    ...(present.Cardiomegaly
      ? [{ label: 'Cardiomegaly' as const, box: toBox(heart.cx - heart.ax, heart.cy - heart.ay, heart.cx + heart.ax, heart.cy + heart.ay, n) }]
      : []),
  );

  // Nodule.
  const nod = present.Nodule ? pickLungPoint(rng, lungs, heart, 0.25) : undefined;
  const nodR = rng.uniform(12, 24) / FIELD_OF_VIEW_MM / 2;
  if (nod) boxes.push({ label: 'Nodule', box: toBox(nod.u - nodR, nod.v - nodR, nod.u + nodR, nod.v + nodR, n) });

  // Consolidation: lumpy blob with its own texture field.
  const con = present.Consolidation ? pickLungPoint(rng, lungs, heart, 0.35) : undefined;
  const conR = rng.uniform(0.07, 0.1);
  const conField = createSmoothField2d(rng, n, n, 10);
  if (con) boxes.push({ label: 'Consolidation', box: toBox(con.u - conR * 1.3, con.v - conR * 1.3, con.u + conR * 1.3, con.v + conR * 1.3, n) });

  // Effusion: side(s) and fluid height as a fraction of lung height.
  const effSides = present.Effusion ? (rng.chance(0.3) ? [0, 1] : [rng.int(0, 1)]) : [];
  const effLevel = effSides.map(() => rng.uniform(0.45, 0.8));
  effSides.forEach((s, idx) => {
    const l = lungs[s]!;
    const top = l.cy + l.ay * (effLevel[idx]! - 0.35);
    boxes.push({ label: 'Effusion', box: toBox(l.cx - l.ax, top, l.cx + l.ax, l.cy + l.ay, n) });
  });

  // Pneumothorax: the lung retracts towards the hilum by `collapse`.
  const ptxSide = present.Pneumothorax ? rng.int(0, 1) : -1;
  const collapse = rng.uniform(0.72, 0.84);
  const ptxLung = lungs[Math.max(0, ptxSide)]!;
  const collapsed: Ellipse = {
    cx: ptxLung.cx + (ptxSide === 0 ? 1 : -1) * ptxLung.ax * (1 - collapse),
    cy: ptxLung.cy + ptxLung.ay * (1 - collapse) * 0.5,
    ax: ptxLung.ax * collapse,
    ay: ptxLung.ay * collapse,
  };
  if (ptxSide >= 0) {
    const l = lungs[ptxSide]!;
    boxes.push({ label: 'Pneumothorax', box: toBox(l.cx - l.ax, l.cy - l.ay, l.cx + l.ax, l.cy + 0.2 * l.ay, n) });
  }

  const ribPhase = rng.uniform(0, 0.02);
  const edge = 1.5 / n; // soft edges about 1.5 px wide: partial-volume look
  const att = new Float32Array(n * n);
  for (let y = 0; y < n; y++) {
    const v = (y + 0.5) / n;
    for (let x = 0; x < n; x++) {
      const u = (x + 0.5) / n;
      const o = y * n + x;
      const rb = ellipseRadius(body, u, v);
      const inBody = softInside((rb - 1) * body.ax, edge * 2);
      let a = 0.03 + 0.4 * inBody;
      // Spine and mediastinum, denser centrally.
      a += 0.14 * inBody * softInside(Math.abs(u - 0.5 - sx) - 0.035, edge * 3);
      for (let s = 0; s < 2; s++) {
        const l = lungs[s]!;
        if (Math.abs(u - l.cx) > l.ax * 1.05 || Math.abs(v - l.cy) > l.ay * 1.05) continue;
        const r = lungRadius(l, u, v);
        const inLung = softInside((r - 1) * l.ax, edge);
        if (inLung <= 0) continue;
        // Vascular markings: denser towards the hilum, fading to the periphery.
        const hilum = Math.max(0, 1 - r);
        let lungAtt = 0.13 + 0.045 * texture[o]! * (0.4 + hilum) + 0.015 * fine[o]!;
        if (s === ptxSide) {
          const rc = lungRadius(collapsed, u, v);
          if (rc > 1 && v < l.cy + 0.25 * l.ay) lungAtt = 0.06; // no lung markings beyond the pleural line
          if (Math.abs(rc - 1) < 0.012 && v < l.cy + 0.25 * l.ay) lungAtt = 0.2;
        }
        a = a * (1 - inLung) + (a - 0.27 + lungAtt) * inLung;
      }
      // Heart over the medial lungs.
      a += 0.2 * softInside((ellipseRadius(heart, u, v) - 1) * heart.ax, edge * 2);
      // Posterior ribs: gently curved bands, only within the thorax.
      if (inBody > 0 && v > 0.12 && v < 0.82) {
        const side = u < 0.5 + sx ? -1 : 1;
        const lateral = Math.abs(u - 0.5 - sx);
        if (lateral > 0.05) {
          const ribV = v - 0.55 * lateral * lateral - (side > 0 ? 0.006 : 0) - ribPhase;
          const phase = ribV / 0.062 - Math.floor(ribV / 0.062);
          a += 0.075 * inBody * (phase < 0.32 ? Math.sin((phase / 0.32) * Math.PI) : 0);
        }
      }
      // Clavicles.
      const clav = Math.abs(v - (0.16 + sy) + 0.25 * (Math.abs(u - 0.5 - sx) - 0.18)) - 0.012;
      if (Math.abs(u - 0.5 - sx) < 0.3 && Math.abs(u - 0.5 - sx) > 0.03) a += 0.12 * softInside(clav, edge * 2);
      att[o] = a;
    }
  }

  // Findings that add density, drawn after the anatomy (they overlay it in projection).
  for (let y = 0; y < n; y++) {
    const v = (y + 0.5) / n;
    for (let x = 0; x < n; x++) {
      const u = (x + 0.5) / n;
      const o = y * n + x;
      let add = 0;
      if (nod) {
        const d = Math.sqrt((u - nod.u) * (u - nod.u) + (v - nod.v) * (v - nod.v)) / nodR;
        if (d < 1.3) add += 0.2 * softInside(d - 1, 0.35);
      }
      if (con) {
        const d = Math.sqrt((u - con.u) * (u - con.u) + (v - con.v) * (v - con.v)) / conR + 0.5 * conField[o]!;
        if (d < 1.3) {
          const inLung = Math.max(softInside(lungRadius(lungs[0]!, u, v) - 1, 0.03), softInside(lungRadius(lungs[1]!, u, v) - 1, 0.03));
          add += (0.12 + 0.05 * texture[o]!) * softInside(d - 1, 0.4) * inLung;
        }
      }
      for (let idx = 0; idx < effSides.length; idx++) {
        const s = effSides[idx]!;
        const l = lungs[s]!;
        const lateral = Math.abs(u - l.cx + (s === 0 ? l.ax : -l.ax) * 0.2) / l.ax;
        // Meniscus: the fluid surface climbs towards the lateral chest wall.
        const surface = l.cy + l.ay * (effLevel[idx]! - 0.3 * lateral * lateral);
        if (v > surface - 3 / n) add += 0.27 * softInside((lungRadius(l, u, v) - 1.04) * l.ax, edge * 2) * softInside((surface - v) * n, 3);
      }
      att[o] = att[o]! + add;
    }
  }

  // Exposure and detector: random gain / offset / gamma, quantum noise, 12-bit quantisation.
  const gain = rng.uniform(0.85, 1.1);
  const offset = rng.uniform(0.02, 0.08);
  const gamma = rng.uniform(0.85, 1.15);
  const noise = rng.uniform(0.006, 0.016);
  const data = new Uint16Array(n * n);
  for (let o = 0; o < n * n; o++) {
    const a = Math.max(0, offset + gain * att[o]!);
    const value = Math.min(1, a) ** gamma + noise * rng.normal();
    data[o] = Math.max(0, Math.min(CXR_MAX_VALUE, Math.round(value * CXR_MAX_VALUE)));
  }

  const spacing = FIELD_OF_VIEW_MM / n;
  const image = createVolume({
    geometry: {
      size: [n, n, 1],
      spacing: [spacing, spacing, 1],
      origin: [-FIELD_OF_VIEW_MM / 2, 0, FIELD_OF_VIEW_MM / 2],
      direction: [1, 0, 0, 0, 0, 1, 0, -1, 0],
    },
    data,
    meta: {
      modality: 'DX',
      source: `phantom-cxr:${options.seed}`,
      format: 'phantom',
      photometric: 'MONOCHROME2',
      bitsStored: 12,
      window: { center: 2048, width: 4096 },
    },
  });
  const labels = {} as Record<CxrFinding, 0 | 1>;
  for (const f of CXR_FINDINGS) labels[f] = present[f] ? 1 : 0;
  return { image, truth: { labels, boxes, cardiothoracicRatio: ctr } };
}
