/** DICOM reading (isomorphic: bytes in, Volume out). The Node folder reader lives in node-files.ts. */
export { readDicom } from './read-dicom.js';
export type { DicomReadOptions } from './options.js';
export { invertDicomMonochrome1 } from './monochrome.js';
export { DEFAULT_MAX_VOXELS as DICOM_DEFAULT_MAX_VOXELS } from './pixel-module.js';
export { listSupportedTransferSyntaxes, type TransferSyntaxInfo, type PixelCodec } from './transfer-syntax.js';
export { readDicomSeries } from './series-assemble.js';
export { groupDicomSeries, type DicomSeriesGroup } from './series-grouping.js';
export type { DicomFileInput } from './slice-header.js';
export { summarizeDicomHeader, readDicomTags, type DicomHeaderSummary, type DicomHeaderOptions, type DicomTag } from './header-summary.js';
export { DEFAULT_CODEC_LOADERS as DICOM_DEFAULT_CODEC_LOADERS, type DicomCodecName, type DicomCodecLoader, type DicomCodecLoaders } from './codecs/codec-loaders.js';
