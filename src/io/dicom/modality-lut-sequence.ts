/**
 * Modality LUT Sequence (0028,3000), the lookup-table form of the modality LUT (PS3.3 C.11.1),
 * applied as pydicom's apply_modality_lut does: it takes precedence over rescale slope /
 * intercept; values below the first mapped value take entry 0, values past the table take the
 * last entry; the output is uint8 or uint16 after the descriptor's bit depth.
 */
import { DecodeError } from '../../core/errors.js';
import type { TypedArray, VoxelType } from '../../core/dtype.js';
import { allocateTypedArray } from '../../core/dtype.js';
import type { DataSet } from './dataset.js';
import { firstItem } from './parse-header.js';
import { TAG } from './tags.js';

export interface ModalityLutTable {
  readonly firstMapped: number;
  readonly bits: number;
  readonly entries: Uint16Array;
}

/**
 * The table of the file's first Modality LUT Sequence item, or undefined when there is none: no
 * item, or an item whose LUT Descriptor and LUT Data are both empty (type 2 attributes left
 * blank, as LEADTOOLS writes them): there is no table, so the stored values stand (dcm2niix
 * writes them too). One empty without the other is refused.
 */
export function readModalityLutTable(ds: DataSet, file: string): ModalityLutTable | undefined {
  const item = firstItem(ds, TAG.modalityLutSequence);
  if (item === undefined) return undefined;
  const descriptor = item.elements[TAG.lutDescriptor];
  const data = item.elements[TAG.lutData];
  if (descriptor?.length === 0 && data?.length === 0) return undefined;
  if (descriptor === undefined || data === undefined)
    throw new DecodeError(`${file}: Modality LUT Sequence without LUT Descriptor / LUT Data`, { file, cause: 'modality-lut' });
  const count = item.uint16(TAG.lutDescriptor, 0) || 65536; // 0 means 2^16 entries
  // The first mapped value is signed when the descriptor is SS (signed stored values).
  const firstMapped = (descriptor.vr === 'SS' ? item.int16(TAG.lutDescriptor, 1) : item.uint16(TAG.lutDescriptor, 1)) ?? 0;
  const bits = item.uint16(TAG.lutDescriptor, 2) ?? 16;
  if (data.length < count * 2)
    throw new DecodeError(`${file}: LUT Data holds ${data.length / 2} entries, descriptor says ${count}`, { file, cause: 'modality-lut' });
  const entries = new Uint16Array(count);
  for (let n = 0; n < count; n++) entries[n] = item.uint16(TAG.lutData, n) ?? 0;
  return { firstMapped, bits, entries };
}

export function applyModalityLutTable(raw: TypedArray, table: ModalityLutTable): { data: TypedArray; type: VoxelType } {
  const type: VoxelType = table.bits <= 8 ? 'uint8' : 'uint16';
  const out = allocateTypedArray(type, raw.length);
  const last = table.entries.length - 1;
  const lut = table.entries;
  const first = table.firstMapped;
  for (let p = 0; p < raw.length; p++) {
    const idx = raw[p]! - first;
    out[p] = lut[idx < 0 ? 0 : idx > last ? last : idx]!;
  }
  return { data: out, type };
}
