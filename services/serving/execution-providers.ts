import * as ort from 'onnxruntime-node';
import { DriftlineError, messageOf } from '../../libs/errors/errors.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import type { ExecutionProviderName } from './config.ts';

/** The part of an onnxruntime session the serving node uses; tests pass fakes of this shape. */
export type OnnxSession = Pick<ort.InferenceSession, 'inputMetadata' | 'outputMetadata' | 'run' | 'release'>;

/** Creates a session for one execution provider; the default is onnxruntime-node's. */
export type SessionFactory = (onnxBytes: Uint8Array, options: ort.InferenceSession.SessionOptions) => Promise<OnnxSession>;

/** The real factory: onnxruntime-node's InferenceSession.create. */
export const onnxSessionFactory: SessionFactory = (bytes, options) => ort.InferenceSession.create(bytes, options);

export interface ProviderAttempt {
  provider: ExecutionProviderName;
  error: string;
}

export interface ProvidedSession {
  session: OnnxSession;
  /** The provider the session was created with: the one that really runs the graph (onnxruntime may still place single unsupported nodes on CPU). */
  provider: ExecutionProviderName;
  /** Providers tried before it, and why they failed. */
  failed: ProviderAttempt[];
}

/**
 * Creates a session with the first execution provider that works, in the
 * configured order. Each provider is tried ALONE: onnxruntime refuses the
 * whole session when any listed provider's library is missing (`cuda,cpu`
 * fails outright on a host without CUDA), so a list cannot express fallback.
 * A failed provider is logged as a warning naming the reason; when every
 * provider fails the session cannot exist and MODEL_INVALID is thrown.
 */
export async function createSessionWithFallback(options: {
  onnxBytes: Uint8Array;
  providers: readonly ExecutionProviderName[];
  intraOpThreads: number;
  factory?: SessionFactory;
  logger: Logger;
  /** For log lines, e.g. "credit-default/2". */
  label: string;
}): Promise<ProvidedSession> {
  const factory = options.factory ?? onnxSessionFactory;
  const failed: ProviderAttempt[] = [];
  for (const provider of options.providers) {
    try {
      const session = await factory(options.onnxBytes, {
        executionProviders: [provider],
        ...(options.intraOpThreads > 0 ? { intraOpNumThreads: options.intraOpThreads } : {}),
      });
      return { session, provider, failed };
    } catch (err) {
      failed.push({ provider, error: messageOf(err) });
      const next = options.providers[options.providers.indexOf(provider) + 1];
      options.logger.warn({ model: options.label, provider, next: next ?? null, err: messageOf(err) }, next ? `execution provider ${provider} unavailable; falling back to ${next}` : `execution provider ${provider} unavailable`);
    }
  }
  throw new DriftlineError('MODEL_INVALID', `no execution provider could load ${options.label}: ${failed.map((f) => `${f.provider}: ${f.error}`).join('; ')}`, {
    details: { failed },
  });
}
