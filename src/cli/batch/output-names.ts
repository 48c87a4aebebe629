/**
 * Output file stems from input names. Stems are derived from what the user named (file or
 * folder names, CSV ids), never from file contents, so no patient identifier from a DICOM
 * header can reach a file name. Sanitising removes path separators and `..`, so an output can
 * never land outside the output folder. Collisions get a short hash of the full input label:
 * the same inputs always map to the same stems, which is what resuming relies on.
 */
import { createHash } from 'node:crypto';

const IMAGE_EXTENSIONS = /\.(nii\.gz|nii|dcm|dicom|ima|png|jpe?g|tiff?|webp|txt|mha|mhd|nrrd)$/i;
const MAX_STEM = 96;

export function stripImageExtension(name: string): string {
  return name.replace(IMAGE_EXTENSIONS, '');
}

/** A safe single path component: [A-Za-z0-9._-], no leading dot, no '..', bounded length. */
export function sanitizeStem(raw: string): string {
  let s = raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\\/]+/g, '_')
    .replace(/[^A-Za-z0-9._-]+/g, '_');
  s = s
    .replace(/\.{2,}/g, '_')
    .replace(/_{2,}/g, '_')
    .replace(/^[._-]+/, '')
    .replace(/[._-]+$/, '');
  if (s.length > MAX_STEM) s = s.slice(0, MAX_STEM).replace(/[._-]+$/, '');
  return s.length > 0 ? s : 'input';
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * Assigns unique stems: items are considered in label order; the first of a colliding group
 * keeps the plain stem, later ones get `-<hash of label>` (comparison is case-insensitive so
 * outputs do not clash on case-insensitive file systems).
 */
export function assignStems(items: readonly { readonly label: string; readonly stem: string }[]): string[] {
  const order = items.map((_, i) => i).sort((a, b) => (items[a]!.label < items[b]!.label ? -1 : items[a]!.label > items[b]!.label ? 1 : a - b));
  const taken = new Set<string>();
  const out: string[] = new Array(items.length);
  for (const i of order) {
    const item = items[i]!;
    let stem = sanitizeStem(item.stem);
    if (taken.has(stem.toLowerCase())) {
      const base = stem.slice(0, MAX_STEM - 9);
      stem = `${base}-${shortHash(item.label)}`;
      for (let n = 2; taken.has(stem.toLowerCase()); n++) stem = `${base}-${shortHash(`${item.label}#${n}`)}`;
    }
    taken.add(stem.toLowerCase());
    out[i] = stem;
  }
  return out;
}
