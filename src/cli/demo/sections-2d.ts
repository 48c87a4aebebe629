/** Demo sections for radiographs and reports: classification (+ occlusion map) and report text. */
import { caseSeed } from '../../phantoms/prng.js';
import { generateChestRadiograph } from '../../phantoms/chest-radiograph.js';
import { generateReportText } from '../../phantoms/report-text.js';
import { computeRocAuc } from '../../postprocess/metrics/roc-auc.js';
import { computeMentionF1, type MentionCode } from '../../postprocess/metrics/mention-f1.js';
import { escapeHtml, stated, statedMetric, type DemoContext, type DemoSection } from './context.js';
import { drawBox, renderSlice } from '../batch/render-overlay.js';
import { sliceWithHeat } from './picture.js';
import { bundledModelSection } from './model-section.js';

export async function demoClassification(ctx: DemoContext): Promise<DemoSection> {
  return bundledModelSection(ctx, { task: 'classification', title: 'Chest radiograph classification' }, async (pipe, entry) => {
    const count = ctx.quick ? 16 : 48;
    const cases = Array.from({ length: count }, (_, i) => generateChestRadiograph({ seed: caseSeed(9100, i) }));
    ctx.log(`classification: ${entry.id} on ${count} held-out phantom radiographs`);
    const results = await pipe.runBatch(cases.map((c) => c.image));
    const metrics: DemoSection['metrics'] = [];
    const aucs: number[] = [];
    for (const [l, label] of results[0]!.labels.entries()) {
      const truth = cases.map((c) => (c.truth.labels as Record<string, number>)[label.name] ?? 0);
      if (truth.every((t) => t === truth[0])) continue;
      const auc = computeRocAuc(
        truth,
        results.map((r) => r.labels[l]!.score),
      );
      aucs.push(auc);
      metrics.push({ name: `AUC ${label.name}`, value: auc });
    }
    const mean = aucs.reduce((a, b) => a + b, 0) / Math.max(1, aucs.length);
    metrics.unshift({
      name: 'mean AUC',
      value: mean,
      ...stated(entry, 'meanAuc'),
      note: `${count} phantoms, seed 9100`,
    });
    const example = cases[0]!;
    const top = results[0]!.labels.reduce((a, b) => (b.score > a.score ? b : a));
    const explained = await pipe.run(example.image, { explain: { labels: [top.name], batch: 16 } });
    const images = [
      {
        src: await ctx.writeImage('cxr-0', renderSlice(example.image, 0)),
        caption: `phantom radiograph; truth: ${
          Object.entries(example.truth.labels)
            .filter(([, v]) => v)
            .map(([k]) => k)
            .join(', ') || 'normal'
        }`,
      },
      {
        src: await ctx.writeImage('cxr-0-occlusion', sliceWithHeat(example.image, explained.explanation!.volume.data)),
        caption: `occlusion sensitivity for '${top.name}' (score ${top.score.toFixed(2)})`,
      },
    ];
    const rows = results[0]!.labels
      .map(
        (l) =>
          `<tr${l.positive ? ' class="pos"' : ''}><td>${escapeHtml(l.name)}</td><td>${l.score.toFixed(3)}</td><td>${l.positive ? 'positive' : ''}</td></tr>`,
      )
      .join('');
    return {
      title: 'Chest radiograph classification',
      metrics,
      images,
      html: `<table><tr><th>label</th><th>score</th><th></th></tr>${rows}</table>`,
    };
  });
}

