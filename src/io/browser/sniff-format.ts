/**
 * Isomorphic format detection from leading bytes (and the name as a tie-breaker), used by the
 * browser loaders where no file-system reader exists.
 */
export type SniffedFormat = 'dicom' | 'nifti' | 'png' | 'jpeg' | 'unknown';

function at(bytes: Uint8Array, sig: readonly number[], offset = 0): boolean {
  return bytes.length >= offset + sig.length && sig.every((b, i) => bytes[offset + i] === b);
}

export function sniffImageFormat(bytes: Uint8Array, name = ''): SniffedFormat {
  if (at(bytes, [0x44, 0x49, 0x43, 0x4d], 128)) return 'dicom';
  if (at(bytes, [0x89, 0x50, 0x4e, 0x47])) return 'png';
  if (at(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (at(bytes, [0x1f, 0x8b]) && /\.nii\.gz$/i.test(name)) return 'nifti';
  // A NIfTI cut short inside its header is still NIfTI: the reader then says "truncated".
  if (bytes.length >= 4) {
    const le = new DataView(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 8));
    const sizeofHdr = le.getInt32(0, true);
    const sizeofHdrBe = le.getInt32(0, false);
    if (sizeofHdr === 348 || sizeofHdr === 540 || sizeofHdrBe === 348 || sizeofHdrBe === 540) return 'nifti';
  }
  if (at(bytes, [0x1f, 0x8b])) return 'nifti';
  if (/\.(dcm|dicom|ima)$/i.test(name) || (bytes.length > 8 && bytes[0] === 0x08 && bytes[1] === 0x00)) return 'dicom';
  return 'unknown';
}
