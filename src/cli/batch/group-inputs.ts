/**
 * Turns `--input` arguments into batch items the way the model's task needs them: the task's
 * collector (src/cli/tasks/<task>.ts, collectors in collect-items.ts) says what one item is and
 * which files are inputs; this file finds the files and CSV rows. For 3D models a folder of DICOM
 * files is one item (one series), for 2D models every DICOM file is one image.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { withIoError } from '../../core/io-error.js';
import type { ModelEntry } from '../../manifest/types.js';
import { cliTask } from '../tasks/index.js';
import { pickCell, type Draft, type FoundArgument, type ItemCollector } from './collect-items.js';
import { parseCsv, type CsvTable } from './csv.js';
import { expandGlob, listFolder, statArgument, isDicomFile, type FoundFile, type SkippedFile } from './discover-paths.js';
import { assignStems } from './output-names.js';
import type { BatchItem } from './types.js';

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

/** 3D models read DICOM folders as series; 2D models read DICOM files one by one. */
export function readsSeries(entry: ModelEntry): boolean {
  if (entry.dimensionality !== undefined) return entry.dimensionality === 3;
  return cliTask(entry.task).volumetric;
}

async function draftsFromCsv(table: CsvTable, csvPath: string, entry: ModelEntry, collector: ItemCollector): Promise<Draft[]> {
  const dir = dirname(csvPath);
  const drafts: Draft[] = [];
  const missing = collector.csvColumns(entry).filter((c) => !table.header.includes(c));
  if (missing.length)
    throw new UsageError(`${csvPath}: model '${entry.id}' needs CSV column(s) ${missing.join(', ')} (found: ${table.header.join(', ')})`, { file: csvPath });
  const pathColumn =
    table.header.find((c) => ['path', 'image', 'file', 'filename'].includes(c.toLowerCase())) ?? table.header.find((c) => c.toLowerCase() !== 'id');
  for (const [r, row] of table.rows.entries()) {
    const id = pickCell(row, ['id', 'case', 'seriesuid']);
    const label = `${basename(csvPath)}:${r + 2}${id ? ` (${id})` : ''}`;
    const { source, stem } = await collector.fromCsvRow({ row, index: r, dir, pathColumn, entry });
    drafts.push({ stem: id ?? stem, label: id ?? label, source, columns: row });
  }
  return drafts;
}

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
  const collector = cliTask(entry.task).collector(entry);
  const drafts: Draft[] = [];
  const ignored: string[] = [];
  const skipped: SkippedFile[] = [];
  const found: FoundArgument[] = [];
  for (const arg of args) {
    const kind = await statArgument(arg, cwd);
    const path = resolve(cwd, arg);
    if (kind === 'file' && extname(path).toLowerCase() === '.csv') {
      drafts.push(...(await draftsFromCsv(parseCsv(await withIoError(path, 'read', () => readFile(path, 'utf8')), basename(path)), path, entry, collector)));
      continue;
    }
    let files: FoundFile[];
    let root: string;
    if (kind === 'file') {
      root = dirname(path);
      files = [{ path, relative: basename(path), dicom: await isDicomFile(path) }];
    } else if (kind === 'folder') {
      root = path;
      files = await listFolder(path, collector.keep, skipped);
    } else {
      const g = await expandGlob(arg, cwd, collector.keep, skipped);
      root = g.root;
      files = g.files;
      for (const folder of g.folders) {
        if (files.some((f) => f.relative.startsWith(folder + '/'))) continue;
        const inner = await listFolder(resolve(root, folder), collector.keep, skipped);
        files.push(...inner.map((f) => ({ ...f, relative: `${folder}/${f.relative}` })));
      }
      if (files.length === 0) throw new UsageError(`--input ${arg}: the pattern matches no file`, { field: 'input', received: arg });
    }
    if (exclude !== undefined) files = files.filter((f) => !isInside(f.path, exclude));
    // A DICOM file named on its own is read alone (it may be a multi-frame volume), not its folder.
    found.push({ files, root, seriesFolders: series && kind !== 'file' });
  }
  drafts.push(...collector.fromFiles(found, entry, ignored));
  const stems = assignStems(drafts.map((d) => ({ label: d.label + '\u0000' + JSON.stringify(d.source), stem: d.stem })));
  const items = drafts.map((d, i): BatchItem => ({ id: stems[i]!, label: d.label, source: d.source, ...(d.columns ? { columns: d.columns } : {}) }));
  return { items, ignored, skipped: exclude === undefined ? skipped : skipped.filter((f) => !isInside(f.path, exclude)) };
}
