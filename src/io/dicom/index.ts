/**
 * DICOM reading, isomorphic (bytes in, Volume out; the Node folder reader is node-files.ts).
 *  - readDicom: one file (single or multi-frame). Pixels equal pydicom 2.3 (+ gdcm) on every
 *    fixture; colour is returned as interleaved RGB (YBR converted as pydicom's
 *    convert_color_space does); the modality LUT is applied by default (see modality-lut.ts for
 *    the output type rule); MONOCHROME1 is reported and inverted only on request.
 *  - readDicomSeries / groupDicomSeries: series split by SeriesInstanceUID, orientation and size;
 *    slices ordered along the normal; errors vs warnings policy in stack-geometry.ts.
 *  - summarizeDicomHeader / readDicomTags: header views without the PS3.15 Basic Confidentiality
 *    Profile's attributes (phi-attributes.ts) unless showPhi.
 * Refused with UnsupportedError: 12-bit JPEG Extended, video, JPIP, PALETTE COLOR, float pixel
 * data, Siemens mosaic. Every failure is a MedinferError whose details.file names the input.
 */
export { readDicom } from './read-dicom.js';
export type { DicomReadOptions } from './options.js';
export { invertDicomMonochrome1 } from './monochrome.js';
export { DEFAULT_MAX_VOXELS as DICOM_DEFAULT_MAX_VOXELS } from './pixel-module.js';
export { listSupportedTransferSyntaxes, type TransferSyntaxInfo, type PixelCodec } from './transfer-syntax.js';
export { readDicomSeries } from './series-assemble.js';
export { groupDicomSeries, type DicomSeriesGroup } from './series-grouping.js';
export type { DicomFileInput } from './slice-header.js';
export { summarizeDicomHeader, readDicomTags, type DicomHeaderSummary, type DicomHeaderOptions, type DicomTag } from './header-summary.js';
export { isIdentifyingTag, getBasicProfileAction, KEPT_UIDS as DICOM_KEPT_UIDS } from './phi-attributes.js';
export { BASIC_PROFILE_ATTRIBUTES, type BasicProfileAction } from './phi-profile-table.js';
export { DEFAULT_CODEC_LOADERS as DICOM_DEFAULT_CODEC_LOADERS, type DicomCodecName, type DicomCodecLoader, type DicomCodecLoaders } from './codecs/codec-loaders.js';
