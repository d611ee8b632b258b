import type { Logger } from '../../libs/logging/logger.ts';
import type { ModelCard } from '../../libs/model/model-card.ts';
import { readModelVersion } from '../../libs/model/model-repository.ts';
import { DriftlineError } from '../../libs/errors/errors.ts';
import type { ExecutionProviderName } from './config.ts';
import { createSessionWithFallback, type ProviderAttempt, type SessionFactory } from './execution-providers.ts';
import { concatFeatureBatches, type FeatureBatch, type OutputBatch, sliceOutputBatch } from './feature-batch.ts';
import { type BatchWindow, MicroBatcher } from './micro-batcher.ts';
import { type ModelSignature, signatureOf } from './model-signature.ts';
import { SessionHandle } from './session-handle.ts';
import { fromResults, toFeeds } from './tensor-feeds.ts';

/** One model version ready to serve: its session behind a handle, its signature and its micro-batcher. */
export interface LoadedVersion {
  model: string;
  version: string;
  card: ModelCard;
  signature: ModelSignature;
  /** The execution provider really in use. */
  provider: ExecutionProviderName;
  /** Providers that were tried first and failed, with the reason. */
  failedProviders: ProviderAttempt[];
  /** Identity of the files it was loaded from; a different fingerprint means the version changed on disk. */
  fingerprint: string;
  loadedAtMs: number;
  handle: SessionHandle;
  /** Scores a validated batch (through the micro-batcher). Callers hold a lease on `handle`. */
  infer(batch: FeatureBatch): Promise<OutputBatch>;
}

export interface LoadVersionOptions {
  dir: string;
  model: string;
  version: string;
  fingerprint: string;
  providers: readonly ExecutionProviderName[];
  intraOpThreads: number;
  batchWindow: BatchWindow;
  maxBatchRows: number;
  sessionFactory?: SessionFactory;
  onBatch?: (model: string, version: string, rows: number) => void;
  logger: Logger;
  nowMs: number;
}

/** Reads a version from the repository, creates its session (with provider fallback) and checks its signature. */
export async function loadVersion(options: LoadVersionOptions): Promise<LoadedVersion> {
  const label = `${options.model}/${options.version}`;
  const { onnxBytes, card } = await readModelVersion(options.dir);
  if (card.model !== options.model || card.version !== options.version) {
    throw new DriftlineError('MODEL_INVALID', `${label}: its card says ${card.model}/${card.version}; the directory layout <model>/<version> must match the card`);
  }
  const { session, provider, failed } = await createSessionWithFallback({
    onnxBytes,
    providers: options.providers,
    intraOpThreads: options.intraOpThreads,
    ...(options.sessionFactory ? { factory: options.sessionFactory } : {}),
    logger: options.logger,
    label,
  });
  let signature: ModelSignature;
  try {
    signature = signatureOf(session, card, label);
  } catch (err) {
    await session.release();
    throw err;
  }
  const handle = new SessionHandle(() => session.release());
  const batcher = new MicroBatcher<FeatureBatch, OutputBatch>({
    // A fixed batch dimension cannot take concatenated requests.
    window: signature.fixedRows === null ? options.batchWindow : 0,
    maxRows: options.maxBatchRows,
    rowsOf: (b) => b.rows,
    onBatch: (rows) => options.onBatch?.(options.model, options.version, rows),
    run: async (batches) => {
      const all = concatFeatureBatches(batches);
      const results = await session.run(toFeeds(signature, all));
      const outputs = fromResults(signature, results, all.rows);
      if (batches.length === 1) return [outputs];
      let start = 0;
      return batches.map((b) => sliceOutputBatch(outputs, start, (start += b.rows)));
    },
  });
  return {
    model: options.model,
    version: options.version,
    card,
    signature,
    provider,
    failedProviders: failed,
    fingerprint: options.fingerprint,
    loadedAtMs: options.nowMs,
    handle,
    infer: (batch) => batcher.submit(batch),
  };
}