export async function demoReportText(ctx: DemoContext): Promise<DemoSection> {
  return bundledModelSection(ctx, { task: 'report-text', title: 'Report labelling' }, async (pipe, entry) => {
    const count = ctx.quick ? 100 : 300;
    const reports = Array.from({ length: count }, (_, i) => generateReportText({ seed: caseSeed(9500, i) }));
    ctx.log(`report-text: ${entry.id} on ${count} held-out phantom reports`);
    const results = await pipe.runBatch(reports.map((r) => r.text));
    const code: Record<string, MentionCode> = { positive: 1, negative: 0, uncertain: -1 };
    const predicted = results.map((r) => r.observations.map((o) => code[o.status] ?? null));
    const f1 = computeMentionF1(
      reports.map((r) => r.labels),
      predicted,
      entry.labels.length,
    ).macroF1;
    const examples = results
      .slice(0, 3)
      .map((r, i) => {
        const found = r.observations
          .filter((o) => o.status !== 'not mentioned')
          .map((o) => `${escapeHtml(o.name)}: <b>${o.status}</b>`)
          .join(', ');
        return `<tr><td>${escapeHtml(reports[i]!.text)}</td><td>${found || 'nothing mentioned'}</td></tr>`;
      })
      .join('');
    return {
      title: 'Report labelling (14 CheXpert observations)',
      metrics: [
        {
          name: 'macro-F1',
          value: f1,
          ...stated(entry, 'macroF1'),
          note: `${count} phantom reports, seed 9500`,
        },
      ],
      images: [],
      html: `<table><tr><th>report</th><th>predicted</th></tr>${examples}</table>`,
    };
  });
}

function iou(a: readonly number[], b: readonly number[]): number {
  const w = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!));
  const h = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
  const inter = w * h;
  const union = (a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter;
  return union > 0 ? inter / union : 0;
}

/** 2D detection on phantom radiographs: recall and precision of boxes at IoU >= 0.5, same class. */
export async function demoDetection2d(ctx: DemoContext): Promise<DemoSection> {
  return bundledModelSection(
    ctx,
    { task: 'detection', title: 'Finding detection (radiograph)', dimensionality: 2, model: '2D detection' },
    async (pipe, entry) => {
      const count = ctx.quick ? 12 : 32;
      ctx.log(`detection (2D): ${entry.id} on ${count} held-out phantom radiographs`);
      let truthBoxes = 0;
      let found = 0;
      let predicted = 0;
      let correct = 0;
      let picture: DemoSection['images'][number] | undefined;
      for (let i = 0; i < count; i++) {
        const c = generateChestRadiograph({ seed: caseSeed(9600, i) });
        const r = await pipe.run(c.image);
        const boxes = r.detections.map((d) => ({ label: d.label, box: [d.box.index.min[0], d.box.index.min[1], d.box.index.max[0], d.box.index.max[1]] }));
        truthBoxes += c.truth.boxes.length;
        predicted += boxes.length;
        found += c.truth.boxes.filter((t) => boxes.some((b) => b.label === t.label && iou(b.box, t.box) >= 0.5)).length;
        correct += boxes.filter((b) => c.truth.boxes.some((t) => b.label === t.label && iou(b.box, t.box) >= 0.5)).length;
        if (!picture && c.truth.boxes.length > 0) {
          const rgb = renderSlice(c.image, 0);
          for (const t of c.truth.boxes) drawBox(rgb, t.box[0], t.box[1], t.box[2], t.box[3], [60, 220, 60]);
          for (const b of boxes) drawBox(rgb, b.box[0]!, b.box[1]!, b.box[2]!, b.box[3]!, [255, 50, 50]);
          picture = {
            src: await ctx.writeImage('cxr-detections', rgb),
            caption: `truth boxes green, detections red: ${boxes.map((b) => b.label).join(', ') || 'none'}`,
          };
        }
      }
      return {
        title: 'Finding detection on radiographs (YOLO-style, letterbox)',
        metrics: [
          { name: 'recall (IoU >= 0.5, same class)', value: found / Math.max(1, truthBoxes), note: `${truthBoxes} boxes in ${count} phantoms, seed 9600` },
          { name: 'precision (IoU >= 0.5, same class)', value: correct / Math.max(1, predicted) },
          ...(statedMetric(entry, 'mAP50') !== undefined
            ? [{ name: 'mAP50 (manifest)', value: statedMetric(entry, 'mAP50')!, note: 'as measured by the training script' }]
            : []),
        ],
        images: picture ? [picture] : [],
      };
    },
  );
}
