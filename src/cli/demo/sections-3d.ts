/** Demo sections for volumes: brain tumour segmentation, lung nodule detection, lung CT registration. */
import { worldToIndex } from '../../core/geometry.js';
import { caseSeed } from '../../phantoms/prng.js';
import { generateBrainMri } from '../../phantoms/brain-mri.js';
import { generateChestCt } from '../../phantoms/chest-ct.js';
import { generateLungCtPair } from '../../phantoms/lung-ct-pair.js';
import { computeDice } from '../../postprocess/metrics/dice.js';
import { computeFroc } from '../../postprocess/metrics/froc.js';
import { stated, type DemoContext, type DemoSection } from './context.js';
import { drawBox, renderSlice } from '../batch/render-overlay.js';
import { bundledModelSection } from './model-section.js';
import { coronalPlane, drawDeformedGrid, sliceWithLabels, upscale } from './picture.js';

function region(labels: ArrayLike<number>, members: readonly number[]): Uint8Array {
  const out = new Uint8Array(labels.length);
  for (let v = 0; v < labels.length; v++) out[v] = members.includes(labels[v]!) ? 1 : 0;
  return out;
}

export async function demoSegmentation(ctx: DemoContext): Promise<DemoSection> {
  return bundledModelSection(ctx, { task: 'segmentation', title: 'Brain tumour segmentation' }, async (pipe, entry) => {
    const mri = generateBrainMri({ seed: caseSeed(9200, 0) });
    ctx.log(`segmentation: ${entry.id} on a held-out brain MRI phantom`);
    const names = entry.inputs?.map((i) => i.name) ?? ['t1'];
    const inputs = Object.fromEntries(names.map((n) => [n, mri.images[n as keyof typeof mri.images] ?? mri.images.t1ce]));
    const r = await pipe.run(names.length > 1 ? inputs : inputs[names[0]!]!);
    const regions: [string, number[]][] = [
      ['whole tumour', [1, 2, 4]],
      ['tumour core', [1, 4]],
      ['enhancing tumour', [4]],
    ];
    const metrics = regions.map(([name, members]) => {
      const d = computeDice(region(r.labels.data, members), region(mri.labels.data, members), { labels: [1] })[0]!;
      const key = name === 'whole tumour' ? 'diceWholeTumour' : name === 'enhancing tumour' ? 'diceEnhancing' : 'diceTumourCore';
      return { name: `Dice ${name}`, value: d.dice, ...stated(entry, key) };
    });
    const k = mri.tumour ? Math.round(worldToIndex(mri.images.t1.geometry, mri.tumour.centerMm)[2]) : Math.floor(mri.labels.geometry.size[2] / 2);
    const base = mri.images.flair;
    const images = [
      {
        src: await ctx.writeImage('brain-truth', upscale(sliceWithLabels(base, mri.labels, k), 3)),
        caption: `FLAIR slice ${k} with the phantom's truth (red necrotic core, green edema, yellow enhancing)`,
      },
      { src: await ctx.writeImage('brain-prediction', upscale(sliceWithLabels(base, r.labels, k), 3)), caption: 'model prediction on the same slice' },
    ];
    const volumes = Object.entries(r.volumesMl)
      .map(([n, ml]) => `<tr><td>${n}</td><td>${ml.toFixed(2)} ml</td></tr>`)
      .join('');
    return {
      title: 'Brain tumour segmentation (BraTS labels)',
      metrics,
      images,
      html: `<table><tr><th>label</th><th>volume</th></tr>${volumes}</table>`,
    };
  });
}

