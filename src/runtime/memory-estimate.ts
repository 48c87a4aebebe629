/**
 * How much memory one run of an ONNX graph needs at given input dims: the largest set of tensors
 * alive at once, walking the nodes in file order (ONNX requires topological order; ORT keeps it
 * for chains like the 3D CNNs here), each tensor freed after its last consumer. That is how
 * onnxruntime-web's wasm build allocates by default (no CPU arena, no memory pattern:
 * `enableCpuMemArena` / `enableMemPattern` are off unless set; ort.webgpu.mjs setSessionOptions),
 * every tensor a separate malloc in the wasm heap.
 * Elementwise ops are counted in place when their input dies at that node (ORT's allocation
 * planner reuses the buffer of ops that declare MayInplace, and its optimiser fuses GELU's
 * Div/Erf/Add/Mul/Mul into one op), so the figure is close to what the heap must hold, not a
 * pessimistic sum; MLAS's convolution scratch is bounded per thread and left out.
 *
 * Shapes are propagated for the ops the bundled CNNs use (convolutions, pooling, normalisations,
 * activations, broadcasting arithmetic, ArgMax, Concat); any other op ends the estimate
 * (`unknownReason`), and the caller then has no refusal to make, only ORT's own error to translate.
 */
import { elementBytes, type OnnxGraph, type OnnxNode } from './onnx-graph.js';

export interface RunMemoryEstimate {
  /** Bytes of the live tensors at the worst node (feeds copied into the heap included). */
  readonly peakBytes: number;
  /** Bytes of the weights (initializers), resident for the session's life. */
  readonly weightBytes: number;
  /** The worst node (op and its first output's name). */
  readonly atNode: string;
  /** The largest single tensor (bytes) and its name: what one WebGPU buffer would have to hold. */
  readonly largestTensor: { readonly name: string; readonly bytes: number };
}

type Shape = readonly number[];
interface Info {
  shape: Shape;
  bytesPer: number;
}

const UNARY = new Set([
  'Relu',
  'Elu',
  'LeakyRelu',
  'Selu',
  'Sigmoid',
  'HardSigmoid',
  'Tanh',
  'Erf',
  'Exp',
  'Log',
  'Identity',
  'Softplus',
  'Softsign',
  'Clip',
  'Neg',
  'Abs',
  'Sqrt',
  'Reciprocal',
  'Floor',
  'Ceil',
  'Round',
  'Gelu',
  'Mish',
  'HardSwish',
  'PRelu',
  'Dropout',
  'Softmax',
  'LogSoftmax',
  'InstanceNormalization',
  'BatchNormalization',
  'LayerNormalization',
  'Not',
  'Sign',
]);
const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Equal', 'Greater', 'GreaterOrEqual', 'Less', 'LessOrEqual', 'And', 'Or', 'Where']);
const BOOL_OUT = new Set(['Equal', 'Greater', 'GreaterOrEqual', 'Less', 'LessOrEqual', 'And', 'Or', 'Not']);
/** Ops whose output may take over the buffer of an input that dies at the node. */
const IN_PLACE = new Set([...UNARY, ...BINARY].filter((op) => !['Softmax', 'LogSoftmax', 'LayerNormalization', 'InstanceNormalization'].includes(op)));

function ints(node: OnnxNode, name: string): readonly number[] | undefined {
  const v = node.attrs.get(name);
  return v === undefined || typeof v === 'string' ? undefined : typeof v === 'number' ? [v] : v;
}
function int(node: OnnxNode, name: string, fallback: number): number {
  const v = node.attrs.get(name);
  return typeof v === 'number' ? v : fallback;
}

function broadcast(a: Shape, b: Shape): Shape | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(Math.max(x, y));
  }
  return out;
}

/** Output spatial size of a convolution or pooling window (ONNX Conv / MaxPool rules, explicit pads). */
function windowed(node: OnnxNode, x: Shape, kernel: readonly number[]): number[] | undefined {
  const s = x.length - 2;
  if (kernel.length !== s) return undefined;
  const strides = ints(node, 'strides') ?? kernel.map(() => 1);
  const dil = ints(node, 'dilations') ?? kernel.map(() => 1);
  const pads = (node.attrs.get('auto_pad') === 'VALID' ? undefined : ints(node, 'pads')) ?? kernel.map(() => 0).concat(kernel.map(() => 0));
  const auto = node.attrs.get('auto_pad');
  const out: number[] = [];
  for (let i = 0; i < s; i++) {
    const input = x[2 + i]!;
    const stride = strides[i] ?? 1;
    // auto_pad SAME_UPPER / SAME_LOWER: ceil(in / stride); VALID: no padding.
    if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') out.push(Math.ceil(input / stride));
    else out.push(Math.floor((input + (pads[i] ?? 0) + (pads[i + s] ?? 0) - (dil[i] ?? 1) * ((kernel[i] ?? 1) - 1) - 1) / stride) + 1);
  }
  return out.every((d) => d > 0) ? out : undefined;
}

