/**
 * Isomorphic public API: types and pure functions only. Imports no runtime and no node:* module,
 * so it bundles for browsers unchanged. Node and browser entries add runtimes and loaders.
 *
 * Every public name is listed here by hand (no `export *`): a name not listed is internal and may
 * change without notice. test/api/export-surface.test.ts snapshots the runtime names of every
 * entry, so adding one is a reviewed decision. The processing toolbox is `medinfer/ops`
 * (src/ops.ts), the synthetic-data generators `medinfer/phantoms` (src/phantoms.ts).
 */
export { SDK_VERSION } from './version.js';

// Errors: every class (one per code) and the two helpers callers use to report them.
export {
  MedinferError, UsageError, ManifestError, ModelFileError, IntegrityError, DecodeError, UnsupportedError, ProviderError,
  ShapeError, LimitError, InputError, IoError, HttpError, NetworkError, MissingPackageError, isMedinferError, describeError,
  type ErrorCode, type IoErrorCode, type ErrorDetails,
} from './core/errors.js';

// Volume and geometry (world space is LPS; column j of direction = world direction of voxel axis j).
export { VOXEL_TYPES, type VoxelType, type TypedArray, type TypedArrayMap } from './core/dtype.js';
export {
  IDENTITY_DIRECTION, createGeometry, voxelCount, affineFromGeometry, geometryFromAffine, indexToWorld, worldToIndex,
  lpsToRas, rasToLps, flipAffineLpsRas, sameGrid, axisCodes,
  type Vec3, type Mat3, type Mat4, type Geometry, type GeometryInit,
} from './core/geometry.js';
export { createVolume, createVolumeLike, volumeStats, voxelOffset, type Volume, type VolumeMeta, type VolumeInit, type VoxelTypeOf } from './core/volume.js';
export { configureKernelThreads, type KernelThreadOptions } from './core/threads/slab-pool.js';
// The one tensor type (ONNX Runtime's spelling) that preprocessing, sessions and the sliding window share.
export { createTensor, tensorSize, type ModelTensor, type TensorDataType, type TensorDataMap, type TensorMap } from './core/tensor.js';

// The manifest: types, parse and look-up, the JSON Schema.
export {
  TASK_NAMES, MANIFEST_SCHEMA, parseManifest, getModelEntry, getModelFile, labelNames,
  type TaskName, type DatasetEntry, type ModelFile, type StepSpec, type InferenceHints, type InferenceSpec, type CodeSpec,
  type LabelSpec, type DicomWebSeriesRule, type MetricSpec, type ModelEntry, type Manifest, type ManifestLoadOptions,
  type IoSpec, type TensorSpec,
} from './manifest/index.js';

// Providers, backends and model sessions (the layer under the pipelines).
export {
  EXECUTION_PROVIDERS, parseProviderChoice, createModelSession, openModel, SessionCache,
  type ExecutionProvider, type ProviderChoice, type ProviderReport, type DroppedProvider, type WasmThreadingReport,
  type RuntimeBackend, type BackendSession, type BackendSessionOptions, type ProviderProbe, type ValueMetadata,
  type ModelSource, type ModelSession, type ModelSessionOptions, type OpenModelOptions,
} from './runtime/index.js';

// Pipelines: the factories are platform-bound (createPipeline in medinfer/node and medinfer/browser);
// here are the types of their inputs, options and results, and landmark-file parsing.
export {
  parseLandmarks,
  type ImageInput, type NamedInputs, type Provenance, type RuntimeSettings, type PipelineBase, type PipelineMap, type ImplementedTask,
  type ClassificationPipeline, type ClassificationResult, type ClassificationRunOptions, type OcclusionOptions, type OcclusionMap,
  type SegmentationPipeline, type SegmentationResult, type SegmentationRunOptions, type SegmentationSinkResult,
  type DetectionPipeline, type DetectionResult, type Detection, type Luna16Candidate,
  type RegistrationPipeline, type RegistrationInput, type RegistrationResult, type LandmarkFormat, type TreSummary,
  type ReportTextPipeline, type ReportTextResult, type ObservationResult, type MentionStatus,
} from './pipelines/index.js';
export type { PreprocessRecord, MappedBox } from './preprocess/index.js';
export type { LabelScore, LargestSlice } from './postprocess/index.js';
// Where a volume goes plane by plane (SegmentationPipeline.runToSink; Node: createNiftiFileSink).
export type { VolumeSink, VolumeShell } from './io/volume-sink.js';

// NIfTI.
export {
  readNifti, readNiftiSync, writeNifti, parseNiftiHeader,
  type ReadNiftiOptions, type NiftiMeta, type WriteNiftiOptions, type NiftiXformCode, type NiftiHeader, type GunzipFunction,
} from './io/nifti/index.js';

// DICOM reading (files, series, multi-volume parts, header summaries without identifiers).
export {
  readDicom, readDicomSeries, readDicomSeriesParts, groupDicomSeries, summarizeDicomHeader, readDicomTags, listSupportedTransferSyntaxes,
  type DicomReadOptions, type DicomFileInput, type DicomSeriesGroup, type DicomSeriesPartSummary, type ImageComponent,
  type DicomHeaderSummary, type DicomHeaderOptions, type DicomTag, type TransferSyntaxInfo, type PixelCodec,
  type DicomCodecName, type DicomCodecLoader, type DicomCodecLoaders,
} from './io/dicom/index.js';

// DICOMweb (QIDO / WADO / STOW over fetch).
export {
  createDicomWebClient, readDicomWebSeries, retrieveDicomWebSeriesFiles,
  type DicomWebClient, type DicomWebClientOptions, type DicomWebProgress, type QidoQuery, type QidoValue, type RetrieveOptions,
  type DicomWebSeriesReference, type DicomWebAuth, type HttpOptions, type StoreResult, type StoredInstance, type FailedInstance,
  type StudyResult, type SeriesResult, type InstanceResult, type DicomJsonDataset, type DicomJsonValue, type MultipartLimits,
} from './io/dicomweb/index.js';

// DICOM SEG and Comprehensive 3D SR writing (and reading a SEG's labels back).
export {
  describeDicomSource, createDicomSeg, createDicomSr, readDicomSegLabels,
  createRandomUid, deriveUid, DEFAULT_UID_ROOT, DICOM_CODES, localCode,
  type DicomSourceSeries, type DicomSourceInstance, type SegmentDescription, type CreateDicomSegOptions, type CodedConcept,
  type AlgorithmIdentity, type InstanceUidOptions, type CreateDicomSrOptions, type SrSegmentVolume, type SrDetection, type SrDetection2D,
  type SrDetection3D, type SrClassification, type DicomSegLabels, type DicomSegSegment,
} from './io/dicom-write/index.js';
// scijs ndarray views over Volumes and tensors, and back, without copying when the layout allows.
export { toNdarray, volumeFromNdarray, tensorFromNdarray, type NdarrayLike, type NdarrayFactory } from './io/ndarray-interop.js';
// Pipeline results -> DICOM SEG / SR (what `medinfer dicomweb run` stores).
export { segmentationToDicom, detectionToDicomSr, classificationToDicomSr, type DicomResultOptions } from './pipelines/dicom-results.js';
