/**
 * `medinfer demo [--output dir]`: the zero-setup main job. Runs every task on phantom data with
 * the bundled models, measures the metrics on held-out cases, and writes report.html (pictures,
 * metrics, provider) plus demo.json. Works offline; nothing is downloaded.
 */
import { ensureFolder, writeFileAtomic } from '../../core/node-atomic-write.js';
import { join, resolve } from 'node:path';
import { EXIT_OK, EXIT_SOME_FAILED, type CliCommand } from '../command.js';
import { booleanFlag, parseCommandArgs, stringFlag } from '../args.js';
import { readManifestFile } from '../../manifest/node-manifest.js';
import { parseProviderChoice } from '../../runtime/providers.js';
import { describeError } from '../../core/errors.js';
import { createDemoContext, type DemoSection } from '../demo/context.js';
import { renderDemoReport } from '../demo/report-html.js';
import { cliTasks } from '../tasks/index.js';

const USAGE = `Usage: medinfer demo [--output DIR] [--provider auto|cpu|cuda|webgpu] [--quick] [--manifest FILE] [--quiet]

Runs classification, detection, segmentation, registration and report labelling on synthetic
phantoms with the bundled models, and the brainchop brain MRI models on the real sample T1
(--quick: tissue and brain mask only), and writes DIR/report.html (default DIR: ./medinfer-demo).`;

const OPTIONS = {
  output: { type: 'string' },
  provider: { type: 'string' },
  quick: { type: 'boolean' },
  manifest: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

export const command: CliCommand = {
  name: 'demo',
  summary: 'run every task on bundled phantom data and write report.html',
  usage: USAGE,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, OPTIONS, 'demo');
    const outDir = resolve(ctx.cwd, stringFlag(args, 'output') ?? 'medinfer-demo');
    const provider = parseProviderChoice(stringFlag(args, 'provider') ?? 'auto');
    const manifestPath = stringFlag(args, 'manifest');
    const manifest = await readManifestFile(manifestPath === undefined ? undefined : manifestPath);
    const quiet = booleanFlag(args, 'quiet');
    const log = (m: string) => (quiet ? undefined : ctx.err(`[demo] ${m}\n`));
    await ensureFolder(outDir);
    const demo = createDemoContext(manifest, provider, outDir, booleanFlag(args, 'quick'), log);
    const started = new Date();
    const sections: DemoSection[] = [];
    let failed = 0;
    // Each task's sections (its CLI definition's `demo`), in the task list's order.
    for (const task of cliTasks()) {
      for (const { name, run } of task.demo) {
        try {
          const s = await run(demo);
          sections.push(s);
          log(
            s.skipped
              ? `${name}: skipped (${s.skipped})`
              : `${name}: ${s.metrics.map((m) => `${m.name} ${m.value.toFixed(3)}`).join(', ')} (${s.seconds.toFixed(1)} s)`,
          );
        } catch (error) {
          failed++;
          sections.push({ task: task.name, title: name, metrics: [], images: [], seconds: 0, skipped: `failed: ${describeError(error)}` });
          ctx.err(`[demo] ${name} failed: ${describeError(error)}\n`);
        }
      }
    }
    const seconds = (Date.now() - started.getTime()) / 1000;
    const html = renderDemoReport(sections, { started, seconds, provider: String(provider) });
    // Written atomically: a report.html that exists is complete.
    await writeFileAtomic(join(outDir, 'report.html'), html);
    await writeFileAtomic(join(outDir, 'demo.json'), JSON.stringify({ seconds, sections: sections.map(({ html: _h, ...s }) => s) }, null, 2) + '\n');
    ctx.out(
      `medinfer demo: ${sections.filter((s) => !s.skipped).length} of ${sections.length} tasks ran in ${seconds.toFixed(1)} s; report: ` +
        `${join(outDir, 'report.html')}\n`,
    );
    return failed > 0 ? EXIT_SOME_FAILED : EXIT_OK;
  },
};
