/**
 * onnxruntime-web's wasm build runs in a wasm32 heap: at most 65536 pages of 64 KiB = 4 GiB
 * (ort-wasm-simd-threaded.mjs creates its memory with `maximum: 65536`), whatever the machine has.
 * A run that needs more ends in `std::bad_alloc` deep in ORT. So before a wasm run the browser
 * backend estimates the run's memory from the model's graph at the feeds' dims
 * (memory-estimate.ts) and refuses with a LimitError naming the model, the estimate, the limit and
 * what to use instead; an out-of-memory error that still comes from ORT (an estimate cannot see
 * everything, e.g. other sessions' tensors in the same heap) is turned into the same kind of error.
 */
import { LimitError, describeError } from '../core/errors.js';
import type { TensorMap } from '../core/tensor.js';
import { estimateRunMemory, type RunMemoryEstimate } from './memory-estimate.js';
import type { OnnxGraph } from './onnx-graph.js';

/** The wasm32 heap's ceiling (65536 pages x 64 KiB). */
export const WASM32_HEAP_BYTES = 65536 * 65536;

const MiB = 2 ** 20;
const mib = (n: number) => `${(n / MiB).toFixed(0)} MiB`;

/** The estimate for a run, or undefined when the graph has ops without a shape rule. */
export function wasmRunEstimate(graph: OnnxGraph | undefined, feeds: TensorMap): RunMemoryEstimate | undefined {
  if (!graph) return undefined;
  const e = estimateRunMemory(graph, Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, t.dims])));
  return 'unknownReason' in e ? undefined : e;
}

function shapes(feeds: TensorMap): string {
  return Object.entries(feeds)
    .map(([k, t]) => `${k} ${t.dims.join('x')}`)
    .join(', ');
}

function advice(e: RunMemoryEstimate | undefined): string {
  const gpu = e
    ? ` on WebGPU where the adapter's maxBufferSize holds its largest tensor (${e.largestTensor.name}, ${mib(e.largestTensor.bytes)}),`
    : ' on WebGPU,';
  return `Run it in Node (onnxruntime-node has a 64-bit heap),${gpu} or on a smaller input.`;
}

/** Throws when the estimate says the run cannot fit in the wasm heap (model bytes and weights included). */
export function refuseOversizedWasmRun(modelId: string, modelBytes: number, e: RunMemoryEstimate | undefined, feeds: TensorMap): void {
  if (!e) return;
  const total = e.peakBytes + e.weightBytes + modelBytes;
  if (total <= WASM32_HEAP_BYTES) return;
  throw new LimitError(
    `model '${modelId}' needs an estimated ${mib(total)} of wasm memory for this input (${shapes(feeds)}; live tensors peak at ${mib(e.peakBytes)} at ` +
      `${e.atNode}), past onnxruntime-web's wasm32 limit of ${mib(WASM32_HEAP_BYTES)}; nothing was run. ${advice(e)}`,
    {
      modelId,
      estimatedBytes: total,
      limitBytes: WASM32_HEAP_BYTES,
      peakAt: e.atNode,
      largestTensor: e.largestTensor,
      feeds: Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, t.dims])),
    },
  );
}

/** ORT's wasm heap ran out (bad_alloc, failed growth, OOM abort). */
export function isWasmOutOfMemory(error: unknown): boolean {
  return /bad_alloc|out of memory|Cannot enlarge memory|Aborted\(OOM\)|Array buffer allocation failed|WebAssembly\.Memory\(\): could not allocate/i.test(
    describeError(error),
  );
}

/** The LimitError for an out-of-memory error ORT raised during a wasm run. */
export function wasmOutOfMemoryError(modelId: string, modelBytes: number, e: RunMemoryEstimate | undefined, feeds: TensorMap, cause: unknown): LimitError {
  const est = e ? `; its estimate was ${mib(e.peakBytes + e.weightBytes + modelBytes)}, peak at ${e.atNode}` : '';
  return new LimitError(
    `model '${modelId}' ran out of wasm memory on this input (${shapes(feeds)}${est}; onnxruntime-web's wasm32 heap holds at most ` +
      `${mib(WASM32_HEAP_BYTES)}, shared by every session on the page). ${advice(e)}`,
    {
      modelId,
      ...(e ? { estimatedBytes: e.peakBytes + e.weightBytes + modelBytes } : {}),
      limitBytes: WASM32_HEAP_BYTES,
      feeds: Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, t.dims])),
    },
    { cause },
  );
}
