/**
 * The imported entry's `io`, labels and dataset: the SDK's conversion contract for MONAI networks
 * (see build-entry.ts) filled from the bundle's metadata (channel_def, num_channels,
 * spatial_shape) and the mapped inference settings.
 */
import { ManifestError, UnsupportedError } from '../../core/errors.js';
import type { DatasetEntry, InferenceSpec, LabelSpec, TaskName } from '../types.js';
import type { TensorSpec } from '../io-spec.js';

type Json = Record<string, unknown>;

function record(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

function spatialDims(shape: unknown, roi: readonly number[] | undefined, rank: number): number[] {
  const s = Array.isArray(shape) ? shape : [];
  const numeric = s.length === rank && s.every((x) => typeof x === 'number');
  // Sliding-window models only ever see roi-sized windows: the exported graph may fix them.
  if (numeric && roi !== undefined && roi.every((r, i) => r === s[i])) return [...roi];
  return Array.from({ length: rank }, () => -1);
}

function divisibility(shape: unknown): string | undefined {
  const s = Array.isArray(shape) ? shape : [];
  const k = s.map((x) => (typeof x === 'string' ? /^(\d+)\*n$/.exec(x)?.[1] : undefined));
  return k.every((x) => x !== undefined) && k.length > 0 ? `spatial dims multiples of ${k.join(', ')}` : undefined;
}

/** Builds the entry from the parsed configs; `readFile` serves `%file#id` macros. */

function channelNames(def: unknown): string[] {
  const d = record(def);
  return Object.keys(d)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => String(d[k]));
}

/** Lower-case identifier for a channel used as an input name ("FLAIR" -> "flair"). */
function inputName(channel: string): string {
  return channel
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export function findDataset(source: unknown, catalogue: Readonly<Record<string, DatasetEntry>>): string | undefined {
  const url = typeof source === 'string' ? /https?:\/\/[^\s)]+/.exec(source)?.[0] : undefined;
  if (url === undefined) return undefined;
  const host = new URL(url).host;
  const hits = Object.values(catalogue).filter(
    (d) => d.acquisition.link !== undefined && URL.canParse(d.acquisition.link) && new URL(d.acquisition.link).host === host,
  );
  return hits.length === 1 ? hits[0]!.id : undefined;
}

export interface IoParts {
  readonly bundleName: string;
  readonly task: TaskName;
  /** metadata network_data_format.inputs[image] / outputs[first]. */
  readonly input: Json;
  readonly output: Json;
  readonly networkDef: Json;
  readonly rank: number;
  readonly inference: InferenceSpec;
  readonly regions: readonly { channel: number; value: number }[] | undefined;
  readonly classNames?: readonly string[];
}

export function buildIo(p: IoParts): {
  inputSpec: TensorSpec;
  outputs: TensorSpec[];
  labels: LabelSpec[];
  inputNames: string[];
  layout: string;
  axisOrder: string;
} {
  const { bundleName, input, output, networkDef, rank, inference } = p;
  const inChannels = Number(input['num_channels'] ?? networkDef['in_channels'] ?? 1);
  const names = channelNames(input['channel_def']);
  const inputNames = inChannels > 1 ? names.map(inputName) : [];
  if (inChannels > 1 && inputNames.length !== inChannels)
    throw new ManifestError(`${bundleName}: ${inChannels} input channels but channel_def names ${names.length}`, {
      field: 'network_data_format.inputs.channel_def',
    });
  const roi = inference.mode === 'slidingWindow' ? inference.roi : undefined;
  const batch = inference.mode === 'slidingWindow' && inference.batch === 1 ? 1 : -1;
  const spatial = spatialDims(input['spatial_shape'], roi, rank);
  const layout = rank === 3 ? 'NCDHW' : 'NCHW';
  const axisOrder = rank === 3 ? 'ijk' : 'ij';
  const described = divisibility(input['spatial_shape']);
  const inputSpec: TensorSpec = {
    name: 'image',
    dtype: 'float32',
    dims: [batch, inChannels, ...spatial],
    layout,
    axisOrder,
    ...(inChannels > 1 ? { channels: inputNames } : {}),
    ...(described ? { description: described } : {}),
  };
  let outputs: TensorSpec[];
  let labels: LabelSpec[];
  if (p.task === 'detection') {
    outputs = [
      { name: 'boxes', dtype: 'float32', dims: [-1, 6], description: 'xyzxyz in tensor voxel coordinates' },
      { name: 'scores', dtype: 'float32', dims: [-1] },
    ];
    const classes = Number(networkDef['num_classes'] ?? 1);
    if (classes !== 1)
      throw new UnsupportedError(`${bundleName}: RetinaNet with ${classes} classes (the SDK's conversion contract has one score per box)`, {
        field: 'network_def#num_classes',
      });
    labels = p.classNames?.length === classes ? [...p.classNames] : Array.from({ length: classes }, (_, i) => `class ${i}`);
  } else {
    const outChannels = Number(output['num_channels'] ?? networkDef['out_channels']);
    const outNames = channelNames(output['channel_def']);
    outputs = [
      {
        name: 'logits',
        dtype: 'float32',
        dims: [batch, outChannels, ...spatial],
        layout,
        axisOrder,
        ...(outNames.length === outChannels ? { channels: outNames } : {}),
      },
    ];
    labels = p.regions !== undefined ? regionLabels(p.regions, outNames) : outNames.map((name, value) => ({ name, value }));
    if (labels.length === 0) labels = Array.from({ length: outChannels }, (_, value) => ({ name: `label ${value}`, value }));
  }

  return { inputSpec, outputs, labels, inputNames, layout, axisOrder };
}

/** The catalogue dataset the bundle's data_source link points at, else a new dataset entry. */
export function datasetFor(
  source: unknown,
  o: { bundleName: string; slug: string; task: TaskName; modality: string | undefined; catalogue: Readonly<Record<string, DatasetEntry>> },
): { datasetId: string; datasetEntries: Record<string, Omit<DatasetEntry, 'id'>> } {
  const found = findDataset(source, o.catalogue);
  if (found !== undefined) return { datasetId: found, datasetEntries: {} };
  const datasetId = `monai-${o.slug}-data`;
  const link = typeof source === 'string' ? /https?:\/\/[^\s)]+/.exec(source)?.[0] : undefined;
  return {
    datasetId,
    datasetEntries: {
      [datasetId]: {
        name: `${String(source ?? o.bundleName)} (data of MONAI bundle ${o.bundleName})`,
        tasks: [o.task],
        modality: o.modality ?? 'unknown',
        acquisition: link !== undefined ? { kind: 'public-link', link, terms: 'see the linked page' } : { kind: 'not-publicly-linked' },
        notes: `from the bundle's metadata.json data_source: ${JSON.stringify(source ?? null)}`,
      },
    },
  };
}

/** Labels of a region stack: background plus each label value, named by its channel minus the ones that win over it. */
function regionLabels(regions: readonly { channel: number; value: number }[], channels: readonly string[]): LabelSpec[] {
  const name = (c: number): string => channels[c] ?? `channel ${c}`;
  const out: { name: string; value: number }[] = [{ name: 'background', value: 0 }];
  regions.forEach((r, i) => {
    const before = regions.slice(0, i).map((b) => name(b.channel));
    out.push({ name: before.length === 0 ? name(r.channel) : `${name(r.channel)} (not ${before.join(', ')})`, value: r.value });
  });
  return out.sort((a, b) => a.value - b.value);
}
