// The files `npm run lint` covers, mirrored from biome.json's files.includes so that the
// line-length check and the comment wrapper see exactly what biome formats. Listed through git
// (tracked + untracked, .gitignore honoured) so dist/ and node_modules are never walked.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const MAX_LINE = 160;
export const REPO = join(import.meta.dirname, '..', '..');

/** biome.json's includes as [positive RegExp[], negative RegExp[]] (only the glob forms it uses). */
function biomeIncludes() {
  const includes = JSON.parse(readFileSync(join(REPO, 'biome.json'), 'utf8')).files.includes;
  const toRegExp = (glob) =>
    new RegExp(
      `^${glob
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '\u0000')
        .replace(/\*\*/g, '.*')
        .replace(/\*/g, '[^/]*')
        .replace(/\u0000/g, '(?:.*/)?')}(?:/.*)?$`,
    );
  const pos = includes.filter((g) => !g.startsWith('!')).map(toRegExp);
  const neg = includes.filter((g) => g.startsWith('!')).map((g) => toRegExp(g.slice(1)));
  return [pos, neg];
}

/** Repo-relative paths of the linted files that exist in the working tree. */
export function lintedFiles() {
  const [pos, neg] = biomeIncludes();
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO, maxBuffer: 1 << 28 });
  const seen = new Set();
  return out
    .toString('utf8')
    .split('\0')
    .filter((p) => p && !seen.has(p) && seen.add(p))
    .filter((p) => pos.some((r) => r.test(p)) && !neg.some((r) => r.test(p)))
    .filter((p) => {
      try {
        readFileSync(join(REPO, p));
        return true;
      } catch {
        return false; // deleted in the working tree but still in the index
      }
    })
    .sort();
}
