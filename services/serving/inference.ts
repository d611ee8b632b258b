import type { PredictionEvent } from '../../libs/contracts/schemas.ts';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import { DriftlineError, messageOf } from '../../libs/errors/errors.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import type { FeatureBatch, OutputBatch } from './feature-batch.ts';
import type { ModelRegistry } from './model-registry.ts';
import type { ModelSignature } from './model-signature.ts';
import { failedPredictionEvents, predictionEvents, type RequestFacts } from './prediction-events.ts';

export interface InferenceRequest {
  model: string;
  /** An explicit version; undefined = the routing policy decides. */
  version?: string | undefined;
  /** Validates the request body against the chosen version's signature (throws INPUT_INVALID). */
  parse: (signature: ModelSignature) => FeatureBatch;
  /** Filled in as soon as the version is chosen, so the caller can label metrics even when parsing fails. */
  routed?: { version?: string };
}

export interface InferenceResult {
  model: string;
  version: string;
  provider: string;
  signature: ModelSignature;
  predictionIds: string[];
  outputs: OutputBatch;
}

export interface InferenceServiceDeps {
  registry: Pick<ModelRegistry, 'acquire'>;
  /** Hands an event to the publisher; must not block. */
  publish: (event: PredictionEvent) => void;
  node: string;
  logger: Logger;
  /** Rows scored, by outcome (for /metrics). */
  onPredictions?: (model: string, version: string, status: 'ok' | 'error', rows: number) => void;
  clock?: () => number;
}

export type InferenceService = (request: InferenceRequest) => Promise<InferenceResult>;

/**
 * The core of a prediction request, independent of the wire format: give the
 * first row a prediction id and route by it, lease the chosen version, parse
 * the body against that version's signature, score through the micro-batcher,
 * then hand one event per row to the publisher (status=error with the reason
 * when scoring failed). Every row gets a UUIDv7 prediction id. A multi-row
 * request goes to one version as a whole: it is routed by its first id.
 */
export function createInferenceService(deps: InferenceServiceDeps): InferenceService {
  const clock = deps.clock ?? Date.now;
  const log = deps.logger.child({ component: 'inference' });
  return async (request) => {
    const ts = clock();
    const started = performance.now();
    const firstId = newPredictionId(ts);
    const lease = deps.registry.acquire(request.model, request.version, firstId);
    const loaded = lease.version;
    if (request.routed) request.routed.version = loaded.version;
    try {
      const features = request.parse(loaded.signature);
      const ids = [firstId];
      for (let i = 1; i < features.rows; i++) ids.push(newPredictionId(ts));
      const facts = (): RequestFacts => ({
        model: loaded.model,
        version: loaded.version,
        node: deps.node,
        executionProvider: loaded.provider,
        ts,
        latencyMs: performance.now() - started,
      });
      let outputs: OutputBatch;
      try {
        outputs = await loaded.infer(features);
      } catch (err) {
        const message = messageOf(err);
        for (const event of failedPredictionEvents(facts(), ids, features, message)) deps.publish(event);
        deps.onPredictions?.(loaded.model, loaded.version, 'error', features.rows);
        log.error({ model: loaded.model, version: loaded.version, rows: features.rows, err: message }, 'inference failed');
        throw new DriftlineError('INFERENCE_FAILED', `inference failed on ${loaded.model}/${loaded.version}: ${message}`, { cause: err, retriable: true });
      }
      for (const event of predictionEvents(facts(), ids, features, outputs)) deps.publish(event);
      deps.onPredictions?.(loaded.model, loaded.version, 'ok', features.rows);
      return { model: loaded.model, version: loaded.version, provider: loaded.provider, signature: loaded.signature, predictionIds: ids, outputs };
    } finally {
      lease.release();
    }
  };
}
