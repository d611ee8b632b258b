import { DriftlineError } from '../../libs/errors/errors.ts';
import type { ModelCard } from '../../libs/model/model-card.ts';
import type { OnnxSession } from './execution-providers.ts';

/**
 * What a loaded model version takes and returns, in the terms of the Open
 * Inference Protocol (datatypes FP32/INT64/BYTES…, shapes with -1 for a
 * variable dimension). The serving node serves Driftline's tabular contract:
 * one [N,1] input per feature — float32 for numeric, string for categorical —
 * and [N,1] outputs, so every row is a record of named feature values and a
 * record of named outputs (which is what a prediction event carries).
 */

export type V2Datatype = 'BOOL' | 'INT32' | 'INT64' | 'FP32' | 'FP64' | 'BYTES';

export interface InputSpec {
  name: string;
  kind: 'numeric' | 'categorical';
  tensorType: 'float32' | 'string';
  datatype: 'FP32' | 'BYTES';
}

export interface OutputSpec {
  name: string;
  tensorType: 'float32' | 'float64' | 'int32' | 'int64' | 'string' | 'bool';
  datatype: V2Datatype;
}

export interface ModelSignature {
  inputs: InputSpec[];
  outputs: OutputSpec[];
  /** The batch dimension N: null when variable (micro-batching possible), else the fixed row count every request must have. */
  fixedRows: number | null;
}

const OUTPUT_DATATYPES: Record<string, V2Datatype> = { float32: 'FP32', float64: 'FP64', int32: 'INT32', int64: 'INT64', string: 'BYTES', bool: 'BOOL' };

/** The protocol shape of every input and output: [-1, 1], or [rows, 1] for a fixed batch. */
export function tensorShape(signature: ModelSignature): number[] {
  return [signature.fixedRows ?? -1, 1];
}

/**
 * Derives the signature from the session's metadata and checks it against
 * the model card (same feature names, kinds matching tensor types). Throws
 * MODEL_INVALID naming the first mismatch, so a broken version is refused at
 * load time instead of failing requests.
 */
export function signatureOf(session: Pick<OnnxSession, 'inputMetadata' | 'outputMetadata'>, card: ModelCard, label: string): ModelSignature {
  const invalid = (why: string) => new DriftlineError('MODEL_INVALID', `${label}: ${why}`);
  const batchDims = new Set<string>();
  const checkShape = (what: string, shape: readonly (number | string)[]) => {
    if (shape.length !== 2 || shape[1] !== 1) throw invalid(`${what} has shape [${shape.join(',')}]; the serving node needs [N,1]`);
    const n = shape[0]!;
    batchDims.add(typeof n === 'number' && n > 0 ? String(n) : 'N');
  };

  const cardFeatures = new Map(card.features.map((f) => [f.name, f]));
  const inputs: InputSpec[] = session.inputMetadata.map((meta) => {
    if (!meta.isTensor) throw invalid(`input ${meta.name} is not a tensor`);
    checkShape(`input ${meta.name}`, meta.shape);
    const feature = cardFeatures.get(meta.name);
    if (!feature) throw invalid(`input ${meta.name} is not a feature of the model card`);
    if (feature.kind === 'numeric' && meta.type !== 'float32') throw invalid(`numeric feature ${meta.name} must be a float32 input, not ${meta.type}`);
    if (feature.kind === 'categorical' && meta.type !== 'string') throw invalid(`categorical feature ${meta.name} must be a string input, not ${meta.type}`);
    return feature.kind === 'numeric'
      ? { name: meta.name, kind: 'numeric', tensorType: 'float32', datatype: 'FP32' }
      : { name: meta.name, kind: 'categorical', tensorType: 'string', datatype: 'BYTES' };
  });
  const missing = card.features.filter((f) => !inputs.some((i) => i.name === f.name));
  if (missing.length > 0) throw invalid(`card features without a graph input: ${missing.map((f) => f.name).join(', ')}`);

  const outputs: OutputSpec[] = session.outputMetadata.map((meta) => {
    if (!meta.isTensor) throw invalid(`output ${meta.name} is not a tensor`);
    checkShape(`output ${meta.name}`, meta.shape);
    const datatype = OUTPUT_DATATYPES[meta.type];
    if (!datatype) throw invalid(`output ${meta.name} has unsupported type ${meta.type}`);
    return { name: meta.name, tensorType: meta.type as OutputSpec['tensorType'], datatype };
  });
  if (batchDims.size > 1) throw invalid(`inputs and outputs disagree on the batch dimension (${[...batchDims].join(', ')})`);
  const [dim] = [...batchDims];
  return { inputs, outputs, fixedRows: dim === undefined || dim === 'N' ? null : Number(dim) };
}
