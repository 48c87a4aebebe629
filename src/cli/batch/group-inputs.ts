/**
 * Turns `--input` arguments into batch items the way the model's task needs them:
 * - one image per item (classification, detection, single-input segmentation); for 3D models a
 *   folder of DICOM files is one item (one series), for 2D models every DICOM file is one image;
 * - multi-modal sets (inputs[].name, e.g. t1, t1ce, t2, flair) from a CSV with one column per
 *   name, or from names like `case01_t1.nii.gz` / `case01/flair/` grouped by case;
 * - registration pairs from a CSV (id, fixed, moving[, moving_labels, fixed_landmarks,
 *   moving_landmarks, landmark_format]) or names like `case01_fixed.nii.gz`;
 * - report text from .txt files (one report each) or a CSV with a `report` column.
 * Paths in a CSV are relative to the CSV's folder.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { withIoError } from '../../core/io-error.js';
import type { ModelEntry } from '../../manifest/types.js';
import { parseCsv, type CsvTable } from './csv.js';
import { expandGlob, isCandidateFile, listFolder, statArgument, isDicomFile, type FoundFile, type SkippedFile } from './discover-paths.js';
import { assignStems, stripImageExtension } from './output-names.js';
import type { BatchItem, ImagePath, ItemSource } from './types.js';

interface Draft {
  readonly stem: string;
  readonly label: string;
  readonly source: ItemSource;
  readonly columns?: Readonly<Record<string, string>>;
}

interface ImageUnit {
  readonly image: ImagePath;
  /** Relative name (without extension) the stem and case grouping come from. */
  readonly name: string;
  readonly label: string;
}

export interface GroupedInputs {
  readonly items: BatchItem[];
  /** Files that matched no role (e.g. `case01_t2w.nii.gz` for a t1/t2 model). */
  readonly ignored: string[];
  /**
   * Entries of input folders / globs that are not inputs, with the reason: dangling symlinks,
   * hidden files, side files (CSV, JSON ...), sockets. The output folder's own files are not listed.
   */
  readonly skipped: SkippedFile[];
}

type Shape = 'image' | 'named' | 'pair' | 'text';

export function inputShape(entry: ModelEntry): Shape {
  if (entry.task === 'report-text') return 'text';
  if (entry.task === 'registration') return 'pair';
  return (entry.inputs?.length ?? 0) > 1 ? 'named' : 'image';
}

/** 3D models read DICOM folders as series; 2D models read DICOM files one by one. */
export function readsSeries(entry: ModelEntry): boolean {
  if (entry.dimensionality !== undefined) return entry.dimensionality === 3;
  return entry.task === 'segmentation' || entry.task === 'registration';
}

function roleNames(entry: ModelEntry): string[] {
  return inputShape(entry) === 'pair' ? ['fixed', 'moving'] : (entry.inputs ?? []).map((i) => i.name);
}

function unitsOf(files: readonly FoundFile[], root: string, rootName: string, series: boolean): ImageUnit[] {
  const units: ImageUnit[] = [];
  const folders = new Map<string, string>();
  for (const f of files) {
    if (series && f.dicom) {
      const dir = f.relative.includes('/') ? f.relative.slice(0, f.relative.lastIndexOf('/')) : '';
      if (!folders.has(dir)) folders.set(dir, resolve(root, dir));
      continue;
    }
    units.push({ image: { path: f.path, dicomFolder: false }, name: stripImageExtension(f.relative), label: f.path });
  }
  // The folder name is the series' name: never a DICOM header value such as PatientName.
  for (const [dir, path] of folders) units.push({ image: { path, dicomFolder: true }, name: dir || rootName, label: path });
  return units;
}

async function imagePathOf(value: string, csvDir: string): Promise<ImagePath> {
  const path = resolve(csvDir, value);
  const info = await stat(path).catch(() => undefined);
  return { path, dicomFolder: info?.isDirectory() ?? false };
}

