import { DriftlineError } from '../../libs/errors/errors.ts';
import type { FeatureBatch, FeatureColumn, FeatureValue } from './feature-batch.ts';
import type { ModelSignature } from './model-signature.ts';
import { categoricalProblem, describeValue, isPlainObject, numericProblem } from './value-checks.ts';

/**
 * Validates an Open Inference Protocol (KServe v2) infer request body:
 *
 *   { "id"?: string, "parameters"?: {…},
 *     "inputs": [ { "name", "shape": [N,1], "datatype": "FP32"|"BYTES", "data": [...] } ],
 *     "outputs"?: [ { "name" } ] }
 *
 * `data` is row-major, flat or nested ([[1],[2]] is read as [1,2]). Every
 * model input must be given once, with the model's datatype and one shared N.
 * Problems are thrown as INPUT_INVALID naming the field, e.g.
 * `inputs[1].data[4] (income): expected a number, got "abc"`.
 */
export interface V2InferRequest {
  id: string | undefined;
  batch: FeatureBatch;
  /** Output names the client asked for; undefined = all. */
  outputs: string[] | undefined;
}

const TOP_LEVEL = new Set(['id', 'parameters', 'inputs', 'outputs']);
const INPUT_FIELDS = new Set(['name', 'shape', 'datatype', 'data', 'parameters']);

export function parseV2InferRequest(body: unknown, signature: ModelSignature): V2InferRequest {
  const fail = (where: string, why: string): never => {
    throw new DriftlineError('INPUT_INVALID', `${where}: ${why}`, { details: { field: where } });
  };
  if (!isPlainObject(body)) fail('body', `expected a JSON object with "inputs", got ${describeValue(body)}`);
  const request = body as Record<string, unknown>;
  for (const key of Object.keys(request)) if (!TOP_LEVEL.has(key)) fail(key, `unknown field (expected ${[...TOP_LEVEL].join(', ')})`);
  if (request.id !== undefined && typeof request.id !== 'string') fail('id', `expected a string, got ${describeValue(request.id)}`);
  if (request.parameters !== undefined && !isPlainObject(request.parameters)) fail('parameters', `expected an object, got ${describeValue(request.parameters)}`);
  if (!Array.isArray(request.inputs) || request.inputs.length === 0) fail('inputs', `expected a non-empty array of input tensors, got ${describeValue(request.inputs)}`);

  const specs = new Map(signature.inputs.map((s) => [s.name, s]));
  const columns: Record<string, FeatureColumn> = {};
  let rows: number | undefined;
  let rowsFrom = '';
  (request.inputs as unknown[]).forEach((raw, k) => {
    const at = `inputs[${k}]`;
    if (!isPlainObject(raw)) fail(at, `expected an input tensor object, got ${describeValue(raw)}`);
    const input = raw as Record<string, unknown>;
    for (const key of Object.keys(input)) if (!INPUT_FIELDS.has(key)) fail(`${at}.${key}`, 'unknown field');
    if (typeof input.name !== 'string') fail(`${at}.name`, `expected a string, got ${describeValue(input.name)}`);
    const name = input.name as string;
    const spec = specs.get(name);
    if (!spec) fail(`${at}.name`, `unknown input ${describeValue(name)} (the model takes: ${[...specs.keys()].join(', ')})`);
    if (columns[name]) fail(`${at}.name`, `input ${describeValue(name)} is given twice`);
    const label = `${at} (${name})`;
    if (input.datatype !== spec!.datatype) fail(`${at}.datatype (${name})`, `expected ${spec!.datatype}, got ${describeValue(input.datatype)}`);

    const shape = input.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`${at}.shape (${name})`, `expected [N,1] with whole numbers, got ${describeValue(shape)}`);
    const dims = shape as number[];
    if (dims.length !== 2 || dims[1] !== 1 || dims[0]! < 1) fail(`${at}.shape (${name})`, `expected [N,1] with N >= 1, got ${describeValue(dims)}`);
    const n = dims[0]!;
    if (rows === undefined) {
      rows = n;
      rowsFrom = label;
    } else if (n !== rows) fail(`${at}.shape (${name})`, `${n} rows, but ${rowsFrom} has ${rows}`);
    if (signature.fixedRows !== null && n !== signature.fixedRows) fail(`${at}.shape (${name})`, `this model version takes exactly ${signature.fixedRows} rows, got ${n}`);

    if (!Array.isArray(input.data)) fail(`${at}.data (${name})`, `expected an array, got ${describeValue(input.data)}`);
    // Row-major nested data ([[v],[v]]) is the same tensor as flat data.
    const data = (input.data as unknown[]).some(Array.isArray) ? (input.data as unknown[]).flat(2) : (input.data as unknown[]);
    if (data.length !== n) fail(`${at}.data (${name})`, `${data.length} values for shape [${n},1]`);
    const check = spec!.kind === 'numeric' ? numericProblem : categoricalProblem;
    const column = new Array<FeatureValue>(n);
    for (let i = 0; i < n; i++) {
      const problem = check(data[i]);
      if (problem) fail(`${at}.data[${i}] (${name})`, problem);
      column[i] = data[i] as FeatureValue;
    }
    columns[name] = column as FeatureColumn;
  });
  const missing = signature.inputs.filter((s) => !columns[s.name]).map((s) => s.name);
  if (missing.length > 0) fail('inputs', `missing ${missing.length === 1 ? 'input' : 'inputs'} ${missing.map((m) => JSON.stringify(m)).join(', ')}`);

  let outputs: string[] | undefined;
  if (request.outputs !== undefined) {
    if (!Array.isArray(request.outputs)) fail('outputs', `expected an array of {"name"}, got ${describeValue(request.outputs)}`);
    const available = signature.outputs.map((o) => o.name);
    outputs = (request.outputs as unknown[]).map((o, k) => {
      const name = isPlainObject(o) ? o.name : undefined;
      if (typeof name !== 'string' || !available.includes(name)) fail(`outputs[${k}].name`, `unknown output ${describeValue(name)} (the model returns: ${available.join(', ')})`);
      return name as string;
    });
  }
  return { id: request.id as string | undefined, batch: { rows: rows!, columns }, outputs };
}
