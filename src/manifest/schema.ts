/**
 * JSON Schema of models.manifest.json. The committed models.manifest.schema.json is generated
 * from this object (scripts/write-manifest-schema.mjs) and a test fails if the two drift.
 * No expressions in the manifest: everything is data that a validator can check.
 */
import { DATASET_TASK_NAMES, TASK_NAMES } from './tasks.js';

const tensorSpec = {
  type: 'object',
  required: ['name', 'dtype', 'dims'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1 },
    dtype: { enum: ['float32', 'float16', 'int64', 'int32', 'uint8', 'int8', 'bool', 'float64'] },
    dims: {
      type: 'array',
      minItems: 1,
      items: { anyOf: [{ type: 'integer', minimum: -1 }, { type: 'string' }] },
      description: '-1 or a symbolic name for a dynamic axis',
    },
    layout: { type: 'string', description: 'NCHW, NCDHW, NC, NL (tokens), N3DHW (displacement field) ...' },
    axisOrder: { type: 'string', description: 'which Volume axis each spatial tensor axis is, e.g. "kji" (D,H,W) or "ijk"' },
    channels: { type: 'array', items: { type: 'string' } },
    description: { type: 'string' },
  },
} as const;

/** A coded concept (DICOM Code Sequence macro): code value, coding scheme designator, meaning. */
const codedConcept = {
  type: 'object',
  required: ['value', 'scheme', 'meaning'],
  additionalProperties: false,
  properties: { value: { type: 'string', maxLength: 16 }, scheme: { type: 'string', maxLength: 16 }, meaning: { type: 'string', maxLength: 64 } },
} as const;

const step = {
  type: 'object',
  required: ['op'],
  properties: { op: { type: 'string', minLength: 1 } },
  description: 'A declarative step; its parameters are validated by the preprocess / postprocess module at load.',
} as const;

const fileEntry = {
  type: 'object',
  required: ['role'],
  additionalProperties: false,
  properties: {
    role: { enum: ['model', 'vocab', 'labels', 'config'] },
    path: { type: 'string', description: 'relative to the manifest file' },
    url: { type: 'string' },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    bytes: { type: 'integer', minimum: 0 },
    precision: { enum: ['fp32', 'fp16', 'int8'] },
  },
} as const;

const metric = {
  type: 'object',
  required: ['value'],
  additionalProperties: false,
  properties: {
    value: { type: 'number' },
    measuredOn: { type: 'object', description: 'data the figure was measured on: dataset / generator, seed, count, split' },
    source: { type: 'string', description: 'where a published figure comes from' },
  },
} as const;

const maxWasmThreads = {
  type: 'integer',
  minimum: 1,
  description: "browsers: the most onnxruntime-web wasm threads this model profits from; applied at the page's first session when the caller sets no count",
} as const;

const minWasmThreads = {
  type: 'integer',
  minimum: 1,
  description:
    'browsers: the fewest onnxruntime-web wasm threads this model should run on (at most the cores), for a model measured faster on more ' +
    "threads than the default; applied at the page's first session when the caller sets no count",
} as const;

const inference = {
  oneOf: [
    {
      type: 'object',
      required: ['mode'],
      additionalProperties: false,
      properties: { mode: { const: 'whole' }, batch: { type: 'integer', minimum: 1 }, maxWasmThreads, minWasmThreads },
    },
    {
      type: 'object',
      required: ['mode', 'roi', 'overlap'],
      additionalProperties: false,
      properties: {
        mode: { const: 'slidingWindow' },
        roi: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 3 },
        overlap: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
        batch: { type: 'integer', minimum: 1 },
        blend: { enum: ['constant', 'gaussian'] },
        sigmaScale: { type: 'number', exclusiveMinimum: 0 },
        placement: { enum: ['monai', 'nnunet'] },
        mirrorAxes: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 2 } },
        padValue: { type: 'number' },
        padMode: {
          enum: ['constant', 'replicate'],
          description: 'padding of an image smaller than the roi: constant (padValue) or replicate (edge voxels; MONAI padding_mode)',
        },
        maxWasmThreads,
        minWasmThreads,
      },
    },
  ],
} as const;

