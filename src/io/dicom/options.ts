/** Reader options, validated eagerly (UsageError names the option, what was expected and received). */
import { UsageError } from '../../core/errors.js';
import type { TypedArray, VoxelType } from '../../core/dtype.js';
import { DEFAULT_MAX_VOXELS } from './limits.js';
import { PHILIPS_SCALINGS, type PhilipsScaling } from './philips-scaling.js';
import type { ImageComponent } from './frame-keys.js';
import { DEFAULT_CODEC_LOADERS, type DicomCodecLoaders, type DicomCodecName } from './codecs/codec-loaders.js';

const CODEC_NAMES = Object.keys(DEFAULT_CODEC_LOADERS) as DicomCodecName[];

export interface DicomReadOptions {
  /** Label used in meta.source and in every error (a file name; never a patient identifier). Default 'memory'. */
  name?: string;
  /** Refuse images with more samples than this, checked from the header before allocating. Default 2^28. */
  maxVoxels?: number;
  /** Apply RescaleSlope / RescaleIntercept (per frame for enhanced objects). Default true. */
  applyModalityLut?: boolean;
  /** Invert MONOCHROME1 images so that high values are bright (meta.photometric becomes MONOCHROME2). Default false. */
  invertMonochrome1?: boolean;
  /**
   * Codec loaders for compressed transfer syntaxes (see codecs/codec-loaders.ts). Node needs none;
   * browser apps pass the codecs they bundle and serve. Missing ones load by package name.
   */
  codecs?: DicomCodecLoaders;
  /**
   * Philips MR files with a private Scale Slope (2005,100E): 'precise' (default, as dcm2niix)
   * returns the floating-point values FP = (PV * RS + RI) / (RS * SS) as float32; 'display'
   * returns the standard RescaleSlope / RescaleIntercept values. meta.philipsScaling records
   * which was used (see philips-scaling.ts). Ignored for other files and with applyModalityLut false.
   */
  philipsScaling?: PhilipsScaling;
  /**
   * Return the stored values when one linear map (RescaleSlope / Intercept, or Philips precise
   * scaling) holds for every frame, with that map in meta.storedValueScaling = { slope, intercept }
   * (value = stored * slope + intercept) instead of applying it; frames with different maps, LUT
   * tables and colour images are returned as usual. For writers that store the map themselves
   * (NIfTI scl_slope / scl_inter, as dcm2niix does): no pass over the samples, no wider type.
   * Default false.
   */
  keepStoredValues?: boolean;
  /**
   * Also put the series' free-text labels into meta: meta.protocolName (0018,1030) and
   * meta.seriesDescription (0008,103E). Off by default: PS3.15's de-identification profile removes
   * both because operators sometimes type identifying text into them (`medinfer convert` reads
   * them only when an output name pattern asks for %p / %d).
   */
  seriesLabels?: boolean;
  /**
   * Which part of a series with several echoes / image components to return (readDicom,
   * readDicomSeries): the dcm2niix file suffix, e.g. '_e2', '_ph', '_e1_ph', or '' for the
   * unsuffixed (magnitude) part. Default: none; a series with several parts is then refused
   * with an InputError (cause 'several-parts') listing them.
   */
  part?: string;
  /** Select the part by echo number (1-based, as in the `_e<N>` suffix). */
  echo?: number;
  /** Select the part by image component. */
  component?: ImageComponent;
}

export interface ResolvedReadOptions {
  readonly name: string;
  readonly maxVoxels: number;
  readonly applyModalityLut: boolean;
  readonly invertMonochrome1: boolean;
  readonly codecs: DicomCodecLoaders | undefined;
  readonly philipsScaling: PhilipsScaling;
  readonly keepStoredValues: boolean;
  readonly seriesLabels: boolean;
  readonly part: string | undefined;
  readonly echo: number | undefined;
  readonly component: ImageComponent | undefined;
  /**
   * Allocates the volume buffer of a part whose every sample is read straight into it from its
   * files before anyone sees it (decodePart): Node's file readers pass an uninitialised
   * allocation, so an 8 MiB radiograph is not zero-filled only to be overwritten. Unset: zeroed.
   * Internal (not a DicomReadOptions field).
   */
  readonly allocateForFill?: (type: VoxelType, length: number) => TypedArray;
  /**
   * Compressed frames go to the frame decoding threads where a platform has them
   * (codecs/frame-decode-pool.ts): set by the series reader for series of many frames. Internal.
   */
  readonly frameThreads?: boolean;
}

