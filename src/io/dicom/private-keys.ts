/**
 * The keys of a parsed dataset's elements that header work looks for among its private ones,
 * listed in one walk over its keys: a header's few hundred keys live in a dictionary-mode object,
 * and every for-in over it builds and sorts a new key list - two walks a file (private creators,
 * long values) were a visible share of a mosaic run's header work.
 *  - creators: keys of the form (gggg,00xx), private creator candidates (siemens-csa.ts findPrivateBlock);
 *  - long: odd-group (private, PS3.5 7.8) elements of at least LONG_PRIVATE_BYTES (compact-header.ts).
 * Keyed by the elements record, not the DataSet: parsed datasets are not changed afterwards, and
 * compact-header.ts moves a parse onto new bytes as a new DataSet over the same record.
 */
import type { DataSet } from './dataset.js';

/** Private values of at least this many bytes are "long" (compactHeader detaches them). */
export const LONG_PRIVATE_BYTES = 16 * 1024;

export interface PrivateKeys {
  readonly creators: readonly string[];
  readonly long: readonly string[];
}

const PRIVATE_KEYS = new WeakMap<DataSet['elements'], PrivateKeys>();

export function privateKeys(ds: DataSet): PrivateKeys {
  let keys = PRIVATE_KEYS.get(ds.elements);
  if (keys === undefined) {
    const creators: string[] = [];
    const long: string[] = [];
    for (const tag in ds.elements) {
      if (tag.charCodeAt(5) === 0x30 && tag.charCodeAt(6) === 0x30) creators.push(tag);
      // The group is parsed from the key only for the few long values.
      if (ds.elements[tag]!.length >= LONG_PRIVATE_BYTES && Number.parseInt(tag.slice(1, 5), 16) % 2 === 1) long.push(tag);
    }
    keys = { creators, long };
    PRIVATE_KEYS.set(ds.elements, keys);
  }
  return keys;
}
