/**
 * Expands `--input` arguments (files, folders, globs) into candidate files, each with the root
 * it was found under (output names are paths relative to that root). Folders are walked
 * recursively in sorted order; hidden entries and obvious non-image side files (CSV, JSON,
 * Markdown ...) are left out. Globs are matched here (Node 20 has no fs.glob): `*` and `?`
 * within a path segment, `**` across segments, `[...]` classes.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { withIoError } from '../../core/io-error.js';
import { hasDicmMarker } from '../../io/dicom/node-files.js';

export interface FoundFile {
  readonly path: string;
  /** Path relative to the argument's root, with '/' separators. */
  readonly relative: string;
  readonly dicom: boolean;
}

const SIDE_FILES = new Set(['.csv', '.tsv', '.json', '.jsonl', '.md', '.html', '.xml', '.log', '.yaml', '.yml']);
const DICOM_EXTENSIONS = new Set(['.dcm', '.dicom', '.ima']);

export function hasGlob(text: string): boolean {
  return /[*?[]/.test(text);
}

/**
 * DICOM by extension, else by its first bytes as the folder reader tells them (hasDicmMarker: the
 * DICM marker or a dataset written without preamble); a file that cannot be opened is not one.
 */
async function isDicomFile(path: string): Promise<boolean> {
  return DICOM_EXTENSIONS.has(extname(path).toLowerCase()) || (await hasDicmMarker(path, false).catch(() => false));
}

/** A file or folder under an input folder that is not an input, and why (shown in run's summary). */
export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
}

/** What a folder walk found: regular files (and links to them), and every other entry with its reason. */
interface Walked {
  readonly files: string[];
  readonly skipped: SkippedFile[];
}

async function walk(dir: string): Promise<Walked> {
  const entries = await withIoError(dir, 'list', () => readdir(dir, { withFileTypes: true, recursive: true }));
  const files: string[] = [];
  const skipped: SkippedFile[] = [];
  for (const e of entries) {
    const path = join(e.parentPath, e.name);
    // Inside a hidden folder: that folder was reported once, not each file in it.
    if (
      relative(dir, e.parentPath)
        .split(sep)
        .some((part) => part.startsWith('.'))
    )
      continue;
    if (e.name.startsWith('.')) skipped.push({ path, reason: e.isDirectory() ? 'hidden folder (not walked)' : 'hidden file' });
    else if (e.name.toUpperCase() === 'DICOMDIR') skipped.push({ path, reason: 'DICOMDIR index (the files it lists are read directly)' });
    else if (e.isFile()) files.push(path);
    else if (e.isSymbolicLink()) {
      // Archives are often symlink farms: a link to a file counts as that file.
      const target = await stat(path).catch((error: unknown) => error as NodeJS.ErrnoException);
      if (target instanceof Error)
        skipped.push({
          path,
          reason:
            target.code === 'ENOENT'
              ? 'dangling symlink (its target does not exist)'
              : `symlink whose target cannot be read (${target.code ?? target.message})`,
        });
      else if (target.isFile()) files.push(path);
      else if (target.isDirectory()) skipped.push({ path, reason: 'symlink to a folder (not followed)' });
      else skipped.push({ path, reason: 'symlink to something that is not a file' });
    } else if (!e.isDirectory()) skipped.push({ path, reason: 'not a regular file (socket, FIFO or device)' });
  }
  return { files: files.sort(), skipped: skipped.sort((a, b) => (a.path < b.path ? -1 : 1)) };
}

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

/**
 * Files under a folder that can be inputs (`keep` decides on extensions the caller wants); every
 * other entry goes to `skipped` with its reason when a list is given.
 */
export async function listFolder(dir: string, keep: (path: string) => boolean = isCandidateFile, skipped?: SkippedFile[]): Promise<FoundFile[]> {
  const out: FoundFile[] = [];
  const walked = await walk(dir);
  skipped?.push(...walked.skipped);
  for (const path of walked.files) {
    if (!keep(path)) {
      skipped?.push({ path, reason: `not an input file type for this model (${extname(path) || 'no extension'})` });
      continue;
    }
    out.push({ path, relative: toPosix(relative(dir, path)), dicom: await isDicomFile(path) });
  }
  return out;
}

export function isCandidateFile(path: string): boolean {
  return !SIDE_FILES.has(extname(path).toLowerCase()) && extname(path).toLowerCase() !== '.txt';
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      re += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Files (and folders, for DICOM series) matching a glob, relative to its literal prefix. */
export async function expandGlob(
  pattern: string,
  cwd: string,
  keep: (path: string) => boolean = isCandidateFile,
  skipped?: SkippedFile[],
): Promise<{ root: string; files: FoundFile[]; folders: string[] }> {
  const parts = toPosix(pattern).split('/');
  const firstGlob = parts.findIndex(hasGlob);
  const rootText = parts.slice(0, firstGlob).join('/') || '.';
  const root = isAbsolute(rootText) || rootText.startsWith('/') ? rootText : resolve(cwd, rootText);
  const re = globToRegExp(parts.slice(firstGlob).join('/'));
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) return { root, files: [], folders: [] };
  const files: FoundFile[] = [];
  const folders = new Set<string>();
  const walked = await walk(root);
  // Only entries the pattern names are reported: the rest of the tree was never asked for.
  skipped?.push(...walked.skipped.filter((f) => re.test(toPosix(relative(root, f.path)))));
  for (const path of walked.files) {
    const rel = toPosix(relative(root, path));
    if (re.test(rel) && !keep(path)) skipped?.push({ path, reason: `not an input file type for this model (${extname(path) || 'no extension'})` });
    if (re.test(rel) && keep(path)) files.push({ path, relative: rel, dicom: await isDicomFile(path) });
    // A pattern like 'studies/*' names series folders: keep each matched ancestor folder.
    const segs = rel.split('/');
    for (let n = 1; n < segs.length; n++) {
      const folder = segs.slice(0, n).join('/');
      if (re.test(folder)) folders.add(folder);
    }
  }
  return { root, files, folders: [...folders].sort() };
}

/** Classifies one argument; throws a usage error when it names nothing. */
export async function statArgument(arg: string, cwd: string): Promise<'file' | 'folder' | 'glob'> {
  const path = resolve(cwd, arg);
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) return 'folder';
  if (info?.isFile()) return 'file';
  if (hasGlob(arg)) return 'glob';
  throw new UsageError(`--input ${arg}: no such file or folder`, { field: 'input', received: arg });
}

export { isDicomFile };
