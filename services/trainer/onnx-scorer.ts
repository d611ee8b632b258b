import * as ort from 'onnxruntime-node';
import { DriftlineError, messageOf } from '../../libs/errors/errors.ts';
import type { FeatureRow } from '../../libs/model/feature-encoder.ts';
import { PROBABILITY_OUTPUT } from '../../libs/model/logistic-onnx.ts';
import type { ModelCard } from '../../libs/model/model-card.ts';

/**
 * Scores rows with a model version's ONNX graph on onnxruntime's CPU
 * provider — the artifact itself, exactly as a serving node runs it, so the
 * challenger and the champion are judged by what they would serve. Inputs
 * follow the serving contract (services/serving/tensor-feeds.ts): one [N,1]
 * tensor per card feature, float32 for numeric with null as NaN, string for
 * categorical with null as "". Returns the probability output as float64.
 */
export async function scoreWithOnnx(onnxBytes: Uint8Array, card: ModelCard, rows: readonly FeatureRow[], options: { batchRows?: number; threads?: number } = {}): Promise<Float64Array> {
  const label = `${card.model}/${card.version}`;
  const output = card.outputs.find((o) => o.name === PROBABILITY_OUTPUT) ?? card.outputs.find((o) => o.type === 'float32');
  if (!output) throw new DriftlineError('MODEL_INVALID', `${label} has no float32 probability output to score with`);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnxBytes, { executionProviders: ['cpu'], intraOpNumThreads: options.threads ?? 1 });
  } catch (cause) {
    throw new DriftlineError('MODEL_INVALID', `cannot load ${label} in onnxruntime: ${messageOf(cause)}`, { cause });
  }
  try {
    const batchRows = options.batchRows ?? 8192;
    const scores = new Float64Array(rows.length);
    for (let start = 0; start < rows.length; start += batchRows) {
      const batch = rows.slice(start, start + batchRows);
      const results = await session.run(feedsFor(card, batch));
      const tensor = results[output.name];
      if (!tensor || tensor.size !== batch.length) {
        throw new DriftlineError('MODEL_INVALID', `${label} returned ${tensor ? tensor.size : 'no'} ${output.name} values for ${batch.length} rows`);
      }
      scores.set(tensor.data as Float32Array, start);
    }
    return scores;
  } finally {
    await session.release();
  }
}

function feedsFor(card: ModelCard, rows: readonly FeatureRow[]): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const f of card.features) {
    if (f.kind === 'numeric') {
      feeds[f.name] = new ort.Tensor('float32', Float32Array.from(rows, (r) => {
        const v = r[f.name];
        return typeof v === 'number' ? v : Number.NaN;
      }), [rows.length, 1]);
    } else {
      feeds[f.name] = new ort.Tensor('string', rows.map((r) => {
        const v = r[f.name];
        return typeof v === 'string' ? v : '';
      }), [rows.length, 1]);
    }
  }
  return feeds;
}