const model = {
  type: 'object',
  required: ['task', 'title', 'datasets', 'architecture', 'files', 'weights', 'io', 'preprocess', 'inference', 'postprocess', 'labels', 'intendedUse'],
  additionalProperties: false,
  properties: {
    task: { enum: TASK_NAMES },
    title: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    datasets: { type: 'array', minItems: 1, items: { type: 'string' } },
    architecture: { type: 'string', minLength: 1 },
    files: { type: 'array', minItems: 1, items: fileEntry },
    weights: {
      type: 'object',
      required: ['kind'],
      additionalProperties: false,
      properties: {
        kind: {
          enum: ['bundled', 'external', 'user'],
          description:
            "bundled: ships with the package; external: a published checkpoint the user converts; user: added to the user's model store (medinfer " +
            'models add / import-monai / convert)',
        },
        source: { type: 'string', description: 'where to download the original checkpoint (external)' },
        checkpoint: { type: 'string', description: 'the original checkpoint file name' },
        convertScript: { type: 'string', description: 'script (relative to the package root) that converts it to ONNX' },
        trainScript: { type: 'string', description: 'script that trained the bundled model' },
        licence: { type: 'string' },
      },
    },
    opset: { type: 'integer', minimum: 7 },
    io: {
      type: 'object',
      required: ['inputs', 'outputs'],
      additionalProperties: false,
      properties: { inputs: { type: 'array', minItems: 1, items: tensorSpec }, outputs: { type: 'array', minItems: 1, items: tensorSpec } },
    },
    inputs: {
      type: 'array',
      description: 'named input volumes (multi-modal MRI, fixed/moving) in the order the model stacks them',
      items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, modality: { type: 'string' }, description: { type: 'string' } } },
    },
    modality: { type: 'array', items: { type: 'string' }, description: 'DICOM modalities the model accepts (CR, DX, CT, MR, ...)' },
    dimensionality: { enum: [2, 3] },
    dicomweb: {
      type: 'object',
      additionalProperties: false,
      description:
        'how `medinfer dicomweb run` picks the input series of a study (QIDO-RS): one rule per model input (all inputs of a multi-input model); a ' +
        'series is used when it alone matches its rule',
      properties: {
        series: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            properties: {
              input: { type: 'string', description: 'model input name (from `inputs`); omitted for single-input models' },
              modality: {
                type: 'array',
                minItems: 1,
                items: { type: 'string' },
                description: "Modality (0008,0060) values accepted (default: the model's `modality`)",
              },
              descriptionIncludes: {
                type: 'array',
                items: { type: 'string', minLength: 1 },
                description: 'SeriesDescription must contain one of these (case-insensitive)',
              },
              descriptionExcludes: {
                type: 'array',
                items: { type: 'string', minLength: 1 },
                description: 'SeriesDescription must contain none of these (case-insensitive)',
              },
              minInstances: { type: 'integer', minimum: 1 },
            },
          },
        },
      },
    },
    space: {
      type: 'object',
      additionalProperties: false,
      description: 'the orientation and spacing the model was trained in: the grid the preprocessing ends on must match, else the input is refused',
      properties: {
        orientation: {
          type: 'string',
          pattern: '^(?=.*[LR])(?=.*[AP])(?=.*[IS])[LRAPIS]{3}$',
          description: 'nibabel axis codes of voxel axes i, j, k (e.g. RAS, LIA)',
        },
        spacing: { type: 'array', minItems: 3, maxItems: 3, items: { type: 'number', exclusiveMinimum: 0 } },
        world: { enum: ['LPS', 'RAS'] },
      },
    },
    preModel: {
      type: 'object',
      required: ['id'],
      additionalProperties: false,
      description: 'segmentation: an entry of this manifest run first on the same input; its labels feed cropForeground {mask: "preModel"}',
      properties: {
        id: { type: 'string', minLength: 1 },
        skip: { type: 'array', items: { type: 'string', minLength: 1 }, description: "ops of the pre-model's preprocess / postprocess not run in this role" },
      },
    },
    preprocess: { type: 'array', items: step },
    inference,
    postprocess: { type: 'array', items: step },
    labels: {
      type: 'array',
      items: {
        anyOf: [
          { type: 'string' },
          {
            type: 'object',
            required: ['name'],
            properties: {
              name: { type: 'string' },
              value: { type: 'integer' },
              color: { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' },
              code: { ...codedConcept, description: 'what the label is (SNOMED CT preferred): DICOM SEG SegmentedPropertyType, SR finding' },
              category: { ...codedConcept, description: 'DICOM SEG SegmentedPropertyCategory (CID 7150), e.g. SCT 91723000 Anatomical Structure' },
            },
          },
        ],
      },
    },
    thresholds: { type: 'array', items: { type: ['number', 'null'] } },
    tokenizer: { type: 'object', description: 'report-text models: lowercase, punctuation, maxLength, padding, unknown token' },
    intendedUse: { type: 'string', minLength: 10 },
    limitations: { type: 'string' },
    metrics: { type: 'object', additionalProperties: metric },
    references: { type: 'array', items: { type: 'object', required: ['title'], properties: { title: { type: 'string' }, url: { type: 'string' } } } },
    licence: { type: 'string' },
  },
} as const;

const dataset = {
  type: 'object',
  required: ['name', 'tasks', 'modality', 'acquisition'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1 },
    tasks: { type: 'array', minItems: 1, items: { enum: DATASET_TASK_NAMES } },
    modality: { type: 'string' },
    year: { type: 'integer', minimum: 1990, maximum: 2100 },
    acquisition: {
      type: 'object',
      required: ['kind'],
      additionalProperties: false,
      properties: {
        kind: { enum: ['public-link', 'registration', 'not-publicly-linked', 'generated'] },
        link: { type: 'string' },
        terms: { type: 'string' },
        generator: { type: 'string', description: 'for generated phantom data: the function / script' },
      },
    },
    licence: { type: 'string' },
    size: { type: 'string' },
    citation: { type: 'string' },
    flagship: { type: 'boolean' },
    surveyTable: { type: 'string' },
    notes: { type: 'string' },
  },
} as const;

export const MANIFEST_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://medinfer.dev/schemas/models.manifest.schema.json',
  title: 'medinfer model manifest',
  type: 'object',
  required: ['manifestVersion', 'datasets', 'models'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    manifestVersion: { const: 1 },
    datasets: { type: 'object', propertyNames: { pattern: '^[a-z0-9][a-z0-9-]*$' }, additionalProperties: dataset },
    models: { type: 'object', propertyNames: { pattern: '^[a-z0-9][a-z0-9.-]*$' }, additionalProperties: model },
  },
} as const;
