/**
 * What one batch item is, as a collector a task names (src/cli/tasks/<task>.ts `collector`):
 * - imageItems: one image per item (classification, detection, single-input segmentation);
 * - namedItems: multi-modal sets (inputs[].name, e.g. t1, t1ce, t2, flair) from a CSV with one
 *   column per name, or from names like `case01_t1.nii.gz` / `case01/flair/` grouped by case;
 * - pairItems: registration pairs from a CSV (id, fixed, moving[, moving_labels,
 *   fixed_landmarks, moving_landmarks, landmark_format]) or names like `case01_fixed.nii.gz`;
 * - textItems: report text from .txt files (one report each) or a CSV with a `report` column.
 * group-inputs.ts finds the files and CSV rows; a collector turns them into drafts of items.
 * Paths in a CSV are relative to the CSV's folder.
 */
import { stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import type { ModelEntry } from '../../manifest/types.js';
import { isCandidateFile, type FoundFile } from './discover-paths.js';
import { stripImageExtension } from './output-names.js';
import type { ImagePath, ItemSource } from './types.js';

export interface Draft {
  readonly stem: string;
  readonly label: string;
  readonly source: ItemSource;
  readonly columns?: Readonly<Record<string, string>>;
}

/** One CSV row (index 0 = the first row after the header), paths relative to `dir`. */
export interface CsvRow {
  readonly row: Readonly<Record<string, string>>;
  readonly index: number;
  readonly dir: string;
  /** The column naming a single image (path, image, file, filename, else the first that is not id). */
  readonly pathColumn: string | undefined;
  readonly entry: ModelEntry;
}

/** The files one `--input` argument named; `seriesFolders`: DICOM files group by folder into series. */
export interface FoundArgument {
  readonly files: readonly FoundFile[];
  readonly root: string;
  readonly seriesFolders: boolean;
}

export interface ItemCollector {
  /** Which entries of an input folder or glob are inputs. */
  readonly keep: (path: string) => boolean;
  /** CSV columns an item list must have (a missing one is a UsageError naming them). */
  csvColumns(entry: ModelEntry): readonly string[];
  /** One CSV row's source, and its stem when the row has no id column. */
  fromCsvRow(r: CsvRow): Promise<{ readonly source: ItemSource; readonly stem: string }>;
  /** Items from every file argument together (a case's files may come from several arguments). */
  fromFiles(found: readonly FoundArgument[], entry: ModelEntry, ignored: string[]): Draft[];
}

interface ImageUnit {
  readonly image: ImagePath;
  /** Relative name (without extension) the stem and case grouping come from. */
  readonly name: string;
  readonly label: string;
}

function unitsOf({ files, root, seriesFolders }: FoundArgument): ImageUnit[] {
  const units: ImageUnit[] = [];
  const folders = new Map<string, string>();
  for (const f of files) {
    if (seriesFolders && f.dicom) {
      const dir = f.relative.includes('/') ? f.relative.slice(0, f.relative.lastIndexOf('/')) : '';
      if (!folders.has(dir)) folders.set(dir, resolve(root, dir));
      continue;
    }
    units.push({ image: { path: f.path, dicomFolder: false }, name: stripImageExtension(f.relative), label: f.path });
  }
  // The folder name is the series' name: never a DICOM header value such as PatientName.
  for (const [dir, path] of folders) units.push({ image: { path, dicomFolder: true }, name: dir || basename(root), label: path });
  return units;
}

async function imagePathOf(value: string, csvDir: string): Promise<ImagePath> {
  const path = resolve(csvDir, value);
  const info = await stat(path).catch(() => undefined);
  return { path, dicomFolder: info?.isDirectory() ?? false };
}

/** First non-empty cell among `names`, header names matched case-insensitively (CheXpert's CSV says "Path"). */
export function pickCell(row: Readonly<Record<string, string>>, names: readonly string[]): string | undefined {
  const keys = Object.keys(row);
  for (const n of names) {
    const key = keys.find((k) => k.toLowerCase() === n);
    const v = key === undefined ? undefined : row[key];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** Splits `case01_t1` / `case01-t1` / `case01/t1` into case and role when the role is one of `roles`. */
function splitRole(name: string, roles: readonly string[]): { case: string; role: string } | undefined {
  const lower = name.toLowerCase();
  for (const role of [...roles].sort((a, b) => b.length - a.length)) {
    const r = role.toLowerCase();
    for (const sep of ['_', '-', '/', '.']) {
      if (lower.endsWith(sep + r) && name.length > r.length + 1) return { case: name.slice(0, name.length - r.length - 1), role };
    }
  }
  return undefined;
}

/** Files grouped by case: the images of each role; files that match no role are `ignored`. */
function groupByRole(found: readonly FoundArgument[], roles: readonly string[], ignored: string[]): Map<string, Record<string, ImagePath>> {
  const cases = new Map<string, Record<string, ImagePath>>();
  for (const u of found.flatMap(unitsOf)) {
    const split = splitRole(u.name, roles);
    if (!split) {
      ignored.push(u.label);
      continue;
    }
    const group = cases.get(split.case) ?? {};
    group[split.role] = u.image;
    cases.set(split.case, group);
  }
  return cases;
}

export const imageItems: ItemCollector = {
  keep: isCandidateFile,
  csvColumns: () => [],
  async fromCsvRow({ row, index, dir, pathColumn }) {
    const value = pathColumn ? (row[pathColumn] ?? '') : '';
    return { source: { kind: 'image', image: await imagePathOf(value, dir) }, stem: stripImageExtension(basename(value)) || `row-${index + 1}` };
  },
  fromFiles: (found) => found.flatMap(unitsOf).map((u) => ({ stem: u.name, label: u.label, source: { kind: 'image', image: u.image } })),
};

const roleNames = (entry: ModelEntry) => (entry.inputs ?? []).map((i) => i.name);

export const namedItems: ItemCollector = {
  keep: isCandidateFile,
  csvColumns: roleNames,
  async fromCsvRow({ row, index, dir, entry }) {
    const images: Record<string, ImagePath> = {};
    for (const n of roleNames(entry)) if (row[n]) images[n] = await imagePathOf(row[n]!, dir);
    return { source: { kind: 'named', images }, stem: stripImageExtension(basename(Object.values(row).find((v) => v) ?? `case-${index + 1}`)) };
  },
  fromFiles: (found, entry, ignored) =>
    [...groupByRole(found, roleNames(entry), ignored)].map(([name, images]) => ({ stem: name, label: name, source: { kind: 'named', images } })),
};

export const pairItems: ItemCollector = {
  keep: isCandidateFile,
  csvColumns: () => ['fixed', 'moving'],
  async fromCsvRow({ row, dir }) {
    const fl = pickCell(row, ['fixed_landmarks']);
    const ml = pickCell(row, ['moving_landmarks']);
    const labels = pickCell(row, ['moving_labels']);
    const format = (pickCell(row, ['landmark_format']) ?? (fl && extname(fl).toLowerCase() === '.csv' ? 'csv-mm' : 'dirlab')) as 'dirlab' | 'csv-mm';
    const source: ItemSource = {
      kind: 'pair',
      fixed: await imagePathOf(row['fixed']!, dir),
      moving: await imagePathOf(row['moving']!, dir),
      ...(labels ? { movingLabels: await imagePathOf(labels, dir) } : {}),
      ...(fl && ml ? { landmarks: { fixed: resolve(dir, fl), moving: resolve(dir, ml), format } } : {}),
    };
    return { source, stem: stripImageExtension(basename(row['fixed']!)) };
  },
  fromFiles: (found, _entry, ignored) =>
    [...groupByRole(found, ['fixed', 'moving'], ignored)].map(([name, images]): Draft => {
      const { fixed, moving } = images;
      if (fixed && moving) return { stem: name, label: name, source: { kind: 'pair', fixed, moving } };
      const missing = fixed ? 'moving' : 'fixed';
      return { stem: name, label: name, source: { kind: 'incomplete', reason: `${name}: no ${missing} image (expected a file named ${name}_${missing}.*)` } };
    }),
};

export const textItems: ItemCollector = {
  keep: (p) => extname(p).toLowerCase() === '.txt',
  csvColumns: () => ['report'],
  fromCsvRow: async ({ row, index }) => ({ source: { kind: 'text', text: row['report'] ?? '' }, stem: `report-${index + 1}` }),
  fromFiles: (found) =>
    found.flatMap((a) => a.files).map((f) => ({ stem: stripImageExtension(f.relative), label: f.path, source: { kind: 'text-file', path: f.path } })),
};
