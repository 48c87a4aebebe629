/**
 * The frame of a demo section that runs one bundled model: find the task's first bundled model
 * (the section is skipped, with the reason, when there is none), make its pipeline for the body,
 * dispose it after (also when the body fails), and fill in the model, provider and time around
 * what the body measured.
 */
import type { ModelEntry } from '../../manifest/types.js';
import { createPipeline } from '../../pipelines/node-context.js';
import type { ImplementedTask, PipelineMap } from '../../pipelines/registry.js';
import { type DemoContext, type DemoSection, findBundledModel, skippedSection } from './context.js';

/** What a section's body measured; the frame adds the task, model, provider and seconds. */
export type SectionBody = Pick<DemoSection, 'title' | 'metrics' | 'images' | 'html'>;

export interface SectionModel<T extends ImplementedTask> {
  readonly task: T;
  /** The section's title when it is skipped (the body names the one it ran under). */
  readonly title: string;
  /** Only models of this dimensionality (2D and 3D detection are separate sections). */
  readonly dimensionality?: 2 | 3;
  /** The model named in the skip reason ("no bundled <model> model"); default: the task. */
  readonly model?: string;
}

export async function bundledModelSection<T extends ImplementedTask>(
  ctx: DemoContext,
  find: SectionModel<T>,
  body: (pipe: PipelineMap[T], entry: ModelEntry) => Promise<SectionBody>,
): Promise<DemoSection> {
  const started = Date.now();
  const entry = findBundledModel(ctx.manifest, find.task, find.dimensionality);
  if (!entry) return skippedSection(find.task, find.title, `no bundled ${find.model ?? find.task} model in this manifest`);
  const pipe = await createPipeline(find.task, entry, { manifest: ctx.manifest, provider: ctx.provider });
  let measured: SectionBody;
  try {
    measured = await body(pipe, entry);
  } finally {
    // A failed section is reported and the demo goes on: its session must not stay open.
    await pipe.dispose();
  }
  const seconds = (Date.now() - started) / 1000;
  return {
    task: find.task,
    title: measured.title,
    modelId: entry.id,
    intendedUse: entry.intendedUse,
    provider: pipe.provider.used,
    metrics: measured.metrics,
    images: measured.images,
    ...(measured.html !== undefined ? { html: measured.html } : {}),
    seconds,
  };
}
