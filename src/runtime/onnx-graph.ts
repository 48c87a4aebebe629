/**
 * The parts of an ONNX ModelProto that a memory estimate needs: nodes (op, inputs, outputs,
 * integer / float attributes), initializer shapes and element types, and the graph's declared
 * inputs and outputs. Read straight from the protobuf wire format (onnx.proto3 field numbers),
 * so browsers need no protobuf library; tensor payloads are skipped, never decoded.
 * Subgraphs (If / Loop bodies) are not read: a graph with them gets no estimate (memory-estimate.ts).
 */
import { ModelFileError } from '../core/errors.js';

export interface OnnxNode {
  readonly op: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** INT / INTS / FLOAT / FLOATS / STRING attributes (tensors and graphs are left out). */
  readonly attrs: ReadonlyMap<string, number | readonly number[] | string>;
  /** True when an attribute holds a graph (If / Loop / Scan bodies). */
  readonly hasSubgraph: boolean;
}

export interface OnnxValue {
  readonly name: string;
  /** TensorProto.DataType code (1 float, 7 int64, ...). */
  readonly elemType: number;
  /** Static dims; undefined or a string where the graph leaves the axis symbolic. */
  readonly dims: readonly (number | string | undefined)[] | undefined;
}

export interface OnnxGraph {
  readonly nodes: readonly OnnxNode[];
  readonly initializers: ReadonlyMap<string, { readonly dims: readonly number[]; readonly elemType: number }>;
  readonly inputs: readonly OnnxValue[];
  readonly outputs: readonly OnnxValue[];
}

/** Bytes per element of a TensorProto.DataType (undefined for strings and unknown codes). */
export function elementBytes(elemType: number): number | undefined {
  return ({ 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 } as Record<number, number>)[elemType];
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }
  varint(): number {
    // Numbers past 2^53 (never a dim or attribute a model here needs) lose precision, not sign.
    let result = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 128;
    }
    return result;
  }
  /** int64 as protobuf encodes it (two's complement in 10 bytes for negatives). */
  int64(): number {
    const v = this.varint();
    return v >= 2 ** 63 ? v - 2 ** 64 : v;
  }
  /** Calls `on(field, wireType)` per field; `on` must consume the value or return false to skip it. */
  fields(on: (field: number, wire: number) => boolean): void {
    while (this.pos < this.end) {
      const key = this.varint();
      const field = Math.floor(key / 8);
      const wire = key & 7;
      if (!on(field, wire)) this.skip(wire);
    }
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) {
      const n = this.varint(); // read before adding: `pos += varint()` would add to the old pos
      this.pos += n;
    } else if (wire === 5) this.pos += 4;
    else throw new RangeError(`unsupported wire type ${wire}`);
    if (this.pos > this.end) throw new RangeError('truncated field');
  }
  sub(): Reader {
    const n = this.varint();
    const r = new Reader(this.buf, this.pos, this.pos + n);
    if (r.end > this.end) throw new RangeError('truncated message');
    this.pos += n;
    return r;
  }
  string(): string {
    const r = this.sub();
    return new TextDecoder().decode(this.buf.subarray(r.pos, r.end));
  }
  float32(): number {
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }
  /** A repeated int64 field, packed (wire 2) or not (wire 0). */
  ints(wire: number, into: number[]): void {
    if (wire === 0) into.push(this.int64());
    else {
      const r = this.sub();
      while (r.pos < r.end) into.push(r.int64());
    }
  }
}

function readAttribute(r: Reader): { name: string; value: number | number[] | string | undefined; graph: boolean } {
  let name = '';
  let str: string | undefined;
  let f: number | undefined;
  let i: number | undefined;
  const ints: number[] = [];
  const floats: number[] = [];
  let type = 0;
  let graph = false;
  r.fields((field, wire) => {
    if (field === 1 && wire === 2) name = r.string();
    else if (field === 2 && wire === 5) f = r.float32();
    else if (field === 3 && wire === 0) i = r.int64();
    else if (field === 4 && wire === 2) str = r.string();
    else if (field === 7) {
      if (wire === 5) floats.push(r.float32());
      else {
        const s = r.sub();
        while (s.pos < s.end) floats.push(s.float32());
      }
    } else if (field === 8) r.ints(wire, ints);
    else if (field === 20 && wire === 0) type = r.varint();
    else if ((field === 6 || field === 11) && wire === 2) {
      graph = true;
      return false;
    } else return false;
    return true;
  });
  // AttributeType: 1 FLOAT, 2 INT, 3 STRING, 6 FLOATS, 7 INTS (files without `type` still set one field).
  if (type === 3 || (type === 0 && str !== undefined)) return { name, value: str, graph };
  const value =
    type === 1 || (type === 0 && f !== undefined)
      ? f
      : type === 2 || (type === 0 && i !== undefined)
        ? i
        : type === 6
          ? floats
          : type === 7 || ints.length
            ? ints
            : undefined;
  return { name, value, graph };
}

