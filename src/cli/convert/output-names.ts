/**
 * File names for `medinfer convert <input> <folder>`: one NIfTI per series (each of its parts with
 * dcm2niix's suffix after the name), named from a pattern as dcm2niix's `-f` names them. Never
 * from patient identifiers or dates: the patterns have no token for the patient's name, ID,
 * birth date or the study date / time (a name outlives the folder it was written to). The
 * series' free-text labels (%p, %d) are read only when the pattern asks for them: PS3.15's
 * de-identification profile removes them because operators sometimes type identifying text there.
 */
import { UsageError } from '../../core/errors.js';
import type { VolumeMeta } from '../../core/volume.js';

/** Series number and modality: e.g. `s003_MR`, then `s003_MR_e2.nii` for a second echo. */
export const DEFAULT_NAME_PATTERN = 's%s_%m';

/** The tokens a pattern may hold, with what each gives (for the usage text and errors). */
export const NAME_TOKENS: Readonly<Record<string, string>> = {
  s: 'SeriesNumber, 3 digits (NA when absent)',
  m: 'Modality',
  p: 'ProtocolName, else SeriesDescription (free text: read only when asked for)',
  d: 'SeriesDescription (free text: read only when asked for)',
  u: 'SeriesInstanceUID',
  f: "the input's file or folder name",
};

/** Longest name kept (before the part suffix and extension): far under every file system's 255 bytes. */
const MAX_NAME_CHARS = 120;

/** Throws a UsageError for an empty pattern, an unknown token or a path separator. */
export function checkNamePattern(pattern: string): void {
  const fail = (why: string): never => {
    throw new UsageError(
      `--name '${pattern}': ${why}; tokens: ${Object.keys(NAME_TOKENS)
        .map((t) => `%${t}`)
        .join(' ')}`,
      { field: 'name' },
    );
  };
  if (pattern.trim() === '') fail('empty');
  if (/[\\/]/.test(pattern)) fail('a name cannot hold a path separator (the output folder is the second argument)');
  for (const m of pattern.matchAll(/%(.?)/g)) if (!Object.hasOwn(NAME_TOKENS, m[1]!)) fail(m[1] === '' ? 'a % at the end' : `unknown token %${m[1]}`);
}

/** Whether the pattern needs the series' free-text labels (DicomReadOptions.seriesLabels). */
export const patternNeedsLabels = (pattern: string): boolean => /%[pd]/.test(pattern);

/** Letters, digits and . _ + - only (anything else, runs of it, becomes one '_'); never hidden, never empty. */
export function safeFileName(text: string): string {
  const safe = text
    .replace(/[^A-Za-z0-9._+-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, MAX_NAME_CHARS)
    .replace(/_+$/, '');
  return safe === '' ? 'image' : safe;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/**
 * The name (no part suffix, no extension) of one image. DICOM series take the pattern; any other
 * image (a NIfTI or raster file in the folder) keeps its own file name without extension.
 */
export function outputBaseName(pattern: string, meta: VolumeMeta, sourceName: string, inputName: string): string {
  if (meta.format !== 'dicom') return safeFileName(sourceName.replace(/^.*[\\/]/, '').replace(/(\.nii(\.gz)?|\.[A-Za-z0-9]{1,5})$/i, ''));
  const series = meta['seriesNumber'];
  const value = (token: string): string => {
    switch (token) {
      case 's':
        return typeof series === 'number' ? String(series).padStart(3, '0') : 'NA';
      case 'm':
        return text(meta.modality) ?? 'NA';
      case 'p':
        return text(meta['protocolName']) ?? text(meta['seriesDescription']) ?? 'NA';
      case 'd':
        return text(meta['seriesDescription']) ?? 'NA';
      case 'u':
        return text(meta.seriesInstanceUid) ?? 'NA';
      default:
        return inputName;
    }
  };
  return safeFileName(pattern.replace(/%(.)/g, (_, token: string) => value(token)));
}

/**
 * Names made distinct as dcm2niix makes them (a collision letter: `s003_MR`, `s003_MRa`,
 * `s003_MRb` ...; after `z`, `_27`, `_28` ...), handed out one at a time in the order asked;
 * compared without case, as a macOS or Windows folder would. `release` gives back a name whose
 * file was not written, so a failed series leaves no gap in the letters.
 */
export class DistinctNames {
  private readonly used = new Set<string>();
  take(name: string): string {
    let candidate = name;
    for (let n = 1; this.used.has(candidate.toLowerCase()); n++) candidate = n <= 26 ? `${name}${String.fromCharCode(0x60 + n)}` : `${name}_${n + 1}`;
    this.used.add(candidate.toLowerCase());
    return candidate;
  }
  release(name: string): void {
    this.used.delete(name.toLowerCase());
  }
}

/** DistinctNames over a list. */
export function distinctNames(names: readonly string[]): string[] {
  const d = new DistinctNames();
  return names.map((n) => d.take(n));
}
