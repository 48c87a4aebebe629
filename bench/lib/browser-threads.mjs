/**
 * wasm threads in the page for the heavy brainchop models (issue 26 req. 6), for
 * bench/brainchop-browser.mjs --threads: the web demo (cross-origin isolated, served by medinfer
 * serve's server) runs a model on the real 256^3 T1 sample end to end, once per page with
 * `?threads=1` and once per page with `?threads=N`; onnxruntime-web fixes the count at a page's
 * first session, so one page per count, both open, taking turns run by run with the order swapped
 * every round (ABBA), so both see the same load. Each run creates and disposes its pipeline (as the
 * demo's Run button does), so every run includes session creation, and each page's first run the
 * wasm compile - the same for both sides. The page's timeSegmentation draws nothing (the demo's
 * viewer on SwiftShader spent ~3 minutes of both cores per 256^3 volume between runs).
 * Reported per run: end to end ms and ms inside session.run (provenance inferenceMs, pre-model included).
 */
import { loadavg } from 'node:os';
import { makeFigure, median } from './stats.mjs';

const SAMPLE = 'brain MRI T1, real (brainchop sample, 256^3 1 mm)';

export async function timeThreads(browser, url, { models, runs, counts, log }) {
  const rows = [];
  const failed = [];
  const loads = [loadavg()[0]];
  for (const model of models) {
    const pages = new Map();
    try {
      for (const t of counts) {
        const page = await browser.newPage();
        await page.goto(`${url}?threads=${t}`);
        await page.evaluate(() => window.medinfer.ready);
        pages.set(t, page);
      }
      const times = Object.fromEntries(counts.map((t) => [t, { ms: [], inferenceMs: [] }]));
      const reported = {};
      for (let r = 0; r < runs; r++) {
        const order = r % 2 ? [...counts].reverse() : counts;
        for (const t of order) {
          const started = new Date().toISOString();
          const s = await pages.get(t).evaluate(([m, sample]) => window.medinfer.timeSegmentation(m, sample), [model, SAMPLE]);
          times[t].ms.push(s.ms);
          times[t].inferenceMs.push(s.inferenceMs);
          reported[t] = s.provider?.wasm;
          if (s.provider?.wasm?.threads !== t) throw new Error(`page ?threads=${t} ran ${s.provider?.wasm?.threads} threads (${s.provider?.wasm?.reason})`);
          loads.push(loadavg()[0]);
          log(
            `${model} ${t}T run ${r}: ${(s.ms / 1000).toFixed(1)} s (session.run ${(s.inferenceMs / 1000).toFixed(1)} s), ` +
              `started ${started}, load ${loadavg()[0].toFixed(1)}`,
          );
        }
      }
      rows.push({
        model,
        times,
        reported,
        medians: Object.fromEntries(counts.map((t) => [t, { ms: median(times[t].ms), inferenceMs: median(times[t].inferenceMs) }])),
      });
    } catch (error) {
      const reason = String(error.message ?? error).split('\n')[0];
      log(`${model}: failed: ${reason}`);
      failed.push({ model, reason });
    } finally {
      for (const p of pages.values()) await p.close().catch(() => undefined);
    }
  }
  const figures = [];
  for (const row of rows) {
    for (const t of counts.filter((c) => c !== 1)) {
      for (const [key, what] of [
        ['ms', 'SDK pipeline end to end'],
        ['inferenceMs', 'inside session.run'],
      ]) {
        figures.push(
          makeFigure(
            `${row.model} (real T1 256^3, page): wasm ${t} threads vs 1, ${what}`,
            'ms',
            row.medians[t][key],
            `wasm 1 thread, ${what}`,
            row.medians[1][key],
            {
              runs: row.times[t][key].length,
              min: Math.min(...row.times[t][key]),
              baselineMin: Math.min(...row.times[1][key]),
            },
          ),
        );
      }
    }
  }
  return { rows, figures, failed, loadAverage: { min: Math.min(...loads), max: Math.max(...loads) } };
}
