import protobuf from 'protobufjs';

/**
 * The subset of onnx.proto3 (package `onnx`) that an inference model needs,
 * as a protobufjs reflection descriptor. Field names, numbers and types are
 * copied verbatim from onnx/onnx.proto3; messages and fields we never write
 * (training info, functions, sparse tensors, sequence/map types…) are left
 * out, which is safe because protobuf readers skip unknown fields and we never
 * read models written by others with this schema.
 *
 * Kept in code rather than a .proto file so it needs no file lookup at run
 * time and type-checks with the rest.
 */

const PACKABLE = new Set(['float', 'double', 'int32', 'int64', 'uint64']);
/**
 * A message descriptor from `name: [type, id, 'repeated'?]`. Repeated numeric
 * fields are marked packed explicitly — proto3's default, and what
 * onnx.proto3 spells out for the tensor data fields — rather than relying on
 * protobufjs' edition defaults for JSON descriptors.
 */
function message(spec: Record<string, [type: string, id: number, rule?: 'repeated']>, nested?: Record<string, protobuf.IType>): protobuf.IType {
  const fields: Record<string, protobuf.IField> = {};
  for (const [name, [type, id, rule]] of Object.entries(spec)) {
    fields[name] = rule ? { type, id, rule, ...(PACKABLE.has(type) ? { options: { packed: true } } : {}) } : { type, id };
  }
  return nested ? { fields, nested } : { fields };
}

const ONNX_DESCRIPTOR: protobuf.INamespace = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: message({
          name: ['string', 1],
          ref_attr_name: ['string', 21],
          doc_string: ['string', 13],
          type: ['int32', 20],
          f: ['float', 2],
          i: ['int64', 3],
          s: ['bytes', 4],
          t: ['TensorProto', 5],
          g: ['GraphProto', 6],
          floats: ['float', 7, 'repeated'],
          ints: ['int64', 8, 'repeated'],
          strings: ['bytes', 9, 'repeated'],
          tensors: ['TensorProto', 10, 'repeated'],
          graphs: ['GraphProto', 11, 'repeated'],
        }),
        ValueInfoProto: message({
          name: ['string', 1],
          type: ['TypeProto', 2],
          doc_string: ['string', 3],
        }),
        NodeProto: message({
          input: ['string', 1, 'repeated'],
          output: ['string', 2, 'repeated'],
          name: ['string', 3],
          op_type: ['string', 4],
          domain: ['string', 7],
          attribute: ['AttributeProto', 5, 'repeated'],
          doc_string: ['string', 6],
        }),
        ModelProto: message({
          ir_version: ['int64', 1],
          opset_import: ['OperatorSetIdProto', 8, 'repeated'],
          producer_name: ['string', 2],
          producer_version: ['string', 3],
          domain: ['string', 4],
          model_version: ['int64', 5],
          doc_string: ['string', 6],
          graph: ['GraphProto', 7],
          metadata_props: ['StringStringEntryProto', 14, 'repeated'],
        }),
        StringStringEntryProto: message({
          key: ['string', 1],
          value: ['string', 2],
        }),
        GraphProto: message({
          node: ['NodeProto', 1, 'repeated'],
          name: ['string', 2],
          initializer: ['TensorProto', 5, 'repeated'],
          doc_string: ['string', 10],
          input: ['ValueInfoProto', 11, 'repeated'],
          output: ['ValueInfoProto', 12, 'repeated'],
          value_info: ['ValueInfoProto', 13, 'repeated'],
        }),
        TensorProto: message({
          dims: ['int64', 1, 'repeated'],
          data_type: ['int32', 2],
          float_data: ['float', 4, 'repeated'],
          int32_data: ['int32', 5, 'repeated'],
          string_data: ['bytes', 6, 'repeated'],
          int64_data: ['int64', 7, 'repeated'],
          name: ['string', 8],
          doc_string: ['string', 12],
          raw_data: ['bytes', 9],
          double_data: ['double', 10, 'repeated'],
        }),
        TensorShapeProto: message({ dim: ['Dimension', 1, 'repeated'] }, {
          Dimension: message({
            dim_value: ['int64', 1],
            dim_param: ['string', 2],
            denotation: ['string', 3],
          }),
        }),
        TypeProto: message({
          tensor_type: ['Tensor', 1],
          denotation: ['string', 6],
        }, {
          Tensor: message({
            elem_type: ['int32', 1],
            shape: ['TensorShapeProto', 2],
          }),
        }),
        OperatorSetIdProto: message({
          domain: ['string', 1],
          version: ['int64', 2],
        }),
      },
    },
  },
};

/** TensorProto.DataType values used by Driftline. */
export const DataType = { FLOAT: 1, INT64: 7, STRING: 8, BOOL: 9, DOUBLE: 11 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

const root = protobuf.Root.fromJSON(ONNX_DESCRIPTOR);

/** The protobufjs type of `onnx.ModelProto`, for encoding and decoding whole models. */
export const ModelProto: protobuf.Type = root.lookupType('onnx.ModelProto');
