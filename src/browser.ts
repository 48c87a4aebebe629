/**
 * Browser entry: the isomorphic API plus onnxruntime-web runtime and File / Blob / URL / canvas
 * loaders. Never imports node:* modules, sharp or onnxruntime-node (a test bundles this file to check).
 *
 * Names are listed by hand; test/api/export-surface.test.ts snapshots them.
 */
// The isomorphic API (src/index.ts), re-exported name by name: test/api/export-surface.test.ts checks
// that this list and the names of src/index.ts agree (rewrite it with scripts/write-entry-reexports.mjs).
export {
  SDK_VERSION, MedinferError, UsageError, ManifestError, ModelFileError, IntegrityError, DecodeError, UnsupportedError, ProviderError, ShapeError,
  LimitError, InputError, IoError, HttpError, NetworkError, MissingPackageError, isMedinferError, describeError, type ErrorCode, type IoErrorCode,
  type ErrorDetails, VOXEL_TYPES, type VoxelType, type TypedArray, type TypedArrayMap, IDENTITY_DIRECTION, createGeometry, voxelCount,
  affineFromGeometry, geometryFromAffine, indexToWorld, worldToIndex, lpsToRas, rasToLps, flipAffineLpsRas, sameGrid, axisCodes, type Vec3, type Mat3,
  type Mat4, type Geometry, type GeometryInit, createVolume, createVolumeLike, volumeStats, voxelOffset, type Volume, type VolumeMeta,
  type VolumeInit, type VoxelTypeOf, configureKernelThreads, type KernelThreadOptions, createTensor, tensorSize, type ModelTensor,
  type TensorDataType, type TensorDataMap, type TensorMap, TASK_NAMES, MANIFEST_SCHEMA, parseManifest, getModelEntry, getModelFile, labelNames,
  type TaskName, type DatasetEntry, type ModelFile, type StepSpec, type InferenceHints, type InferenceSpec, type CodeSpec, type LabelSpec,
  type DicomWebSeriesRule, type MetricSpec, type ModelEntry, type Manifest, type ManifestLoadOptions, type IoSpec, type TensorSpec,
  EXECUTION_PROVIDERS, parseProviderChoice, createModelSession, openModel, SessionCache, type ExecutionProvider, type ProviderChoice,
  type ProviderReport, type DroppedProvider, type WasmThreadingReport, type RuntimeBackend, type BackendSession, type BackendSessionOptions,
  type ProviderProbe, type ValueMetadata, type ModelSource, type ModelSession, type ModelSessionOptions, type OpenModelOptions, parseLandmarks,
  type ImageInput, type NamedInputs, type Provenance, type RuntimeSettings, type PipelineBase, type PipelineMap, type ImplementedTask,
  type ClassificationPipeline, type ClassificationResult, type ClassificationRunOptions, type OcclusionOptions, type OcclusionMap,
  type SegmentationPipeline, type SegmentationResult, type SegmentationRunOptions, type SegmentationSinkResult, type DetectionPipeline,
  type DetectionResult, type Detection, type Luna16Candidate, type RegistrationPipeline, type RegistrationInput, type RegistrationResult,
  type LandmarkFormat, type TreSummary, type ReportTextPipeline, type ReportTextResult, type ObservationResult, type MentionStatus,
  type PreprocessRecord, type MappedBox, type LabelScore, type LargestSlice, type VolumeSink, type VolumeShell, readNifti, readNiftiSync, writeNifti,
  parseNiftiHeader, type ReadNiftiOptions, type NiftiMeta, type WriteNiftiOptions, type NiftiXformCode, type NiftiHeader, type GunzipFunction,
  readDicom, readDicomSeries, readDicomSeriesParts, groupDicomSeries, summarizeDicomHeader, readDicomTags, listSupportedTransferSyntaxes,
  type DicomReadOptions, type DicomFileInput, type DicomSeriesGroup, type DicomSeriesPartSummary, type ImageComponent, type DicomHeaderSummary,
  type DicomHeaderOptions, type DicomTag, type TransferSyntaxInfo, type PixelCodec, type DicomCodecName, type DicomCodecLoader,
  type DicomCodecLoaders, createDicomWebClient, readDicomWebSeries, retrieveDicomWebSeriesFiles, type DicomWebClient, type DicomWebClientOptions,
  type DicomWebProgress, type QidoQuery, type QidoValue, type RetrieveOptions, type DicomWebSeriesReference, type DicomWebAuth, type HttpOptions,
  type StoreResult, type StoredInstance, type FailedInstance, type StudyResult, type SeriesResult, type InstanceResult, type DicomJsonDataset,
  type DicomJsonValue, type MultipartLimits, describeDicomSource, createDicomSeg, createDicomSr, readDicomSegLabels, createRandomUid, deriveUid,
  DEFAULT_UID_ROOT, DICOM_CODES, localCode, type DicomSourceSeries, type DicomSourceInstance, type SegmentDescription, type CreateDicomSegOptions,
  type CodedConcept, type AlgorithmIdentity, type InstanceUidOptions, type CreateDicomSrOptions, type SrSegmentVolume, type SrDetection,
  type SrDetection2D, type SrDetection3D, type SrClassification, type DicomSegLabels, type DicomSegSegment, toNdarray, volumeFromNdarray,
  tensorFromNdarray, type NdarrayLike, type NdarrayFactory, segmentationToDicom, detectionToDicomSr, classificationToDicomSr, type DicomResultOptions,
} from './index.js';

// Pipelines bound to onnxruntime-web and fetch; the manifest over HTTP.
export { createPipeline, fetchManifest, type BrowserPipelineOptions } from './pipelines/browser-context.js';

// onnxruntime-web (wasm, WebGPU) and the check that the app serves its files.
export { createWebBackend, checkOrtAssets, ORT_WEB_ASSET_FILES, type WebBackendOptions, type OrtAssetProblem } from './runtime/ort-web.js';

// Images from File / Blob / URL / bytes; DICOM series from dropped files.
export { readImageInBrowser, readDicomFilesInBrowser, type BrowserImageSource, type BrowserReadOptions } from './io/browser/read-image.js';
export { sniffImageFormat } from './io/browser/sniff-format.js';

// Worker threads for the volume kernels (needs cross-origin isolation).
export { startKernelThreads, type KernelThreadsStatus, type StartKernelThreadsOptions } from './postprocess/threads/browser-slab-pool.js';
