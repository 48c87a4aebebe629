/** What each demo section gets: the manifest, settings, and a place to write pictures. */
import { ensureFolder, writeFileAtomic } from '../../core/node-atomic-write.js';
import { join } from 'node:path';
import { writePng } from '../../io/raster/node-raster.js';
import type { Manifest, ModelEntry, TaskName } from '../../manifest/types.js';
import type { ProviderChoice } from '../../runtime/providers.js';
import { existsSync } from 'node:fs';
import { resolveModelFileLocation } from '../../runtime/open-model.js';
import type { RgbImage } from '../batch/render-overlay.js';

export interface DemoContext {
  readonly manifest: Manifest;
  readonly provider: ProviderChoice;
  readonly outDir: string;
  readonly quick: boolean;
  log(message: string): void;
  /** Writes a PNG under images/ and returns its path relative to the report. */
  writeImage(name: string, rgb: RgbImage): Promise<string>;
}

export interface DemoSection {
  readonly task: TaskName;
  readonly title: string;
  readonly modelId?: string;
  readonly intendedUse?: string;
  readonly provider?: string;
  /** Figures measured by the demo, with what the manifest states where it states one. */
  readonly metrics: { name: string; value: number; stated?: number; note?: string }[];
  readonly images: { src: string; caption: string }[];
  /** Extra HTML (tables), already escaped. */
  readonly html?: string;
  readonly seconds: number;
  readonly skipped?: string;
}

/** The section of a task the demo cannot run here (no bundled model, no sample), with the reason. */
export function skippedSection(task: TaskName, title: string, reason: string): DemoSection {
  return { task, title, metrics: [], images: [], seconds: 0, skipped: reason };
}

export function createDemoContext(manifest: Manifest, provider: ProviderChoice, outDir: string, quick: boolean, log: (m: string) => void): DemoContext {
  return {
    manifest,
    provider,
    outDir,
    quick,
    log,
    async writeImage(name, rgb) {
      await ensureFolder(join(outDir, 'images'));
      const rel = `images/${name}.png`;
      await writeFileAtomic(join(outDir, rel), await writePng({ ...rgb, channels: 3 }));
      return rel;
    },
  };
}

/** The first bundled model of a task whose files are present (demo models ship with the package). */
export function findBundledModel(manifest: Manifest, task: TaskName, dimensionality?: 2 | 3): ModelEntry | undefined {
  return Object.values(manifest.models).find(
    (m) =>
      m.task === task &&
      m.weights.kind === 'bundled' &&
      (dimensionality === undefined || m.dimensionality === dimensionality) &&
      m.files.every((f) => f.path === undefined || existsSync(resolveModelFileLocation(manifest, f, m))),
  );
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function statedMetric(entry: ModelEntry, name: string): number | undefined {
  return entry.metrics?.[name]?.value;
}

/** `{ stated }` for a metric entry when the manifest states the figure, else nothing (spread into the metric). */
export function stated(entry: ModelEntry, name: string): { stated?: number } {
  const value = statedMetric(entry, name);
  return value !== undefined ? { stated: value } : {};
}
