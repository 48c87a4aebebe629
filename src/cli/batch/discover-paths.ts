/**
 * Expands `--input` arguments (files, folders, globs) into candidate files, each with the root
 * it was found under (output names are paths relative to that root). Folders are walked
 * recursively in sorted order; hidden entries and obvious non-image side files (CSV, JSON,
 * Markdown ...) are left out. Globs are matched here (Node 20 has no fs.glob): `*` and `?`
 * within a path segment, `**` across segments, `[...]` classes.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../../core/errors.js';

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

async function hasDicmMarker(path: string): Promise<boolean> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return false;
  try {
    const buf = new Uint8Array(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 128);
    return bytesRead === 4 && buf[0] === 0x44 && buf[1] === 0x49 && buf[2] === 0x43 && buf[3] === 0x4d;
  } finally {
    await fh.close();
  }
}

async function isDicomFile(path: string): Promise<boolean> {
  return DICOM_EXTENSIONS.has(extname(path).toLowerCase()) || (await hasDicmMarker(path));
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name.toUpperCase() === 'DICOMDIR') continue;
    const path = join(e.parentPath, e.name);
    if (relative(dir, path).split(sep).some((part) => part.startsWith('.'))) continue;
    // Archives are often symlink farms: a link to a file counts as that file.
    if (e.isFile() || (e.isSymbolicLink() && (await stat(path).catch(() => undefined))?.isFile())) out.push(path);
  }
  return out.sort();
}

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

/** Files under a folder that can be inputs (`keep` decides on extensions the caller wants). */
export async function listFolder(dir: string, keep: (path: string) => boolean = isCandidateFile): Promise<FoundFile[]> {
  const out: FoundFile[] = [];
  for (const path of await walk(dir)) {
    if (!keep(path)) continue;
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
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Files (and folders, for DICOM series) matching a glob, relative to its literal prefix. */
export async function expandGlob(pattern: string, cwd: string, keep: (path: string) => boolean = isCandidateFile): Promise<{ root: string; files: FoundFile[]; folders: string[] }> {
  const parts = toPosix(pattern).split('/');
  const firstGlob = parts.findIndex(hasGlob);
  const rootText = parts.slice(0, firstGlob).join('/') || '.';
  const root = isAbsolute(rootText) || rootText.startsWith('/') ? rootText : resolve(cwd, rootText);
  const re = globToRegExp(parts.slice(firstGlob).join('/'));
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) return { root, files: [], folders: [] };
  const files: FoundFile[] = [];
  const folders = new Set<string>();
  for (const path of await walk(root)) {
    const rel = toPosix(relative(root, path));
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