const COMPONENTS: readonly ImageComponent[] = ['magnitude', 'phase', 'real', 'imaginary', 'fieldmap'];

function checkSelection(o: DicomReadOptions): void {
  if (o.part !== undefined && typeof o.part !== 'string')
    throw new UsageError(`option part must be a string (a suffix such as '_e2' or '_ph'), got ${typeof o.part}`, { field: 'part', expected: 'string' });
  if (o.echo !== undefined && !(Number.isInteger(o.echo) && o.echo >= 1))
    throw new UsageError(`option echo must be an integer >= 1, got ${String(o.echo)}`, { field: 'echo', expected: 'integer >= 1', received: String(o.echo) });
  if (o.component !== undefined && !COMPONENTS.includes(o.component)) {
    throw new UsageError(`option component must be one of ${COMPONENTS.join(', ')}, got ${String(o.component)}`, {
      field: 'component',
      expected: COMPONENTS.join(' | '),
      received: String(o.component),
    });
  }
}

function checkBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new UsageError(`option ${field} must be a boolean, got ${typeof value}`, { field, expected: 'boolean', received: typeof value });
}

function checkCodecs(value: unknown): DicomCodecLoaders | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') throw new UsageError('option codecs must be an object of loader functions', { field: 'codecs' });
  for (const [key, loader] of Object.entries(value)) {
    if (!CODEC_NAMES.includes(key as DicomCodecName) || typeof loader !== 'function') {
      throw new UsageError(`option codecs.${key} must be one of ${CODEC_NAMES.join(', ')} with a loader function`, {
        field: `codecs.${key}`,
        expected: CODEC_NAMES.join(' | '),
      });
    }
  }
  return value as DicomCodecLoaders;
}

function checkPhilipsScaling(value: unknown): PhilipsScaling {
  if (value === undefined) return 'precise';
  if (PHILIPS_SCALINGS.includes(value as PhilipsScaling)) return value as PhilipsScaling;
  throw new UsageError(`option philipsScaling must be 'precise' or 'display', got ${String(value)}`, {
    field: 'philipsScaling',
    expected: PHILIPS_SCALINGS.join(' | '),
    received: String(value),
  });
}

export function resolveReadOptions(options: DicomReadOptions | undefined, defaultName = 'memory'): ResolvedReadOptions {
  const o = options ?? {};
  if (typeof o !== 'object') throw new UsageError(`options must be an object, got ${typeof o}`, { field: 'options' });
  if (o.name !== undefined && typeof o.name !== 'string')
    throw new UsageError(`option name must be a string, got ${typeof o.name}`, { field: 'name', expected: 'string' });
  if (o.maxVoxels !== undefined && (typeof o.maxVoxels !== 'number' || !(o.maxVoxels >= 1))) {
    throw new UsageError(`option maxVoxels must be a number >= 1, got ${String(o.maxVoxels)}`, {
      field: 'maxVoxels',
      expected: 'number >= 1',
      received: String(o.maxVoxels),
    });
  }
  checkSelection(o);
  return {
    name: o.name ?? defaultName,
    maxVoxels: o.maxVoxels ?? DEFAULT_MAX_VOXELS,
    applyModalityLut: checkBoolean(o.applyModalityLut, 'applyModalityLut') ?? true,
    invertMonochrome1: checkBoolean(o.invertMonochrome1, 'invertMonochrome1') ?? false,
    codecs: checkCodecs(o.codecs),
    philipsScaling: checkPhilipsScaling(o.philipsScaling),
    keepStoredValues: checkBoolean(o.keepStoredValues, 'keepStoredValues') ?? false,
    seriesLabels: checkBoolean(o.seriesLabels, 'seriesLabels') ?? false,
    part: o.part,
    echo: o.echo,
    component: o.component,
  };
}
