import { z } from 'zod';
import { commonEnv } from '../../libs/config/common.ts';
import { parseDurationMs } from '../../libs/config/duration.ts';
import { envInt, envString, envTimer } from '../../libs/config/env.ts';

/**
 * Execution providers a serving node may ask onnxruntime-node for. `cuda` and
 * `tensorrt` need the provider libraries on the host (the npm package ships
 * only the CPU one, see .npmrc); `cpu` always works.
 */
export const EXECUTION_PROVIDERS = ['cuda', 'tensorrt', 'webgpu', 'cpu'] as const;
export type ExecutionProviderName = (typeof EXECUTION_PROVIDERS)[number];

const providerList = z
  .string()
  .default('cuda,cpu')
  .transform((text, ctx) => {
    const names = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    const unknown = names.filter((n) => !(EXECUTION_PROVIDERS as readonly string[]).includes(n));
    if (names.length === 0 || unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `expected a comma-separated list of ${EXECUTION_PROVIDERS.join(', ')}` });
      return z.NEVER;
    }
    return [...new Set(names)] as ExecutionProviderName[];
  });

/** A batch window: a duration (0 = batching off) or `turn` (see micro-batcher.ts). */
const batchWindow = z
  .string()
  .default('2ms')
  .transform((text, ctx): number | 'turn' => {
    if (text.trim() === 'turn') return 'turn';
    const ms = parseDurationMs(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `'${text}' is neither a duration (e.g. 2ms, 0) nor 'turn'` });
      return z.NEVER;
    }
    return ms;
  });

/** The serving node's own variables; README "Serving node" lists them with their defaults. */
export const servingEnv = {
  SERVING_HOST: envString('127.0.0.1'),
  SERVING_PORT: envInt(8080, 0, 65_535),
  /** Name of this node in prediction events; main.ts falls back to the host name. */
  SERVING_NODE_NAME: z.string().min(1).max(200).optional(),
  MODEL_REPOSITORY: envString('.driftline/models'),
  /** How often the repository is rescanned for new, changed or removed versions; 0 turns polling off. */
  MODEL_POLL_INTERVAL: envTimer('5s'),
  SERVING_EXECUTION_PROVIDERS: providerList,
  /** onnxruntime intra-op threads per session; 0 = onnxruntime's default (one per core). */
  SERVING_INTRA_OP_THREADS: envInt(1, 0, 256),
  /** How long a micro-batch stays open for more requests: a duration (0 runs every request on its own) or `turn`. */
  SERVING_BATCH_WINDOW: batchWindow,
  SERVING_MAX_BATCH_ROWS: envInt(256, 1, 1_000_000),
  /** Request body limit in bytes; larger bodies get 413. */
  SERVING_BODY_LIMIT: envInt(1_048_576, 1_024, 1_073_741_824),
  /** Prediction events held for Kafka; beyond this the oldest are dropped (and counted). */
  SERVING_PUBLISH_BUFFER: envInt(100_000, 1, 100_000_000),
  /** Events per producer request; kafkajs encodes a request in one synchronous step, so large ones stall serving. */
  SERVING_PUBLISH_BATCH: envInt(250, 1, 100_000),
  /** How long the publisher waits for a batch to fill before sending a partial one. Each send costs the
   *  broker and kafkajs a fixed amount of CPU; on a 2-core host 5 ms lingers tripled the p99 of serving. */
  SERVING_PUBLISH_LINGER: envTimer('200ms'),
};

export const servingConfigSchema = z.object({ ...commonEnv, ...servingEnv });
export type ServingConfig = z.infer<typeof servingConfigSchema>;
