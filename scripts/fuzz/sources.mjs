/**
 * Real files the fuzzers mutate, read from the repository's test fixtures: every DICOM codec and
 * pixel path (native LE/BE, implicit, RLE, JPEG baseline / lossless / LS / 2000 / HTJ2K, deflate,
 * enhanced multi-frame, RT dose, 1-bit, YBR), vendor layouts (Siemens mosaic, UIH grid, Philips
 * enhanced) and NIfTI-1/2, gzip, 4D, scaled and big-endian files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));

const DICOM = [
  'dicom/CT_small.dcm',
  'dicom/MR_small_RLE.dcm',
  'dicom/MR_small_jpeg_ls_lossless.dcm',
  'dicom/MR_small_jp2klossless.dcm',
  'dicom/MR_small_bigendian.dcm',
  'dicom/MR_small_implicit.dcm',
  'dicom/JPEG2000.dcm',
  'dicom/SC_rgb_jpeg_dcmtk.dcm',
  'dicom/SC_rgb_rle.dcm',
  'dicom/image_dfl.dcm',
  'dicom/rtdose.dcm',
  'dicom/generated/ct_jpeg_lossless_sv1.dcm',
  'dicom/generated/mr_htj2k_lossless.dcm',
  'dicom/generated/enhanced_ct_5frames.dcm',
  'dicom/generated/rgb_planar1_2frames.dcm',
  'dicom/generated/int32_signed_bigendian_2frames.dcm',
  'dicom/generated/bits1_3frames.dcm',
  'dicom/generated/uint12_jpeg_ls_near_lossless.dcm',
  'dicom/generated/rgb_jpeg_baseline_422.dcm',
  'dicom/generated/ybr_full_422_native.dcm',
  'dicom/generated/noise_jpeg_lossless_fragments_nobot.dcm',
  'dicom/generated/enhanced_ct_jpeg2000_5frames.dcm',
  'dicom/generated/xa_modality_lut_sequence.dcm',
  'dicom/generated/j2k_unsigned_stream_signed_pr.dcm',
  'dicom/generated/rtdose_rle_32bit_15frames.dcm',
  'dicom/generated/int16_bits12_signed_implicit.dcm',
  // Vendor layouts (dcm2niix QA data, BSD-2): Siemens mosaic, Siemens mosaic JPEG lossless, UIH grid, Philips enhanced.
  'dcm-qa/dcm_qa_nih/nih_si_pe_ap/0001.dcm',
  'dcm-qa/dcm_qa_ts/ts5/0001.dcm',
  'dcm-qa/dcm_qa_stc/uih_dti/0001.dcm',
  'dcm-qa/dcm_qa_philips_enh/p1901_cl/0001.dcm',
];

const NIFTI = [
  'nifti/generated/dtype-int16.nii',
  'nifti/generated/dtype-float32.nii',
  'nifti/generated/dtype-uint8.nii',
  'nifti/generated/nifti2-float32.nii',
  'nifti/generated/qform-only.nii',
  'nifti/generated/sform-only.nii',
  'nifti/generated/big-endian-float32.nii',
  'nifti/generated/scaled-int16.nii',
  'nifti/generated/rgb24.nii',
  'nifti/generated/int16-4d.nii.gz',
  'nifti/generated/nifti2-4d.nii.gz',
  'nifti/generated/oblique.nii.gz',
];

function load(list, ext) {
  return list.map((rel) => ({ name: rel, ext: ext(rel), bytes: new Uint8Array(readFileSync(join(FIXTURES, rel))) }));
}

export const dicomSources = () => load(DICOM, () => '.dcm');
export const niftiSources = () => load(NIFTI, (rel) => (rel.endsWith('.gz') ? '.nii.gz' : '.nii'));
/** The CLI sees both kinds of files, by extension. */
export const inspectSources = () => [...dicomSources(), ...niftiSources()];

/** A real source series for the SEG / SR writers (Philips classic pCASL, 40 files: the first 8). */
export const segSeriesSources = () =>
  load(
    Array.from({ length: 8 }, (_, n) => `dcm-qa/dcm_qa_philips_enh/p1901_cl/${String(n + 1).padStart(4, '0')}.dcm`),
    () => '.dcm',
  );

/** Boundary of the multipart/related bodies below (WADO-RS answers as a PACS sends them). */
export const MULTIPART_BOUNDARY = 'medinfer-fuzz-boundary-7d3c';

/** WADO-RS-like multipart/related bodies of 1-3 real DICOM instances each. */
export const multipartSources = () => {
  const files = load(
    ['dicom/CT_small.dcm', 'dicom/MR_small.dcm', 'dicom/MR_small_RLE.dcm', 'dicom/generated/enhanced_ct_5frames.dcm', 'dicom/MR_small_jpeg_ls_lossless.dcm'],
    () => '.dcm',
  );
  const enc = new TextEncoder();
  const body = (parts) => {
    const chunks = [];
    for (const p of parts)
      chunks.push(
        enc.encode(`--${MULTIPART_BOUNDARY}\r\nContent-Type: application/dicom; transfer-syntax=*\r\nContent-Length: ${p.bytes.length}\r\n\r\n`),
        p.bytes,
        enc.encode('\r\n'),
      );
    chunks.push(enc.encode(`--${MULTIPART_BOUNDARY}--\r\n`));
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  };
  return [
    { name: 'multipart: CT_small', ext: '', bytes: body([files[0]]) },
    { name: 'multipart: MR_small + MR_small_RLE', ext: '', bytes: body([files[1], files[2]]) },
    { name: 'multipart: enhanced CT + JPEG-LS MR + CT', ext: '', bytes: body([files[3], files[4], files[0]]) },
  ];
};
