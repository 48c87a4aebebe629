/**
 * The web demo's NiiVue viewer in real headless Chromium (WebGL2 on SwiftShader): after a
 * segmentation (bundled 3D U-Net on the brain MRI sample) and a 2D detection (bundled YOLO-style
 * detector on the chest radiograph), screenshots of the canvas show the label / box colours where
 * the model put them and no label colour where it put none.
 *
 * Expectations come from the result on screen (the page's label volume), not from golden images:
 * a voxel is placed on the canvas from the SDK's geometry (index -> LPS -> RAS mm), through NiiVue's
 * own mm -> canvas mapping of the displayed slice. A layer NiiVue placed elsewhere than the SDK's
 * geometry says (a wrong affine in the NIfTI the viewer gets) shows other voxels' colours there.
 * Colours are compared with a tolerance (SwiftShader blending and rounding), never pixel-exact.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadNodeVolume } from '../../src/node.js';
import { startWebServer, type WebServer } from '../../src/cli/web/web-server.js';
import { CHROMIUM, launchChromium, LOOPBACK_ONLY, openPage } from '../helpers/chromium.js';

const haveBrowser = existsSync(CHROMIUM) && existsSync(fileURLToPath(new URL('../../dist/web/app.js', import.meta.url)));

type Rgb = [number, number, number];
type Plane = 'axial' | 'coronal' | 'sagittal';
interface ViewerHook {
  layerList: { id: string }[];
  nv: { setCrosshairWidth(w: number): void };
  is2D: boolean;
  plane2D: Plane;
  centreOn(id: string, ijk: number[]): void;
  project(id: string, ijk: number[], plane: Plane): [number, number] | null;
  tile(view: string): [number, number, number, number] | null;
}
interface Demo {
  medinfer: {
    ready: Promise<void>;
    viewer: ViewerHook;
    shownLabels(): { size: [number, number, number]; data: number[] } | null;
    layer(id: string): { size: number[]; spacing: number[]; origin: number[]; direction: number[]; data: number[] } | null;
    runSample(m: string, s: string, p: string): Promise<Record<string, any>>;
  };
}

let server: WebServer;
let browser: Browser;
let page: Page;

interface Shot {
  at(x: number, y: number): Rgb;
  /** The 3 x 3 pixels around (x, y): a voxel's projected centre may fall a pixel off its drawn square. */
  around(x: number, y: number): Rgb[];
}

async function canvasPixels(): Promise<Shot> {
  // Two animation frames: NiiVue draws on the next frame after a change.
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
  const png = await page.locator('#view').screenshot();
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number): Rgb => {
    const o = (Math.floor(y) * info.width + Math.floor(x)) * info.channels;
    return [data[o]!, data[o + 1]!, data[o + 2]!];
  };
  return { at, around: (x, y) => [-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx) => at(x + dx, y + dy))) };
}

const near = (a: Rgb, b: readonly number[], tol: number) => a.every((v, c) => Math.abs(v - b[c]!) <= tol);
const isGrey = (a: Rgb, tol = 12) => Math.max(a[0], a[1], a[2]) - Math.min(a[0], a[1], a[2]) <= tol;
/** Some pixel of the 3 x 3 around a point has colour `rgb` (within `tol` per channel). */
const shows = (px: Rgb[], rgb: readonly number[], tol = 12) => px.some((p) => near(p, rgb, tol));
/** No pixel of the 3 x 3 around a point has any colour (all grey or black). */
const noColour = (px: Rgb[]) => px.every((p) => isGrey(p));

async function setOpacity(id: string, value: number, shown = true): Promise<void> {
  await page.evaluate(
    ([id, value, shown]) => {
      const box = document.getElementById(`layer-${id}`) as HTMLInputElement;
      const slider = document.getElementById(`opacity-${id}`) as HTMLInputElement;
      slider.value = String(value);
      slider.dispatchEvent(new Event('input'));
      box.checked = shown as boolean;
      box.dispatchEvent(new Event('change'));
    },
    [id, value, shown] as const,
  );
}

async function project(id: string, ijk: number[], plane: Plane): Promise<[number, number]> {
  const p = await page.evaluate(([id, ijk, plane]) => (window as unknown as Demo).medinfer.viewer.project(id, ijk, plane), [id, ijk, plane] as const);
  expect(p, `voxel ${ijk} is on the ${plane} tile`).not.toBeNull();
  return p!;
}