/** Output shapes and element sizes of one node, or a reason it has no rule here. */
function infer(node: OnnxNode, inputs: readonly (Info | undefined)[]): Info[] | string {
  const x = inputs[0];
  if (!x) return `its first input has no known shape`;
  const op = node.op;
  if (UNARY.has(op)) return node.outputs.map(() => ({ shape: x.shape, bytesPer: BOOL_OUT.has(op) ? 1 : x.bytesPer }));
  if (op === 'Cast') {
    const per = elementBytes(int(node, 'to', 0));
    return per === undefined ? 'Cast to an unknown type' : [{ shape: x.shape, bytesPer: per }];
  }
  if (BINARY.has(op)) {
    let shape: Shape | undefined = x.shape;
    for (const other of inputs.slice(1)) {
      if (!other) return 'an input has no known shape';
      shape = shape && broadcast(shape, other.shape);
    }
    if (!shape) return 'shapes do not broadcast';
    const per = op === 'Where' ? (inputs[1]?.bytesPer ?? 4) : BOOL_OUT.has(op) ? 1 : x.bytesPer;
    return [{ shape, bytesPer: per }];
  }
  if (op === 'Conv' || op === 'ConvTranspose') {
    const w = inputs[1];
    if (!w || op === 'ConvTranspose') return op === 'ConvTranspose' ? 'ConvTranspose has no rule here' : 'Conv weights have no known shape';
    const spatial = windowed(node, x.shape, w.shape.slice(2));
    return spatial ? [{ shape: [x.shape[0]!, w.shape[0]!, ...spatial], bytesPer: x.bytesPer }] : 'Conv output size is not positive';
  }
  if (op === 'MaxPool' || op === 'AveragePool') {
    const spatial = windowed(node, x.shape, ints(node, 'kernel_shape') ?? []);
    return spatial ? node.outputs.map(() => ({ shape: [x.shape[0]!, x.shape[1]!, ...spatial], bytesPer: x.bytesPer })) : 'pooling window has no rule';
  }
  if (op === 'ArgMax' || op === 'ArgMin') {
    const axis = (int(node, 'axis', 0) + x.shape.length) % x.shape.length;
    const keep = int(node, 'keepdims', 1) !== 0;
    const shape = keep ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
    return [{ shape, bytesPer: 8 }];
  }
  if (op === 'Concat') {
    const axis = (int(node, 'axis', 0) + x.shape.length) % x.shape.length;
    if (inputs.some((t) => !t)) return 'an input has no known shape';
    const sum = inputs.reduce((s, t) => s + t!.shape[axis]!, 0);
    return [{ shape: x.shape.map((d, i) => (i === axis ? sum : d)), bytesPer: x.bytesPer }];
  }
  return `no shape rule for ${op}`;
}

const size = (t: Info) => t.shape.reduce((a, b) => a * b, t.bytesPer);

/**
 * The estimate for feeds of the given dims (by input name), or `{ unknownReason }` when the graph
 * has an op without a rule here, a subgraph, or a feed it does not declare.
 */
export function estimateRunMemory(graph: OnnxGraph, feedDims: Readonly<Record<string, readonly number[]>>): RunMemoryEstimate | { unknownReason: string } {
  const info = new Map<string, Info>();
  let weightBytes = 0;
  for (const [name, t] of graph.initializers) {
    const per = elementBytes(t.elemType);
    if (per === undefined) return { unknownReason: `initializer ${name} has an unknown element type` };
    const v = { shape: t.dims, bytesPer: per };
    info.set(name, v);
    weightBytes += size(v);
  }
  for (const input of graph.inputs) {
    const dims = feedDims[input.name];
    const per = elementBytes(input.elemType);
    if (!dims || per === undefined) return { unknownReason: `no feed dims or element size for input ${input.name}` };
    info.set(input.name, { shape: dims, bytesPer: per });
  }
  // Last consumer of every tensor; graph outputs live to the end.
  const lastUse = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    for (const name of n.inputs) if (name) lastUse.set(name, i);
  });
  for (const o of graph.outputs) lastUse.set(o.name, graph.nodes.length);
  const live = new Map<string, number>();
  for (const input of graph.inputs) live.set(input.name, size(info.get(input.name)!));
  let current = [...live.values()].reduce((a, b) => a + b, 0);
  let peakBytes = current;
  let atNode = 'the feeds';
  let largestTensor = { name: graph.inputs[0]?.name ?? '', bytes: current };
  for (let i = 0; i < graph.nodes.length; i++) {
    const node = graph.nodes[i]!;
    if (node.hasSubgraph) return { unknownReason: `${node.op} node ${node.outputs[0]} has a subgraph` };
    const outs = infer(
      node,
      node.inputs.map((name) => (name ? info.get(name) : undefined)),
    );
    if (typeof outs === 'string') return { unknownReason: `${node.op} node ${node.outputs[0]}: ${outs}` };
    // A dying input of an in-place op hands its buffer to the output of the same size.
    let reusable = IN_PLACE.has(node.op)
      ? node.inputs.find((name) => live.has(name) && lastUse.get(name) === i && info.get(name) && size(info.get(name)!) === size(outs[0]!))
      : undefined;
    node.outputs.forEach((name, k) => {
      const t = outs[k] ?? outs[0]!;
      info.set(name, t);
      const bytes = size(t);
      if (bytes > largestTensor.bytes) largestTensor = { name, bytes };
      if (reusable !== undefined) {
        live.delete(reusable);
        reusable = undefined;
      } else current += bytes;
      live.set(name, bytes);
    });
    if (current > peakBytes) {
      peakBytes = current;
      atNode = `${node.op} ${node.outputs[0]}`;
    }
    for (const name of node.inputs) {
      if (live.has(name) && lastUse.get(name) === i) {
        current -= live.get(name)!;
        live.delete(name);
      }
    }
    for (const name of node.outputs) {
      // An output nobody reads (and not a graph output) is freed at once.
      if (!lastUse.has(name) && live.has(name)) {
        current -= live.get(name)!;
        live.delete(name);
      }
    }
  }
  return { peakBytes, weightBytes, atNode, largestTensor };
}
