/** Demo sections for radiographs and reports: classification (+ occlusion map) and report text. */
import { caseSeed } from '../../phantoms/prng.js';
import { generateChestRadiograph } from '../../phantoms/chest-radiograph.js';
import { generateReportText } from '../../phantoms/report-text.js';
import { computeRocAuc } from '../../postprocess/metrics/roc-auc.js';
import { createPipeline } from '../../pipelines/node-context.js';
import { escapeHtml, findBundledModel, statedMetric, type DemoContext, type DemoSection } from './context.js';
import { overlayHeat, sliceToRgb } from './picture.js';

export async function demoClassification(ctx: DemoContext): Promise<DemoSection> {
  const started = Date.now();
  const entry = findBundledModel(ctx.manifest, 'classification');
  if (!entry) return { task: 'classification', title: 'Chest radiograph classification', metrics: [], images: [], seconds: 0, skipped: 'no bundled classification model in this manifest' };
  const pipe = await createPipeline('classification', entry, { manifest: ctx.manifest, provider: ctx.provider });
  const count = ctx.quick ? 16 : 48;
  const cases = Array.from({ length: count }, (_, i) => generateChestRadiograph({ seed: caseSeed(9100, i) }));
  ctx.log(`classification: ${entry.id} on ${count} held-out phantom radiographs`);
  const results = await pipe.runBatch(cases.map((c) => c.image));
  const metrics: DemoSection['metrics'] = [];
  const aucs: number[] = [];
  for (const [l, label] of results[0]!.labels.entries()) {
    const truth = cases.map((c) => (c.truth.labels as Record<string, number>)[label.name] ?? 0);
    if (truth.every((t) => t === truth[0])) continue;
    const auc = computeRocAuc(truth, results.map((r) => r.labels[l]!.score));
    aucs.push(auc);
    metrics.push({ name: `AUC ${label.name}`, value: auc });
  }
  const mean = aucs.reduce((a, b) => a + b, 0) / Math.max(1, aucs.length);
  metrics.unshift({ name: 'mean AUC', value: mean, ...(statedMetric(entry, 'meanAuc') !== undefined ? { stated: statedMetric(entry, 'meanAuc')! } : {}), note: `${count} phantoms, seed 9100` });
  const example = cases[0]!;
  const top = results[0]!.labels.reduce((a, b) => (b.score > a.score ? b : a));
  const explained = await pipe.run(example.image, { explain: { labels: [top.name], batch: 16 } });
  const images = [
    { src: await ctx.writeImage('cxr-0', sliceToRgb(example.image, 0)), caption: `phantom radiograph; truth: ${Object.entries(example.truth.labels).filter(([, v]) => v).map(([k]) => k).join(', ') || 'normal'}` },
    { src: await ctx.writeImage('cxr-0-occlusion', overlayHeat(sliceToRgb(example.image, 0), explained.explanation!.volume.data)), caption: `occlusion sensitivity for '${top.name}' (score ${top.score.toFixed(2)})` },
  ];
  const rows = results[0]!.labels.map((l) => `<tr${l.positive ? ' class="pos"' : ''}><td>${escapeHtml(l.name)}</td><td>${l.score.toFixed(3)}</td><td>${l.positive ? 'positive' : ''}</td></tr>`).join('');
  await pipe.dispose();
  return { task: 'classification', title: 'Chest radiograph classification', modelId: entry.id, intendedUse: entry.intendedUse, provider: pipe.provider.used, metrics, images, html: `<table><tr><th>label</th><th>score</th><th></th></tr>${rows}</table>`, seconds: (Date.now() - started) / 1000 };
}

export async function demoReportText(ctx: DemoContext): Promise<DemoSection> {
  const started = Date.now();
  const entry = findBundledModel(ctx.manifest, 'report-text');
  if (!entry) return { task: 'report-text', title: 'Report labelling', metrics: [], images: [], seconds: 0, skipped: 'no bundled report-text model in this manifest' };
  const pipe = await createPipeline('report-text', entry, { manifest: ctx.manifest, provider: ctx.provider });
  const count = ctx.quick ? 100 : 300;
  const reports = Array.from({ length: count }, (_, i) => generateReportText({ seed: caseSeed(9500, i) }));
  ctx.log(`report-text: ${entry.id} on ${count} held-out phantom reports`);
  const results = await pipe.runBatch(reports.map((r) => r.text));
  const code: Record<string, number> = { positive: 1, negative: 0, uncertain: -1 };
  const f1s: number[] = [];
  entry.labels.forEach((_, o) => {
    for (const c of [1, 0, -1]) {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      reports.forEach((r, i) => {
        const t = r.labels[o] === c;
        const p = code[results[i]!.observations[o]!.status] === c;
        if (t && p) tp++;
        else if (p) fp++;
        else if (t) fn++;
      });
      if (tp + fn > 0) f1s.push((2 * tp) / (2 * tp + fp + fn));
    }
  });
  const f1 = f1s.reduce((a, b) => a + b, 0) / f1s.length;
  const examples = results.slice(0, 3).map((r, i) => {
    const found = r.observations.filter((o) => o.status !== 'not mentioned').map((o) => `${escapeHtml(o.name)}: <b>${o.status}</b>`).join(', ');
    return `<tr><td>${escapeHtml(reports[i]!.text)}</td><td>${found || 'nothing mentioned'}</td></tr>`;
  }).join('');
  await pipe.dispose();
  return {
    task: 'report-text', title: 'Report labelling (14 CheXpert observations)', modelId: entry.id, intendedUse: entry.intendedUse, provider: pipe.provider.used,
    metrics: [{ name: 'macro-F1', value: f1, ...(statedMetric(entry, 'macroF1') !== undefined ? { stated: statedMetric(entry, 'macroF1')! } : {}), note: `${count} phantom reports, seed 9500` }],
    images: [], html: `<table><tr><th>report</th><th>predicted</th></tr>${examples}</table>`, seconds: (Date.now() - started) / 1000,
  };
}