/** Voxels whose 3x3x3 neighbourhood (in-plane 3x3 for a 2D image) is all `value`. */
function interior(labels: { size: number[]; data: number[] }, value: number): number[][] {
  const [ni, nj, nk] = labels.size as [number, number, number];
  const at = (i: number, j: number, k: number) => labels.data[i + ni * (j + nj * k)];
  const dk = nk === 1 ? [0] : [-1, 0, 1];
  const out: number[][] = [];
  for (let k = nk === 1 ? 0 : 1; k < Math.max(1, nk - 1); k++)
    for (let j = 1; j < nj - 1; j++)
      for (let i = 1; i < ni - 1; i++) {
        let all = true;
        for (const c of dk) for (let b = -1; b <= 1 && all; b++) for (let a = -1; a <= 1 && all; a++) if (at(i + a, j + b, k + c) !== value) all = false;
        if (all) out.push([i, j, k]);
      }
  return out;
}

describe.runIf(haveBrowser || process.env.CI)('web demo viewer (NiiVue, WebGL2 on SwiftShader)', () => {
  beforeAll(async () => {
    server = await startWebServer({ port: 0 });
    browser = await launchChromium([
      '--no-sandbox',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--disable-background-networking',
      '--no-first-run',
      LOOPBACK_ONLY,
    ]);
    let errors: string[];
    ({ page, errors } = await openPage(browser, server.url, { viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 }));
    await page.evaluate(() => (window as unknown as Demo).medinfer.ready);
    expect(errors).toEqual([]);
    expect(await page.textContent('#status')).not.toMatch(/needs WebGL2/);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it(
    'segmentation: each label colour is drawn where the label is in all three planes, not elsewhere; opacity and the show toggle work; labels show in ' + '3D',
    async () => {
      const run = await page.evaluate(() => (window as unknown as Demo).medinfer.runSample('medinfer-brats-unet3d-phantom', 'brain MRI, 4 sequences', 'wasm'));
      const colours = run.colours as { value: number; name: string; rgb: Rgb }[];
      const labels = (await page.evaluate(() => (window as unknown as Demo).medinfer.shownLabels()))!;
      expect(labels.size).toEqual([64, 64, 48]);
      // The crosshair is drawn through the voxel the planes are centred on: thinnest (1 px), and
      // voxels are sampled off its lines (a diagonal neighbour, inside the label by construction).
      await page.evaluate(() => (window as unknown as Demo).medinfer.viewer.nv.setCrosshairWidth(0));
      await setOpacity('labels', 1);
      const [ni, nj] = labels.size;
      let checked = 0;
      for (const { value, rgb } of colours) {
        const inside = interior(labels, value);
        if (inside.length === 0) continue; // a label too thin for a 3x3x3 interior is not checked
        // The interior voxel nearest the label's centroid.
        const sum = [0, 0, 0];
        let n = 0;
        labels.data.forEach((v, p) => {
          if (v !== value) return;
          sum[0] += p % ni;
          sum[1] += Math.floor(p / ni) % nj;
          sum[2] += Math.floor(p / (ni * nj));
          n++;
        });
        const c = sum.map((s) => s / n);
        const target = inside.reduce((best, v) =>
          Math.hypot(v[0]! - c[0]!, v[1]! - c[1]!, v[2]! - c[2]!) < Math.hypot(best[0]! - c[0]!, best[1]! - c[1]!, best[2]! - c[2]!) ? v : best,
        );
        await page.evaluate(([t]) => (window as unknown as Demo).medinfer.viewer.centreOn('labels', t as number[]), [target] as const);
        const shot = await canvasPixels();
        for (const plane of ['axial', 'coronal', 'sagittal'] as const) {
          const fixedAxis = plane === 'axial' ? 2 : plane === 'coronal' ? 1 : 0;
          const [ua, va] = [0, 1, 2].filter((a) => a !== fixedAxis) as [number, number];
          const off = [...target];
          off[ua]! += 1;
          off[va]! += 1;
          const [x, y] = await project('labels', off, plane);
          expect(shot.around(x, y), `label ${value} colour at its voxel ${off} in the ${plane} tile`).toSatisfy((px: Rgb[]) => shows(px, rgb));
          // Background: voxels of this plane 4+ voxels from any label show no label colour (the grey image, or black).
          const far = (i: number, j: number, k: number) => {
            for (let dk = -4; dk <= 4; dk++)
              for (let dj = -4; dj <= 4; dj++)
                for (let di = -4; di <= 4; di++) {
                  const [a, b, d] = [i + di, j + dj, k + dk];
                  if (a < 0 || b < 0 || d < 0 || a >= ni || b >= nj || d >= labels.size[2]) continue;
                  if (labels.data[a + ni * (b + nj * d)] !== 0) return false;
                }
            return true;
          };
          let background = 0;
          // The phantom's grid is axis-aligned (identity direction): axial = fixed k, coronal = fixed j, sagittal = fixed i.
          for (let u = 2; u < labels.size[ua]! - 2 && background < 12; u += 5)
            for (let w = 2; w < labels.size[va]! - 2 && background < 12; w += 5) {
              const v = [...target];
              v[ua] = u;
              v[va] = w;
              if (!far(v[0]!, v[1]!, v[2]!) || Math.abs(u - target[ua]!) < 2 || Math.abs(w - target[va]!) < 2) continue;
              const [bx, by] = await project('labels', v, plane);
              expect(shot.around(bx, by), `no label colour at background voxel ${v} (${plane})`).toSatisfy(noColour);
              background++;
            }
          expect(background).toBeGreaterThan(3);
        }
        checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(2);

      // Opacity: at 0.5 the pixel is halfway between the image alone (layer hidden) and the label colour.
      const { value, rgb } = colours.find((col) => interior(labels, col.value).length > 0)!;
      const t = interior(labels, value)[0]!;
      await page.evaluate(([tt]) => (window as unknown as Demo).medinfer.viewer.centreOn('labels', tt as number[]), [t] as const);
      const [x, y] = await project('labels', [t[0]! + 1, t[1]! + 1, t[2]!], 'axial');
      await setOpacity('labels', 0.5, false);
      const under = (await canvasPixels()).at(x, y);
      expect(isGrey(under)).toBe(true);
      await setOpacity('labels', 0.5, true);
      const half = (await canvasPixels()).around(x, y);
      expect(half).toSatisfy((px: Rgb[]) =>
        shows(
          px,
          rgb.map((v, c) => 0.5 * v + 0.5 * under[c]!),
          14,
        ),
      );

      // 3D render tile: label colours present with the layer shown, gone with it hidden.
      await setOpacity('labels', 1, true);
      const tile = (await page.evaluate(() => (window as unknown as Demo).medinfer.viewer.tile('render')))!;
      expect(tile).not.toBeNull();
      const countLabelPixels = async () => {
        const shot = await canvasPixels();
        let n = 0;
        for (let py = tile[1]; py < tile[1] + tile[3]; py += 2)
          for (let px = tile[0]; px < tile[0] + tile[2]; px += 2) {
            const p = shot.at(px, py);
            if (!isGrey(p, 60)) n++;
          }
        return n;
      };
      const shown = await countLabelPixels();
      await setOpacity('labels', 1, false);
      const hidden = await countLabelPixels();
      expect(shown).toBeGreaterThan(200);
      expect(hidden).toBeLessThan(shown * 0.05);
    },
  );

  it('2D detection: each drawn box outline is where the box is, in its class colour; the inside shows the image; patient right is on screen left', async () => {
    const run = await page.evaluate(() =>
      (window as unknown as Demo).medinfer.runSample('medinfer-cxr-yolo-phantom', 'chest radiograph (NIfTI, 12-bit)', 'wasm'),
    );
    const colours = run.colours as { value: number; rgb: Rgb }[];
    const drawn = (run.detections as { classIndex: number; score: number; min: number[]; max: number[] }[]).filter((d) => d.score >= run.minScore);
    expect(drawn.length).toBeGreaterThan(0);
    const viewer = await page.evaluate(() => ({
      is2D: (window as unknown as Demo).medinfer.viewer.is2D,
      plane: (window as unknown as Demo).medinfer.viewer.plane2D,
    }));
    expect(viewer).toEqual({ is2D: true, plane: 'coronal' }); // a frontal radiograph lies in the coronal plane
    await page.evaluate(() => (window as unknown as Demo).medinfer.viewer.nv.setCrosshairWidth(0));
    const shot = await canvasPixels();
    const labels = (await page.evaluate(() => (window as unknown as Demo).medinfer.shownLabels()))!;
    // The crosshair sits at the image centre (between voxels 127 and 128): points near its lines are skipped.
    const onCrosshair = (v: number[]) => Math.abs(v[0]! - 127.5) < 2 || Math.abs(v[1]! - 127.5) < 2;
    let edges = 0;
    for (const d of drawn) {
      const lo = d.min.map(Math.round);
      const hi = d.max.map(Math.round);
      const mid = [Math.round((lo[0]! + hi[0]!) / 2), Math.round((lo[1]! + hi[1]!) / 2), 0];
      // Edge midpoints not shared with another drawn box's outline.
      for (const edge of [
        [mid[0]!, lo[1]!, 0],
        [mid[0]!, hi[1]!, 0],
        [lo[0]!, mid[1]!, 0],
        [hi[0]!, mid[1]!, 0],
      ]) {
        const value = labels.data[edge[0]! + labels.size[0] * edge[1]!];
        if (value !== d.classIndex + 1 || onCrosshair(edge)) continue;
        const [x, y] = await project('boxes', edge, viewer.plane);
        expect(shot.around(x, y), `box edge voxel ${edge}`).toSatisfy((px: Rgb[]) => shows(px, colours[d.classIndex]!.rgb));
        edges++;
      }
      // Two voxels inside each edge: the image, no box colour.
      for (const inner of [
        [mid[0]!, lo[1]! + 2, 0],
        [mid[0]!, hi[1]! - 2, 0],
        [lo[0]! + 2, mid[1]!, 0],
        [hi[0]! - 2, mid[1]!, 0],
      ]) {
        if (labels.data[inner[0]! + labels.size[0] * inner[1]!] !== 0 || onCrosshair(inner)) continue;
        const [x, y] = await project('boxes', inner, viewer.plane);
        expect(shot.around(x, y), `inside box at ${inner}`).toSatisfy(noColour);
      }
    }
    expect(edges).toBeGreaterThanOrEqual(drawn.length * 2);
    // Radiological convention: column 0 (patient right, LPS x lowest) on the left of the screen.
    const left = await project('boxes', [0, 128, 0], viewer.plane);
    const right = await project('boxes', [255, 128, 0], viewer.plane);
    expect(left[0]).toBeLessThan(right[0]);
    // Row 0 of this radiograph is the top (superior, direction j = -z).
    const top = await project('boxes', [128, 0, 0], viewer.plane);
    expect(top[1]).toBeLessThan(left[1]);
  });

  it("the page links the bundle's third-party notices, NiiVue's BSD-2 licence among them", async () => {
    expect(await page.getAttribute('footer a', 'href')).toBe('THIRD-PARTY-NOTICES.txt');
    const res = await fetch(new URL('THIRD-PARTY-NOTICES.txt', server.url));
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^@niivue\/niivue@\d+\.\d+\.\d+ \(BSD-2-Clause\)\n\nBSD 2-Clause License\n\nCopyright \(c\) 2021, Niivue/m);
    expect(text).toMatch(/^onnxruntime-web@/m);
  });

  it('dropping a DICOM series folder shows it as the base layer with the geometry the Node reader gives', async () => {
    const dir = fileURLToPath(new URL('../fixtures/convert/mr-sagittal/', import.meta.url));
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.dcm'))
      .map((name) => ({ name, mimeType: 'application/dicom', buffer: readFileSync(join(dir, name)) }));
    await page.setInputFiles('#files', files);
    await page.waitForFunction(() => /^Loaded /.test(document.getElementById('status')?.textContent ?? ''));
    const base = (await page.evaluate(() => (window as unknown as Demo).medinfer.layer('input')))!;
    const node = await loadNodeVolume(dir);
    expect(base.size).toEqual(node.geometry.size);
    base.spacing.forEach((v, a) => expect(v).toBeCloseTo(node.geometry.spacing[a]!, 5));
    base.origin.forEach((v, a) => expect(v).toBeCloseTo(node.geometry.origin[a]!, 4));
    base.direction.forEach((v, a) => expect(v).toBeCloseTo(node.geometry.direction[a]!, 6));
    expect(await page.evaluate(() => (window as unknown as Demo).medinfer.viewer.layerList.length)).toBe(1);
  });

  it('dropped compressed DICOMs decode in the page (decoder chunks and .wasm loaded on first use) to the samples Node reads', async () => {
    for (const rel of [
      'generated/ct_jpeg_lossless_sv1.dcm',
      'MR_small_jpeg_ls_lossless.dcm',
      'generated/ct_jpeg2000_lossless.dcm',
      'generated/ct_htj2k_lossless.dcm',
      'generated/gray8_jpeg_baseline.dcm',
    ]) {
      const path = fileURLToPath(new URL(`../fixtures/dicom/${rel}`, import.meta.url));
      const name = rel.split('/').pop()!;
      await page.evaluate(() => {
        document.getElementById('status')!.textContent = '';
      });
      await page.setInputFiles('#files', [{ name, mimeType: 'application/dicom', buffer: readFileSync(path) }]);
      await page.waitForFunction(() => /^(Loaded|Error)/.test(document.getElementById('status')?.textContent ?? ''));
      expect(await page.textContent('#status'), name).toMatch(new RegExp(`^Loaded ${name}`));
      const base = (await page.evaluate(() => (window as unknown as Demo).medinfer.layer('input')))!;
      const node = await loadNodeVolume(path);
      expect(base.size, name).toEqual(node.geometry.size);
      // The same decoder builds run in Node and in the page: identical samples, lossy JPEG included.
      expect(base.data, name).toEqual(Array.from(node.data.subarray(0, base.data.length)));
    }
  });

  it('a MONOCHROME1 radiograph is shown inverted: higher stored values are darker on screen', async () => {
    const path = fileURLToPath(new URL('../fixtures/dicom/generated/cr_monochrome1_uint12.dcm', import.meta.url));
    await page.setInputFiles('#files', [{ name: 'cr_monochrome1_uint12.dcm', mimeType: 'application/dicom', buffer: readFileSync(path) }]);
    await page.waitForFunction(() => /^(Loaded|Error)/.test(document.getElementById('status')?.textContent ?? ''));
    expect(await page.textContent('#status')).toMatch(/^Loaded cr_monochrome1/);
    const base = (await page.evaluate(() => (window as unknown as Demo).medinfer.layer('input')))!;
    const plane = await page.evaluate(() => (window as unknown as Demo).medinfer.viewer.plane2D);
    await page.evaluate(() => (window as unknown as Demo).medinfer.viewer.nv.setCrosshairWidth(0));
    const shot = await canvasPixels();
    const [ni, nj] = base.size as [number, number];
    const stored: number[] = [];
    const shown: number[] = [];
    for (let j = 1; j < nj - 1; j += Math.max(1, Math.floor(nj / 12)))
      for (let i = 1; i < ni - 1; i += Math.max(1, Math.floor(ni / 12))) {
        if (Math.abs(i - (ni - 1) / 2) < 2 || Math.abs(j - (nj - 1) / 2) < 2) continue; // crosshair lines
        const [x, y] = await project('input', [i, j, 0], plane);
        stored.push(base.data[i + ni * j]!);
        shown.push(shot.at(x, y)[0]);
      }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const [ms, mv] = [mean(stored), mean(shown)];
    const cov = stored.reduce((acc, s, n) => acc + (s - ms) * (shown[n]! - mv), 0);
    const r = cov / Math.sqrt(stored.reduce((a, s) => a + (s - ms) ** 2, 0) * shown.reduce((a, v) => a + (v - mv) ** 2, 0));
    expect(stored.length).toBeGreaterThan(50);
    expect(r).toBeLessThan(-0.8);
  });

  it('3D detection: each drawn box shows its outline in axial, coronal and sagittal slices through it', async () => {
    const run = await page.evaluate(() => (window as unknown as Demo).medinfer.runSample('medinfer-nodule-det3d-phantom', 'chest CT (NIfTI, HU)', 'wasm'));
    const colours = run.colours as { value: number; rgb: Rgb }[];
    const drawn = (run.detections as { classIndex: number; score: number; min: number[]; max: number[] }[]).filter((d) => d.score >= run.minScore);
    expect(drawn.length).toBeGreaterThan(0);
    const labels = (await page.evaluate(() => (window as unknown as Demo).medinfer.shownLabels()))!;
    const [ni, nj] = labels.size;
    await page.evaluate(() => (window as unknown as Demo).medinfer.viewer.nv.setCrosshairWidth(0));
    let checked = 0;
    for (const d of drawn) {
      const lo = d.min.map(Math.round);
      const hi = d.max.map(Math.round);
      if (hi.some((h, a) => h - lo[a]! < 4)) continue; // too small for an inside two voxels from every face
      const mid = lo.map((l, a) => Math.round((l + hi[a]!) / 2));
      await page.evaluate(([m]) => (window as unknown as Demo).medinfer.viewer.centreOn('boxes', m as number[]), [mid] as const);
      const shot = await canvasPixels();
      for (const plane of ['axial', 'coronal', 'sagittal'] as const) {
        const fixedAxis = plane === 'axial' ? 2 : plane === 'coronal' ? 1 : 0;
        const ua = fixedAxis === 0 ? 1 : 0; // an in-plane axis: walk from the box's face to its centre along it
        const edge = [...mid];
        edge[ua] = lo[ua]!;
        const other = [0, 1, 2].find((a) => a !== fixedAxis && a !== ua)!;
        edge[other] = mid[other]! + 1; // off the crosshair line through the centre
        if (labels.data[edge[0]! + ni * (edge[1]! + nj * edge[2]!)] !== d.classIndex + 1) continue; // another box's outline over it
        const [x, y] = await project('boxes', edge, plane);
        expect(shot.around(x, y), `3D box outline at ${edge} (${plane})`).toSatisfy((px: Rgb[]) => shows(px, colours[d.classIndex]!.rgb));
        const inner = [...edge];
        inner[ua] = lo[ua]! + 2;
        if (labels.data[inner[0]! + ni * (inner[1]! + nj * inner[2]!)] === 0) {
          const [ix, iy] = await project('boxes', inner, plane);
          expect(shot.around(ix, iy), `inside the 3D box at ${inner} (${plane})`).toSatisfy(noColour);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('registration: the Jacobian layer is red where the field expands, blue where it compresses, clear where volume is kept; layers switch', async () => {
    const run = await page.evaluate(() =>
      (window as unknown as Demo).medinfer.runSample('medinfer-lung-voxelmorph-phantom', 'lung CT exhale / inhale pair', 'wasm'),
    );
    expect(run.foldingPercent).toBeGreaterThanOrEqual(0);
    const ids = await page.evaluate(() => (window as unknown as Demo).medinfer.viewer.layerList.map((l) => l.id));
    expect(ids).toEqual(['input', 'moving', 'warped', 'jacobian']);
    const fixed = (await page.evaluate(() => (window as unknown as Demo).medinfer.layer('input')))!;
    const jac = (await page.evaluate(() => (window as unknown as Demo).medinfer.layer('jacobian')))!;
    expect(jac.size).toEqual(fixed.size); // the field lives on the fixed grid
    // Only the fixed image and the Jacobian, fully opaque.
    await setOpacity('warped', 1, false);
    await setOpacity('moving', 1, false);
    await setOpacity('jacobian', 1, true);
    await page.evaluate(() => (window as unknown as Demo).medinfer.viewer.nv.setCrosshairWidth(0));
    const [ni, nj, nk] = jac.size as [number, number, number];
    const J = (i: number, j: number, k: number) => jac.data[i + ni * (j + nj * k)]!;
    // Voxels whose 3x3 in-plane neighbourhood is uniformly expanded / compressed / kept.
    const uniform = (i: number, j: number, k: number, test: (v: number) => boolean) => {
      for (let b = -1; b <= 1; b++) for (let a = -1; a <= 1; a++) if (!test(J(i + a, j + b, k))) return false;
      return true;
    };
    const found: Record<string, number[] | undefined> = {};
    const kinds = { expand: (v: number) => v > 1.35, compress: (v: number) => v < 0.65 && v > 0, kept: (v: number) => Math.abs(v - 1) < 0.01 };
    for (let k = 2; k < nk - 2; k += 3)
      for (let j = 2; j < nj - 2; j += 2)
        for (let i = 2; i < ni - 2; i += 2) {
          for (const [name, test] of Object.entries(kinds)) if (!found[name] && uniform(i, j, k, test)) found[name] = [i, j, k];
        }
    let checked = 0;
    for (const [name, voxel] of Object.entries(found)) {
      if (!voxel) continue;
      await page.evaluate(([v]) => (window as unknown as Demo).medinfer.viewer.centreOn('jacobian', v as number[]), [voxel] as const);
      const [x, y] = await project('jacobian', [voxel[0]! + 1, voxel[1]! + 1, voxel[2]!], 'axial');
      const px = (await canvasPixels()).around(x, y);
      const check = name === 'expand' ? (p: Rgb) => p[0] > p[2] + 60 : name === 'compress' ? (p: Rgb) => p[2] > p[0] + 60 : (p: Rgb) => isGrey(p);
      expect(px, `${name} (J ${J(voxel[0]!, voxel[1]!, voxel[2]!).toFixed(2)}) at ${voxel}`).toSatisfy((all: Rgb[]) => all.every(check));
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(2);
    // Switched off, the Jacobian leaves no colour at the expanded / compressed voxel.
    const coloured = found.expand ?? found.compress;
    if (coloured) {
      await setOpacity('jacobian', 1, false);
      const [x, y] = await project('jacobian', [coloured[0]! + 1, coloured[1]! + 1, coloured[2]!], 'axial');
      expect((await canvasPixels()).around(x, y)).toSatisfy(noColour);
    }
  });
});
