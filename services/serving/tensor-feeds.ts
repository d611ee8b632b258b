import * as ort from 'onnxruntime-node';
import { DriftlineError } from '../../libs/errors/errors.ts';
import type { FeatureBatch, OutputBatch, OutputValue } from './feature-batch.ts';
import type { ModelSignature } from './model-signature.ts';

/**
 * The edge between validated columns and onnxruntime tensors. The graph's
 * serving contract (libs/model/README.md): a null numeric is NaN (imputed
 * with the training mean inside the graph), a null category is "" (an
 * all-zero one-hot block).
 */
export function toFeeds(signature: ModelSignature, batch: FeatureBatch): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of signature.inputs) {
    const column = batch.columns[input.name];
    if (!column) throw new DriftlineError('INPUT_INVALID', `input ${input.name} is missing`);
    feeds[input.name] = input.tensorType === 'float32'
      ? new ort.Tensor('float32', Float32Array.from(column as (number | null)[], (v) => (v === null ? Number.NaN : v)), [batch.rows, 1])
      : new ort.Tensor('string', (column as (string | null)[]).map((v) => v ?? ''), [batch.rows, 1]);
  }
  return feeds;
}

/** Reads the session's outputs back into named columns of JSON-friendly values. */
export function fromResults(signature: ModelSignature, results: Record<string, ort.Tensor>, rows: number): OutputBatch {
  const columns: Record<string, OutputValue[]> = {};
  for (const output of signature.outputs) {
    const tensor = results[output.name];
    if (!tensor) throw new DriftlineError('INFERENCE_FAILED', `the session returned no ${output.name} output`);
    if (tensor.size !== rows) throw new DriftlineError('INFERENCE_FAILED', `output ${output.name} has ${tensor.size} values for ${rows} rows`);
    const data = tensor.data as ArrayLike<number | bigint | string | boolean>;
    const values: OutputValue[] = new Array(rows);
    for (let i = 0; i < rows; i++) {
      const v = data[i]!;
      values[i] = typeof v === 'bigint' ? Number(v) : typeof v === 'number' && tensor.type === 'bool' ? v !== 0 : v;
    }
    columns[output.name] = values;
  }
  return { rows, columns };
}