function readNode(r: Reader): OnnxNode {
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attrs = new Map<string, number | readonly number[] | string>();
  let op = '';
  let domain = '';
  let hasSubgraph = false;
  r.fields((field, wire) => {
    if (wire !== 2) return false;
    if (field === 1) inputs.push(r.string());
    else if (field === 2) outputs.push(r.string());
    else if (field === 4) op = r.string();
    else if (field === 7) domain = r.string();
    else if (field === 5) {
      const a = readAttribute(r.sub());
      if (a.graph) hasSubgraph = true;
      if (a.value !== undefined) attrs.set(a.name, a.value);
    } else return false;
    return true;
  });
  return { op, domain, inputs, outputs, attrs, hasSubgraph };
}

function readTensorShape(r: Reader): { name: string; dims: number[]; elemType: number } {
  let name = '';
  const dims: number[] = [];
  let elemType = 0;
  r.fields((field, wire) => {
    if (field === 1) r.ints(wire, dims);
    else if (field === 2 && wire === 0) elemType = r.varint();
    else if (field === 8 && wire === 2) name = r.string();
    else return false;
    return true;
  });
  return { name, dims, elemType };
}

function readValueInfo(r: Reader): OnnxValue {
  let name = '';
  let elemType = 0;
  let dims: (number | string | undefined)[] | undefined;
  r.fields((field, wire) => {
    if (field === 1 && wire === 2) name = r.string();
    else if (field === 2 && wire === 2) {
      // TypeProto.tensor_type (1) -> elem_type (1), shape (2) -> dim (1) -> dim_value (1) | dim_param (2)
      const type = r.sub();
      type.fields((tf, tw) => {
        if (tf !== 1 || tw !== 2) return false;
        const tensor = type.sub();
        tensor.fields((f2, w2) => {
          if (f2 === 1 && w2 === 0) elemType = tensor.varint();
          else if (f2 === 2 && w2 === 2) {
            dims = [];
            const shape = tensor.sub();
            shape.fields((f3, w3) => {
              if (f3 !== 1 || w3 !== 2) return false;
              const dim = shape.sub();
              let d: number | string | undefined;
              dim.fields((f4, w4) => {
                if (f4 === 1 && w4 === 0) d = dim.int64();
                else if (f4 === 2 && w4 === 2) d = dim.string();
                else return false;
                return true;
              });
              dims!.push(d);
              return true;
            });
          } else return false;
          return true;
        });
        return true;
      });
    } else return false;
    return true;
  });
  return { name, elemType, dims };
}

/** Reads the graph of an ONNX model file; `file` names it in errors. */
export function readOnnxGraph(bytes: Uint8Array, file: string): OnnxGraph {
  const nodes: OnnxNode[] = [];
  const initializers = new Map<string, { dims: number[]; elemType: number }>();
  const inputs: OnnxValue[] = [];
  const outputs: OnnxValue[] = [];
  let sawGraph = false;
  try {
    const model = new Reader(bytes, 0, bytes.length);
    model.fields((field, wire) => {
      if (field !== 7 || wire !== 2) return false;
      sawGraph = true;
      const g = model.sub();
      g.fields((gf, gw) => {
        if (gw !== 2) return false;
        if (gf === 1) nodes.push(readNode(g.sub()));
        else if (gf === 5) {
          const t = readTensorShape(g.sub());
          initializers.set(t.name, t);
        } else if (gf === 11) inputs.push(readValueInfo(g.sub()));
        else if (gf === 12) outputs.push(readValueInfo(g.sub()));
        else return false;
        return true;
      });
      return true;
    });
  } catch (error) {
    throw new ModelFileError(`${file}: not a readable ONNX model (${(error as Error).message})`, { file }, { cause: error });
  }
  if (!sawGraph) throw new ModelFileError(`${file}: not an ONNX model (no graph field)`, { file });
  // Inputs that are initializers (older exporters list them) are weights, not feeds.
  return { nodes, initializers, inputs: inputs.filter((v) => !initializers.has(v.name)), outputs };
}
