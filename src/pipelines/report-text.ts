/**
 * Report-text pipeline: radiology reports -> the model's tokenizer and vocabulary -> a batched
 * text CNN -> per observation a status (positive / negative / uncertain / not mentioned) with
 * scores. Heads: [N, L, K] softmax over the classes the tokenizer block names, or [N, L] sigmoid
 * (positive vs not positive).
 */
import { ManifestError, InputError } from '../core/errors.js';
import { getModelFile, labelNames } from '../manifest/load.js';
import type { ModelEntry } from '../manifest/types.js';
import { TASK_POSTPROCESS_OPS, postprocessOfTask, type PostprocessStepOf } from '../manifest/task-ops.js';
import { applySigmoid, applySoftmax } from '../postprocess/classification/activations.js';
import { resolveModelFileLocation } from '../runtime/open-model.js';
import { createProvenance, handleFields, openModelHandle, outputByName, type ModelHandle } from './model-handle.js';
import { createTokenizer, parseTokenizerSpec, parseVocabulary, type Tokenizer } from './text-tokenizer.js';
import type { PipelineBase, PipelineContext, Provenance } from './types.js';
import { defineTask } from './task-definition.js';

export type MentionStatus = 'positive' | 'negative' | 'uncertain' | 'not mentioned';

export interface ObservationResult {
  readonly name: string;
  readonly status: MentionStatus;
  /** Probability of each status (those the model predicts). */
  readonly scores: Readonly<Partial<Record<MentionStatus, number>>>;
}

export interface ReportTextResult {
  readonly observations: ObservationResult[];
  readonly tokens: number;
  readonly truncated: boolean;
  readonly provenance: Provenance;
}

export interface ReportTextPipeline extends PipelineBase {
  readonly task: 'report-text';
  readonly tokenizer: Tokenizer;
  run(report: string): Promise<ReportTextResult>;
  runBatch(reports: readonly string[]): Promise<ReportTextResult[]>;
}

const STATUSES: readonly MentionStatus[] = ['positive', 'negative', 'uncertain', 'not mentioned'];

function classesOf(entry: ModelEntry): MentionStatus[] {
  // The status order of a [N, L, K] head: tokenizer.classes, else the output's declared channels.
  const raw = entry.tokenizer?.classes ?? entry.io.outputs[0]?.channels;
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || !raw.every((c) => STATUSES.includes(c as MentionStatus))) {
    throw new ManifestError(`model '${entry.id}': tokenizer.classes must list statuses from ${STATUSES.join(', ')}`, {
      modelId: entry.id,
      field: 'tokenizer.classes',
    });
  }
  return raw as MentionStatus[];
}

/**
 * The head's activation as the entry declares it (a softmax over the last axis of [N, L, K], a
 * sigmoid of [N, L]); none declared: chosen by the output's shape. A declaration that the output
 * contradicts is refused, never overridden.
 */
function declaredActivation(entry: ModelEntry): PostprocessStepOf<'report-text'> | undefined {
  let declared: PostprocessStepOf<'report-text'> | undefined;
  for (const step of postprocessOfTask('report-text', entry)) {
    switch (step.op) {
      case 'softmax':
      case 'sigmoid':
        if (declared !== undefined)
          throw new ManifestError(`model '${entry.id}': a report-text head has one activation, postprocess declares '${declared.op}' and '${step.op}'`, {
            modelId: entry.id,
            op: step.op,
          });
        declared = step;
        break;
      default: {
        const exhaustive: never = step;
        return exhaustive;
      }
    }
  }
  return declared;
}

function checkActivation(entry: ModelEntry, declared: PostprocessStepOf<'report-text'> | undefined, dims: readonly number[]): void {
  if (declared === undefined) return;
  const softmaxHead = dims.length === 3 && dims[2]! > 1;
  const fits = declared.op === 'softmax' ? softmaxHead && (declared.axis === -1 || declared.axis === dims.length - 1) : !softmaxHead;
  if (!fits)
    throw new ManifestError(
      `model '${entry.id}': postprocess '${declared.op}'${declared.op === 'softmax' ? ` (axis ${declared.axis})` : ''} does not fit the output ` +
        `[${dims.join(', ')}] (softmax: last axis of [N, L, K]; sigmoid: [N, L])`,
      { modelId: entry.id, op: declared.op },
    );
}

async function loadTokenizer(context: PipelineContext, entry: ModelEntry): Promise<Tokenizer> {
  const vocabFile = getModelFile(entry, 'vocab');
  const location = resolveModelFileLocation(context.manifest, vocabFile, entry);
  const bytes = await context.loadFile(location);
  return createTokenizer(parseTokenizerSpec(entry.tokenizer, entry.id), parseVocabulary(bytes, location, entry.id), entry.id);
}

