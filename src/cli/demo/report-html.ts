/** The demo's report.html: one section per task with pictures, measured metrics and provenance. */
import { SDK_VERSION } from '../../version.js';
import { escapeHtml, type DemoSection } from './context.js';

function formatValue(v: number): string {
  return Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3)) : 'n/a';
}

function section(s: DemoSection): string {
  if (s.skipped) return `<section><h2>${escapeHtml(s.title)}</h2><p class="skipped">Skipped: ${escapeHtml(s.skipped)}.</p></section>`;
  const metrics = s.metrics
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.name)}</td><td>${formatValue(m.value)}</td>` +
        `<td>${m.stated === undefined ? '' : formatValue(m.stated)}</td><td>${escapeHtml(m.note ?? '')}</td></tr>`,
    )
    .join('');
  const images = s.images
    .map((i) => `<figure><img src="${escapeHtml(i.src)}" alt="${escapeHtml(i.caption)}"><figcaption>${escapeHtml(i.caption)}</figcaption></figure>`)
    .join('');
  return `<section>
<h2>${escapeHtml(s.title)}</h2>
<p class="meta">model <code>${escapeHtml(s.modelId ?? '')}</code> on <b>${escapeHtml(s.provider ?? '')}</b>,
${s.seconds.toFixed(1)} s. ${escapeHtml(s.intendedUse ?? '')}</p>
<table><tr><th>metric (measured now)</th><th>value</th><th>manifest states</th><th>data</th></tr>${metrics}</table>
<div class="figures">${images}</div>
${s.html ?? ''}
</section>`;
}

export function renderDemoReport(sections: readonly DemoSection[], info: { started: Date; seconds: number; provider: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>medinfer demo report</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 70rem; margin: 1.5rem auto; padding: 0 1rem; color: #222; }
h1 { margin-bottom: 0.2rem; } section { border-top: 1px solid #ccc; margin-top: 1.5rem; padding-top: 0.5rem; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; } td, th { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; }
tr.pos td { font-weight: 600; color: #a40; } .figures { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0; max-width: 24rem; } img { max-width: 100%; image-rendering: pixelated; border: 1px solid #999; }
figcaption { font-size: 0.8rem; color: #555; } .meta { font-size: 0.9rem; color: #444; } .skipped { color: #888; }
.warning { background: #fff4e0; border: 1px solid #e0b060; padding: 0.5rem; }
</style></head><body>
<h1>medinfer ${SDK_VERSION} demo</h1>
<p>Every task run on synthetic phantoms (generated from fixed seeds; no patient data) with the package's bundled demonstration models,
on provider <b>${escapeHtml(info.provider)}</b>. Started ${escapeHtml(info.started.toISOString())}, took ${info.seconds.toFixed(1)} s.</p>
<p class="warning">Demonstration models trained on phantoms: not for clinical use.</p>
${sections.map(section).join('\n')}
</body></html>
`;
}