/** First non-empty cell among `names`, header names matched case-insensitively (CheXpert's CSV says "Path"). */
function pick(row: Readonly<Record<string, string>>, names: readonly string[]): string | undefined {
  const keys = Object.keys(row);
  for (const n of names) {
    const key = keys.find((k) => k.toLowerCase() === n);
    const v = key === undefined ? undefined : row[key];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

async function draftsFromCsv(table: CsvTable, csvPath: string, entry: ModelEntry): Promise<Draft[]> {
  const dir = dirname(csvPath);
  const shape = inputShape(entry);
  const drafts: Draft[] = [];
  const need = (cols: string[]) => {
    const missing = cols.filter((c) => !table.header.includes(c));
    if (missing.length) throw new UsageError(`${csvPath}: model '${entry.id}' needs CSV column(s) ${missing.join(', ')} (found: ${table.header.join(', ')})`, { file: csvPath });
  };
  const pathColumn = table.header.find((c) => ['path', 'image', 'file', 'filename'].includes(c.toLowerCase())) ?? table.header.find((c) => c.toLowerCase() !== 'id');
  if (shape === 'text') need(['report']);
  if (shape === 'pair') need(['fixed', 'moving']);
  if (shape === 'named') need(roleNames(entry));
  for (const [r, row] of table.rows.entries()) {
    const id = pick(row, ['id', 'case', 'seriesuid']);
    const label = `${basename(csvPath)}:${r + 2}${id ? ` (${id})` : ''}`;
    let source: ItemSource;
    let stem = id;
    if (shape === 'text') {
      source = { kind: 'text', text: row['report'] ?? '' };
      stem ??= `report-${r + 1}`;
    } else if (shape === 'pair') {
      const fl = pick(row, ['fixed_landmarks']);
      const ml = pick(row, ['moving_landmarks']);
      const ml2 = pick(row, ['moving_labels']);
      const format = (pick(row, ['landmark_format']) ?? (fl && extname(fl).toLowerCase() === '.csv' ? 'csv-mm' : 'dirlab')) as 'dirlab' | 'csv-mm';
      source = {
        kind: 'pair',
        fixed: await imagePathOf(row['fixed']!, dir),
        moving: await imagePathOf(row['moving']!, dir),
        ...(ml2 ? { movingLabels: await imagePathOf(ml2, dir) } : {}),
        ...(fl && ml ? { landmarks: { fixed: resolve(dir, fl), moving: resolve(dir, ml), format } } : {}),
      };
      stem ??= stripImageExtension(basename(row['fixed']!));
    } else if (shape === 'named') {
      const images: Record<string, ImagePath> = {};
      for (const n of roleNames(entry)) if (row[n]) images[n] = await imagePathOf(row[n]!, dir);
      source = { kind: 'named', images };
      stem ??= stripImageExtension(basename(Object.values(row).find((v) => v) ?? `case-${r + 1}`));
    } else {
      const value = pathColumn ? row[pathColumn] ?? '' : '';
      source = { kind: 'image', image: await imagePathOf(value, dir) };
      stem ??= stripImageExtension(basename(value)) || `row-${r + 1}`;
    }
    drafts.push({ stem, label: id ?? label, source, columns: row });
  }
  return drafts;
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

function draftsFromUnits(units: readonly ImageUnit[], entry: ModelEntry, ignored: string[]): Draft[] {
  const shape = inputShape(entry);
  if (shape === 'image') return units.map((u) => ({ stem: u.name, label: u.label, source: { kind: 'image', image: u.image } }));
  const roles = roleNames(entry);
  const cases = new Map<string, Record<string, ImagePath>>();
  for (const u of units) {
    const split = splitRole(u.name, roles);
    if (!split) {
      ignored.push(u.label);
      continue;
    }
    const group = cases.get(split.case) ?? {};
    group[split.role] = u.image;
    cases.set(split.case, group);
  }
  return [...cases].map(([name, images]): Draft => ({
    stem: name,
    label: name,
    source: shape === 'named' ? { kind: 'named', images } : images['fixed'] && images['moving'] ? { kind: 'pair', fixed: images['fixed'], moving: images['moving'] } : { kind: 'incomplete', reason: `${name}: no ${images['fixed'] ? 'moving' : 'fixed'} image (expected a file named ${name}_${images['fixed'] ? 'moving' : 'fixed'}.*)` },
  }));
}

async function textDrafts(files: readonly FoundFile[]): Promise<Draft[]> {
  return files.map((f) => ({ stem: stripImageExtension(f.relative), label: f.path, source: { kind: 'text-file', path: f.path } }));
}

const isTxt = (p: string) => extname(p).toLowerCase() === '.txt';

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Groups every argument into items (stems unique across all of them). Files under `exclude`
 * (the output folder) are never inputs, so `--output data/out --input data` does not feed a
 * run's own overlays and masks back in on the next run.
 */
export async function groupInputs(args: readonly string[], entry: ModelEntry, cwd: string, exclude?: string): Promise<GroupedInputs> {
  if (args.length === 0) throw new UsageError('at least one --input is required', { field: 'input' });
  const series = readsSeries(entry);
  const text = inputShape(entry) === 'text';
  const keep = text ? isTxt : isCandidateFile;
  const drafts: Draft[] = [];
  const ignored: string[] = [];
  const skipped: SkippedFile[] = [];
  const units: ImageUnit[] = [];
  const texts: FoundFile[] = [];
  for (const arg of args) {
    const kind = await statArgument(arg, cwd);
    const path = resolve(cwd, arg);
    if (kind === 'file' && extname(path).toLowerCase() === '.csv') {
      drafts.push(...(await draftsFromCsv(parseCsv(await withIoError(path, 'read', () => readFile(path, 'utf8')), basename(path)), path, entry)));
      continue;
    }
    let files: FoundFile[];
    let root: string;
    if (kind === 'file') {
      root = dirname(path);
      files = [{ path, relative: basename(path), dicom: await isDicomFile(path) }];
    } else if (kind === 'folder') {
      root = path;
      files = await listFolder(path, keep, skipped);
    } else {
      const g = await expandGlob(arg, cwd, keep, skipped);
      root = g.root;
      files = g.files;
      for (const folder of g.folders) {
        if (files.some((f) => f.relative.startsWith(folder + '/'))) continue;
        const inner = await listFolder(resolve(root, folder), keep, skipped);
        files.push(...inner.map((f) => ({ ...f, relative: `${folder}/${f.relative}` })));
      }
      if (files.length === 0) throw new UsageError(`--input ${arg}: the pattern matches no file`, { field: 'input', received: arg });
    }
    if (exclude !== undefined) files = files.filter((f) => !isInside(f.path, exclude));
    if (text) texts.push(...files);
    // A DICOM file named on its own is read alone (it may be a multi-frame volume), not its folder.
    else units.push(...unitsOf(files, root, basename(root), series && kind !== 'file'));
  }
  drafts.push(...(text ? await textDrafts(texts) : draftsFromUnits(units, entry, ignored)));
  const stems = assignStems(drafts.map((d) => ({ label: d.label + '\u0000' + JSON.stringify(d.source), stem: d.stem })));
  const items = drafts.map((d, i): BatchItem => ({ id: stems[i]!, label: d.label, source: d.source, ...(d.columns ? { columns: d.columns } : {}) }));
  return { items, ignored, skipped: exclude === undefined ? skipped : skipped.filter((f) => !isInside(f.path, exclude)) };
}
