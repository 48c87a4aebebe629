/**
 * DICOM reading, isomorphic (bytes in, Volume out; the Node folder reader is node-files.ts).
 *  - readDicom: one file (single or multi-frame). Pixels equal pydicom 2.3 (+ gdcm) on every
 *    fixture; colour is returned as interleaved RGB (YBR converted as pydicom's
 *    convert_color_space does); the modality LUT is applied by default (see modality-lut.ts for
 *    the output type rule); MONOCHROME1 is reported and inverted only on request. Stored values
 *    are masked to BitsStored (sign-extended when signed, stored-bits.ts). Philips MR with a
 *    private Scale Slope returns dcm2niix's "precise" floating-point values unless
 *    philipsScaling: 'display' (philips-scaling.ts; meta.philipsScaling says which). EPI
 *    phase-encoding polarity is reported in meta.phaseEncoding, pixels are never flipped for it
 *    (phase-encoding.ts).
 *  - readDicomSeries / groupDicomSeries: series split by SeriesInstanceUID, orientation and size;
 *    slices ordered along the normal; errors vs warnings policy in stack-geometry.ts.
 *  - Siemens mosaics (one frame tiling N slices) are unpacked by readDicom into [cols/g, rows/g, N]
 *    (g = ceil(sqrt(N))), placed as dcm2niix places them (mosaic.ts, mosaic-geometry.ts, CSA
 *    header in siemens-csa.ts); meta.mosaic = { images, grid }; meta.sliceTimes (s, one per k)
 *    from CSA MosaicRefAcqTimes when they lie within the TR. Voxels and world grid equal dcm2niix's
 *    on dcm_qa_mosaic, dcm_qa Orientation and dcm_qa_ts.
 *  - Multi-volume series (series-parts.ts), classic or enhanced, as dcm2niix splits them: repeated
 *    positions -> one 4D Volume (`frames` = volumes in acquisition order, meta.volumeIndexAttribute;
 *    meta.sliceTimes of a Siemens XA run from TimeAfterStart, slice-times.ts);
 *    echoes and image components (magnitude / phase / real / imaginary) -> separate parts, each
 *    with meta.part (the dcm2niix suffix: '_e2', '_ph', '_e1_ph', ...), meta.echoNumber,
 *    meta.imageComponent. readDicom / readDicomSeries return one part: the only one, or the one
 *    chosen with options { part: '_e2' } or { echo: 2, component: 'phase' }; with several parts
 *    and no choice they throw InputError (cause 'several-parts', details.parts = suffixes).
 *    readDicomSeriesParts and readDicomDirectory (Node) return every part. Frames without
 *    positions (cine, ultrasound loops) are volumes of one slice, never a stack.
 *  - summarizeDicomHeader / readDicomTags: header views without the PS3.15 Basic Confidentiality
 *    Profile's attributes (phi-attributes.ts) unless showPhi.
 * Refused with UnsupportedError: 12-bit JPEG Extended, video, JPIP, PALETTE COLOR, float pixel
 * data, multi-frame mosaics. Every failure is a MedinferError whose details.file names the input.
 */
export { readDicom } from './read-dicom.js';
export type { DicomReadOptions } from './options.js';
export { invertDicomMonochrome1 } from './monochrome.js';
export { DEFAULT_MAX_VOXELS as DICOM_DEFAULT_MAX_VOXELS } from './limits.js';
export { listSupportedTransferSyntaxes, type TransferSyntaxInfo, type PixelCodec } from './transfer-syntax.js';
export { readDicomSeries, readDicomSeriesParts } from './series-assemble.js';
export { groupDicomSeries, type DicomSeriesGroup, type DicomSeriesPartSummary } from './series-grouping.js';
export type { ImageComponent } from './frame-keys.js';
export type { DicomFileInput } from './slice-header.js';
export { summarizeDicomHeader, readDicomTags, type DicomHeaderSummary, type DicomHeaderOptions, type DicomTag } from './header-summary.js';
export { isIdentifyingTag, getBasicProfileAction, KEPT_UIDS as DICOM_KEPT_UIDS } from './phi-attributes.js';
export { BASIC_PROFILE_ATTRIBUTES, type BasicProfileAction } from './phi-profile-table.js';
export {
  DEFAULT_CODEC_LOADERS as DICOM_DEFAULT_CODEC_LOADERS,
  type DicomCodecName,
  type DicomCodecLoader,
  type DicomCodecLoaders,
} from './codecs/codec-loaders.js';