export async function demoDetection(ctx: DemoContext): Promise<DemoSection> {
  return bundledModelSection(ctx, { task: 'detection', title: 'Lung nodule detection (CT)', dimensionality: 3, model: '3D detection' }, async (pipe, entry) => {
    const scans = ctx.quick ? 2 : 4;
    ctx.log(`detection: ${entry.id} on ${scans} held-out chest CT phantoms`);
    const annotations = [];
    const candidates = [];
    let picture: DemoSection['images'][number] | undefined;
    for (let s = 0; s < scans; s++) {
      const ct = generateChestCt({ seed: caseSeed(9300, s) });
      const id = `demo.${s}`;
      const r = await pipe.run(ct.image, { seriesuid: id });
      annotations.push(...ct.nodules.map((n) => ({ scan: id, x: n.centerMm[0], y: n.centerMm[1], z: n.centerMm[2], diameterMm: n.diameterMm })));
      candidates.push(...(r.luna16 ?? []).map((c) => ({ scan: id, x: c.coordX, y: c.coordY, z: c.coordZ, probability: c.probability })));
      const nodule = ct.nodules[0];
      if (!picture && nodule) {
        const k = Math.round(worldToIndex(ct.image.geometry, nodule.centerMm)[2]);
        const rgb = renderSlice(ct.image, k, [-1000, 400]);
        for (const d of r.detections)
          if (d.box.index.min[2] <= k + 0.5 && d.box.index.max[2] >= k - 0.5)
            drawBox(rgb, d.box.index.min[0], d.box.index.min[1], d.box.index.max[0], d.box.index.max[1], [255, 50, 50]);
        picture = {
          src: await ctx.writeImage('ct-nodule', upscale(rgb, 2)),
          caption: `axial slice ${k} through a ${nodule.diameterMm.toFixed(1)} mm phantom nodule, detections drawn in red`,
        };
      }
    }
    const froc = computeFroc({ scans: Array.from({ length: scans }, (_, s) => `demo.${s}`), annotations, candidates });
    return {
      title: 'Lung nodule detection (CT, LUNA16 protocol)',
      metrics: [
        {
          name: 'CPM',
          value: froc.cpm,
          ...stated(entry, 'cpm'),
          note: `${scans} scans, ${froc.totalNodules} nodules`,
        },
        { name: 'sensitivity at 1 FP/scan', value: froc.sensitivities[3] ?? NaN },
      ],
      images: picture ? [picture] : [],
    };
  });
}

export async function demoRegistration(ctx: DemoContext): Promise<DemoSection> {
  return bundledModelSection(ctx, { task: 'registration', title: 'Lung CT registration' }, async (pipe, entry) => {
    const pair = generateLungCtPair({ seed: caseSeed(9400, 0) });
    ctx.log(`registration: ${entry.id} on a held-out inhale/exhale phantom pair`);
    const r = await pipe.run({
      fixed: pair.exhale,
      moving: pair.inhale,
      landmarks: { fixed: pair.landmarksExhale.flat(), moving: pair.landmarksInhale.flat() },
    });
    const j = Math.floor(pair.exhale.geometry.size[1] / 2);
    const win = [-1000, 300] as const;
    const field = r.displacement;
    const [ni, nj, nk] = field.geometry.size;
    const sp = field.geometry.spacing;
    const grid = drawDeformedGrid(renderSlice(coronalPlane(r.warped, j), 0, win), (i, row) => {
      const k = nk - 1 - row;
      const v = 3 * (i + ni * (j + nj * k));
      return [field.data[v]! / sp[0], -field.data[v + 2]! / sp[2]];
    });
    const images = [
      { src: await ctx.writeImage('lung-fixed', upscale(renderSlice(coronalPlane(pair.exhale, j), 0, win), 3)), caption: 'fixed (exhale), coronal' },
      { src: await ctx.writeImage('lung-moving', upscale(renderSlice(coronalPlane(pair.inhale, j), 0, win), 3)), caption: 'moving (inhale), coronal' },
      { src: await ctx.writeImage('lung-warped', upscale(grid, 3)), caption: 'moving warped onto fixed, with the deformed grid' },
    ];
    return {
      title: 'Lung CT deformable registration (DIR-Lab style)',
      metrics: [
        {
          name: 'mean TRE (mm)',
          value: r.tre!.meanMm,
          ...stated(entry, 'meanTreMm'),
          note: `${r.tre!.count} landmarks`,
        },
        { name: 'identity TRE (mm)', value: r.tre!.identityMeanMm },
        { name: 'folding (% voxels, det J <= 0)', value: r.foldingPercent },
      ],
      images,
    };
  });
}
