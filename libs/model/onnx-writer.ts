import { AttributeType, DataType, type DataTypeCode, ModelProto } from './onnx-proto.ts';

/**
 * A minimal writer for ONNX models: plain objects for tensors, nodes,
 * attributes and value infos, encoded with the onnx.proto3 subset in
 * onnx-proto.ts. Graph builders (e.g. logistic-onnx.ts) compose these; the
 * writer knows nothing about any model family.
 */

/** An operator set a model imports: "" is ai.onnx, "ai.onnx.ml" the classic-ML operators. */
export interface OpsetId {
  domain: string;
  version: number;
}

/** One dimension of a declared shape: a fixed size or a symbolic name such as "N". */
export type Dim = number | string;

export interface Tensor {
  name: string;
  data_type: DataTypeCode;
  dims: number[];
  float_data?: number[];
  int64_data?: number[];
  string_data?: Uint8Array[];
}

export interface Attribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface Node {
  op_type: string;
  domain: string;
  name: string;
  input: string[];
  output: string[];
  attribute: Attribute[];
}

export interface ValueInfo {
  name: string;
  type: { tensor_type: { elem_type: DataTypeCode; shape: { dim: ({ dim_value: number } | { dim_param: string })[] } } };
  doc_string?: string;
}

export interface Graph {
  name: string;
  doc_string?: string;
  node: Node[];
  initializer: Tensor[];
  input: ValueInfo[];
  output: ValueInfo[];
}

export interface ModelSpec {
  graph: Graph;
  opsets: OpsetId[];
  /** IR version; 8 goes with ai.onnx opset 17. */
  irVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  /** Written as ModelProto.metadata_props, in key order given. */
  metadata?: Record<string, string>;
}

const utf8 = new TextEncoder();

/** Attribute constructors; ONNX needs the type spelled out (1 and 1.0 are different attributes). */
export const attr = {
  int: (name: string, i: number): Attribute => ({ name, type: AttributeType.INT, i }),
  float: (name: string, f: number): Attribute => ({ name, type: AttributeType.FLOAT, f }),
  string: (name: string, s: string): Attribute => ({ name, type: AttributeType.STRING, s: utf8.encode(s) }),
  ints: (name: string, ints: readonly number[]): Attribute => ({ name, type: AttributeType.INTS, ints: [...ints] }),
  floats: (name: string, floats: readonly number[]): Attribute => ({ name, type: AttributeType.FLOATS, floats: [...floats] }),
  strings: (name: string, strings: readonly string[]): Attribute => ({ name, type: AttributeType.STRINGS, strings: strings.map((s) => utf8.encode(s)) }),
};

/** A node; `domain` defaults to ai.onnx (""), and the node is named after its first output. */
export function node(opType: string, input: string[], output: string[], attribute: Attribute[] = [], domain = ''): Node {
  return { op_type: opType, domain, name: `${opType}:${output[0] ?? ''}`, input, output, attribute };
}

/** A float32 initializer. Values are rounded to float32 by the encoder. */
export function floatTensor(name: string, dims: number[], values: readonly number[]): Tensor {
  assertSize(name, dims, values.length);
  return { name, data_type: DataType.FLOAT, dims, float_data: [...values] };
}

/** An int64 initializer (values must be safe integers). */
export function int64Tensor(name: string, dims: number[], values: readonly number[]): Tensor {
  assertSize(name, dims, values.length);
  for (const v of values) if (!Number.isSafeInteger(v)) throw new RangeError(`${name}: ${v} is not a safe integer`);
  return { name, data_type: DataType.INT64, dims, int64_data: [...values] };
}

/** A graph input or output declaration of a tensor with the given element type and shape. */
export function tensorValueInfo(name: string, elemType: DataTypeCode, shape: readonly Dim[], docString?: string): ValueInfo {
  const dim = shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim } } }, ...(docString ? { doc_string: docString } : {}) };
}

/** Serializes a model to ONNX protobuf bytes. Checks that every node input is defined first. */
export function encodeModel(spec: ModelSpec): Uint8Array {
  checkGraph(spec.graph);
  const message = ModelProto.fromObject({
    ir_version: spec.irVersion,
    opset_import: spec.opsets,
    producer_name: spec.producerName,
    producer_version: spec.producerVersion,
    doc_string: spec.docString ?? '',
    graph: spec.graph,
    metadata_props: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  return ModelProto.encode(message).finish();
}

/** Decodes ONNX bytes written by encodeModel back to a plain object (int64 as numbers, bytes as Uint8Array). */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, defaults: false, arrays: true });
}

/** Reads ModelProto.metadata_props of an encoded model as a record. */
export function readMetadata(bytes: Uint8Array): Record<string, string> {
  const model = decodeModel(bytes) as { metadata_props?: { key: string; value: string }[] };
  return Object.fromEntries((model.metadata_props ?? []).map((e) => [e.key, e.value]));
}

/**
 * Catches builder mistakes here, with a readable message, instead of as an
 * opaque load error in onnxruntime: each node input must be a graph input, an
 * initializer or an earlier node's output (nodes are topologically sorted),
 * and every graph output must be produced.
 */
function checkGraph(graph: Graph): void {
  const defined = new Set<string>([...graph.input.map((v) => v.name), ...graph.initializer.map((t) => t.name)]);
  for (const n of graph.node) {
    for (const input of n.input) {
      if (input !== '' && !defined.has(input)) throw new Error(`ONNX graph: node ${n.name} reads undefined value "${input}"`);
    }
    for (const output of n.output) {
      if (defined.has(output)) throw new Error(`ONNX graph: value "${output}" is defined twice`);
      defined.add(output);
    }
  }
  for (const o of graph.output) if (!defined.has(o.name)) throw new Error(`ONNX graph: output "${o.name}" is never produced`);
}

function assertSize(name: string, dims: number[], length: number): void {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== length) throw new RangeError(`${name}: dims [${dims.join(',')}] need ${size} values, got ${length}`);
}