/** Reports per session.run when the manifest gives no inference.batch. */
export const DEFAULT_REPORT_BATCH = 256;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Non-negative int32 ids -> int64 without a BigInt per element: on little-endian machines (all
 * Node / browser targets in practice) each int64 is written as its low and high 32-bit words.
 */
function toInt64(ids: Int32Array): BigInt64Array {
  if (!LITTLE_ENDIAN) return BigInt64Array.from(ids, (v) => BigInt(v));
  const out = new BigInt64Array(ids.length);
  const words = new Int32Array(out.buffer);
  for (let i = 0; i < ids.length; i++) words[2 * i] = ids[i]!; // high words stay 0 (ids >= 0)
  return out;
}

async function classify(
  handle: ModelHandle,
  tokenizer: Tokenizer,
  classes: MentionStatus[],
  activation: PostprocessStepOf<'report-text'> | undefined,
  reports: readonly string[],
): Promise<ReportTextResult[]> {
  const started = Date.now();
  for (const [i, r] of reports.entries()) if (typeof r !== 'string') throw new InputError(`report ${i} is not a string`, { index: i });
  const names = labelNames(handle.entry);
  const n = reports.length;
  const len = tokenizer.spec.maxLength;
  const ids = new Int32Array(n * len);
  const counts = reports.map((r, i) => tokenizer.encodeInto(r, ids, i * len));
  const data = tokenizer.spec.inputDtype === 'int64' ? toInt64(ids) : ids;
  const outputs = await handle.session.run({ [handle.entry.io.inputs[0]!.name]: { type: tokenizer.spec.inputDtype, dims: [n, len], data } });
  const out = outputByName(outputs, handle);
  const logits = out.data as Float32Array;
  const k = out.dims.length === 3 ? out.dims[2]! : 1;
  checkActivation(handle.entry, activation, out.dims);
  if (out.dims[0] !== n || out.dims[1] !== names.length || (k > 1 && k !== classes.length)) {
    throw new ManifestError(
      `model '${handle.entry.id}': output [${out.dims.join(', ')}] does not match ${names.length} labels x ${classes.length || 1} classes`,
      { modelId: handle.entry.id },
    );
  }
  const probs = k > 1 ? applySoftmax(logits, [n, names.length, k], 2) : applySigmoid(logits);
  return reports.map((_report, r) => {
    const observations = names.map((name, l): ObservationResult => {
      if (k === 1) {
        const p = probs[r * names.length + l]!;
        return { name, status: p >= 0.5 ? 'positive' : 'negative', scores: { positive: p } };
      }
      const base = (r * names.length + l) * k;
      let best = 0;
      const scores: Partial<Record<MentionStatus, number>> = {};
      for (let c = 0; c < k; c++) {
        scores[classes[c]!] = probs[base + c]!;
        if (probs[base + c]! > probs[base + best]!) best = c;
      }
      return { name, status: classes[best]!, scores };
    });
    const tokens = counts[r]!;
    return { observations, tokens, truncated: tokens > len, provenance: createProvenance(handle, [], [`report ${r}`], started) };
  });
}

export async function createReportTextPipeline(context: PipelineContext, model: string | ModelEntry): Promise<ReportTextPipeline> {
  const handle = await openModelHandle(context, model, 'report-text');
  const tokenizer = await loadTokenizer(context, handle.entry);
  const classes = classesOf(handle.entry);
  const activation = declaredActivation(handle.entry);
  // Reports per session.run when the manifest does not say: one call for up to 256 reports (the
  // text CNN's activations stay in the tens of MB); one call of 256 beats four calls of 64
  // (BENCHMARKS.md, "Design measurements").
  const maxBatch = handle.entry.inference.batch ?? DEFAULT_REPORT_BATCH;
  const runBatch = async (reports: readonly string[]) => {
    const out: ReportTextResult[] = [];
    for (let s = 0; s < reports.length; s += maxBatch) out.push(...(await classify(handle, tokenizer, classes, activation, reports.slice(s, s + maxBatch))));
    return out;
  };
  return {
    task: 'report-text',
    ...handleFields(handle),
    tokenizer,
    runBatch,
    run: async (report) => (await runBatch([report]))[0]!,
  };
}

export const reportTextTask = defineTask({ name: 'report-text', postprocessOps: TASK_POSTPROCESS_OPS['report-text'], create: createReportTextPipeline });
