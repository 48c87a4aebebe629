/**
 * DICOMweb (PS3.18) on fetch, isomorphic: QIDO-RS / WADO-RS / STOW-RS client, a bounded
 * streaming multipart parser, and a series reference as image input. Errors: HttpError (status),
 * NetworkError (no answer / timeout), DecodeError (malformed answer), LimitError (over bounds);
 * none carries credentials or query strings.
 */
export {
  createDicomWebClient,
  EXPLICIT_VR_LITTLE_ENDIAN,
  type DicomWebClient,
  type DicomWebClientOptions,
  type DicomWebProgress,
  type QidoQuery,
  type QidoValue,
  type RetrieveOptions,
} from './client.js';
export { readDicomWebSeries, retrieveDicomWebSeriesFiles, seriesRetrieveLimits, type DicomWebSeriesReference } from './read-series.js';
export { MultipartParser, parseMultipart, readMultipartStream, DEFAULT_MULTIPART_LIMITS, type MultipartLimits, type MultipartPart } from './multipart.js';
export { buildMultipart, boundaryOf, parseContentType } from './multipart-build.js';
export { safeUrl, type DicomWebAuth, type HttpOptions } from './http.js';
export { readStoreResponse, type StoreResult, type StoredInstance, type FailedInstance } from './stow.js';
export type { StudyResult, SeriesResult, InstanceResult, DicomJsonDataset, DicomJsonValue } from './dicom-json.js';
