/**
 * Demo section for the brainchop MeshNet models (real pretrained weights, MIT) on the real T1 that
 * ships as sample data (models/brainchop/sample/t1_crop.nii.gz, 256^3 1 mm LIA uint8): pictures of
 * the T1 with each model's labels in the manifest colours (and the masked brain for skull
 * stripping), and the agreement with brainchop's own label maps where the repository's reference
 * fixtures are present (test/fixtures/brainchop/, made by scripts/reference/brainchop/; they do
 * not ship in the package, so an installed package reports the pictures without that figure).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createVolume, type Volume } from '../../core/volume.js';
import type { ModelEntry } from '../../manifest/types.js';
import { computeDice } from '../../postprocess/metrics/dice.js';
import { createPipeline } from '../../pipelines/node-context.js';
import { readImageFile } from '../../io/node-read-image.js';
import { blendLabels, renderSlice, type RgbImage } from '../batch/render-overlay.js';
import { escapeHtml, skippedSection, type DemoContext, type DemoSection } from './context.js';

/** src/cli/demo and dist/cli/demo are both three levels below the package root. */
const fromRoot = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
export const BRAINCHOP_T1_PATH = 'models/brainchop/sample/t1_crop.nii.gz';

/**
 * Entry id -> brainchop's model folder (the reference fixture's name). Quick runs take the first
 * two (about 10-15 s each on 2 cores; mindgrab's wider network takes minutes there).
 */
const MODELS: readonly [string, string][] = [
  ['brainchop-tissue-gwm-light', 'model5_gw_ae'],
  ['brainchop-brain-mask', 'model11_gw_ae'],
  ['brainchop-mindgrab', 'mindgrab'],
  ['brainchop-subcortical-gwm', 'model18cls'],
  ['brainchop-aparc-aseg-50', 'model30chan50cls'],
];

function colourOf(entry: ModelEntry): (label: number) => readonly [number, number, number] {
  const table = new Map<number, readonly [number, number, number]>();
  entry.labels.forEach((l, i) => {
    if (typeof l === 'string' || !l.color) return;
    const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(l.color);
    if (m) table.set(l.value ?? i, [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)]);
  });
  return (label) => table.get(label) ?? [255, 200, 0];
}

/**
 * Slice k of the T1 (the sample is LIA: i -> left, j -> inferior, k -> anterior, so a k-slice is
 * coronal with the head up and the subject's left on the right of the picture, as radiologists
 * read it) with labels on top.
 */
function picture(base: Volume, labels: Volume | undefined, k: number, colour: (l: number) => readonly [number, number, number]): RgbImage {
  const img = renderSlice(base, k);
  if (labels) blendLabels(img, labels.data, k * img.width * img.height, colour);
  return img;
}

function maskWith(image: Volume, mask: Volume): Volume {
  const data = new Float32Array(mask.data.length);
  for (let p = 0; p < data.length; p++) data[p] = mask.data[p] ? image.data[p]! : 0;
  return createVolume({ geometry: image.geometry, data, meta: image.meta });
}

export async function demoBrainchop(ctx: DemoContext): Promise<DemoSection> {
  const started = Date.now();
  const title = 'Brain MRI: brainchop MeshNet models on a real T1';
  const t1Path = fromRoot(BRAINCHOP_T1_PATH);
  const available = MODELS.filter(([id]) => ctx.manifest.models[id]);
  if (!existsSync(t1Path) || !available.length)
    return skippedSection('segmentation', title, `no brainchop entries or no sample T1 (${BRAINCHOP_T1_PATH}) in this installation`);
  const t1 = await readImageFile(t1Path);
  const k = Math.floor(t1.geometry.size[2] / 2);
  const metrics: DemoSection['metrics'] = [];
  const images: DemoSection['images'] = [
    {
      src: await ctx.writeImage(
        'brainchop-t1',
        picture(t1, undefined, k, () => [0, 0, 0]),
      ),
      caption: `the sample T1 (brainchop's demo input, MIT), coronal slice ${k}`,
    },
  ];
  const rows: string[] = [];
  let provider = String(ctx.provider);
  for (const [id, upstream] of ctx.quick ? available.slice(0, 2) : available) {
    const entry = ctx.manifest.models[id]!;
    ctx.log(`brainchop: ${id} on the sample T1`);
    const modelStarted = Date.now();
    const pipe = await createPipeline('segmentation', entry, { manifest: ctx.manifest, provider: ctx.provider });
    const r = await pipe.run(t1);
    await pipe.dispose();
    provider = pipe.provider.used;
    const seconds = (Date.now() - modelStarted) / 1000;
    const colour = colourOf(entry);
    images.push({
      src: await ctx.writeImage(`${id}`, picture(t1, r.labels, k, colour)),
      caption: `${entry.title}: labels in the manifest's colours, same slice`,
    });
    // The masked brain for mask / skull-stripping entries: the SDK's `masked` (maskInput), else
    // the T1 times the binarised labels (same grid: labels come back on the input's).
    const masked = r.masked ?? (entry.postprocess.some((s) => s.op === 'binarize') ? maskWith(t1, r.labels) : undefined);
    if (masked)
      images.push({
        src: await ctx.writeImage(`${id}-masked`, picture(masked, undefined, k, colour)),
        caption: `${entry.title}: the masked brain (input outside the mask set to 0)`,
      });
    const referencePath = fromRoot(`test/fixtures/brainchop/${upstream}.labels.nii.gz`);
    let agreement = 'reference maps not installed';
    if (existsSync(referencePath)) {
      const reference = await readImageFile(referencePath);
      let same = 0;
      for (let p = 0; p < reference.data.length; p++) if (reference.data[p] === r.labels.data[p]) same++;
      const equal = same / reference.data.length;
      const present = computeDice(r.labels.data, reference.data).filter((d) => d.label !== 0 && !d.bothEmpty);
      const minDice = Math.min(...present.map((d) => d.dice));
      metrics.push({ name: `${id}: voxels equal to brainchop's labels`, value: equal, note: `min Dice over ${present.length} labels ${minDice.toFixed(4)}` });
      agreement = `${(100 * equal).toFixed(3)} % voxels equal, min Dice ${minDice.toFixed(4)}`;
    }
    const largest = Object.entries(r.volumesMl)
      .filter(([n]) => n !== 'background')
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([n, ml]) => `${n} ${ml.toFixed(0)} ml`)
      .join(', ');
    rows.push(`<tr><td>${escapeHtml(id)}</td><td>${escapeHtml(largest)}</td><td>${escapeHtml(agreement)}</td><td>${seconds.toFixed(1)} s</td></tr>`);
  }
  const html =
    `<table><tr><th>model</th><th>largest structures</th><th>agreement with brainchop's own pipeline</th><th>time</th></tr>${rows.join('')}</table>` +
    '<p>Research models, not a medical device: trained on adult T1-weighted brain MRI; see the README for failure cases.</p>';
  return {
    task: 'segmentation',
    title,
    modelId: available[0]![0],
    intendedUse: ctx.manifest.models[available[0]![0]]!.intendedUse,
    provider,
    metrics,
    images,
    html,
    seconds: (Date.now() - started) / 1000,
  };
}
