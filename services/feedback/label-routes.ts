import type { FastifyPluginAsync, preHandlerHookHandler } from 'fastify';
import type { Producer } from 'kafkajs';
import { encodeEvent } from '../../libs/contracts/decode.ts';
import { type LabelEvent, labelEventSchema } from '../../libs/contracts/schemas.ts';
import { loneSurrogatePath } from '../../libs/contracts/well-formed.ts';
import { messageOf } from '../../libs/errors/errors.ts';
import { LABEL_SOURCE_HEADER } from './label-consumer.ts';

export interface LabelRoutesOptions {
  /** Publishes to `driftline.labels` (idempotent producer). */
  producer: Pick<Producer, 'send'>;
  topic: string;
  /** The admin bearer-token check (write endpoint). */
  guard: preHandlerHookHandler;
  /** Most labels one request may carry. */
  maxItems: number;
  clock?: () => number;
  /** Counts per outcome, for /metrics. */
  onCounted?: (accepted: number, rejected: number) => void;
}

const errorBody = {
  type: 'object',
  properties: {
    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
    errors: { type: 'array', items: { type: 'object', properties: { index: { type: 'integer' }, prediction_id: { type: 'string' }, error: { type: 'string' } } } },
  },
} as const;

export interface LabelItemError {
  index: number;
  prediction_id?: string;
  error: string;
}

/**
 * `POST /v1/labels`: ground truth over HTTP. Each item is checked on its own
 * against the label contract; the good items are published to the labels
 * topic (the same path every other label source takes: the feedback
 * service's label consumer stores and joins them) and the bad ones come back
 * with their index and the reason, so one typo never rejects a batch.
 *
 * Answers 202 when at least one item was accepted, 400 when none was.
 * `ts` defaults to the time of the request.
 */
export function labelRoutes(options: LabelRoutesOptions): FastifyPluginAsync {
  const clock = options.clock ?? Date.now;
  return async (app) => {
    app.post(
      '/v1/labels',
      {
        preHandler: options.guard,
        schema: {
          summary: 'Ingest ground-truth labels (batch, per-item errors)',
          tags: ['labels'],
          body: {
            type: 'object',
            required: ['labels'],
            additionalProperties: false,
            properties: { labels: { type: 'array', minItems: 1, maxItems: options.maxItems, items: {} } },
          },
          response: {
            400: errorBody,
            503: errorBody,
            202: {
              type: 'object',
              properties: {
                accepted: { type: 'integer' },
                rejected: { type: 'integer' },
                errors: { type: 'array', items: { type: 'object', properties: { index: { type: 'integer' }, prediction_id: { type: 'string' }, error: { type: 'string' } } } },
              },
            },
          },
        },
      },
      async (request, reply) => {
        const { labels } = request.body as { labels: unknown[] };
        const nowMs = clock();
        const good: LabelEvent[] = [];
        const errors: LabelItemError[] = [];
        labels.forEach((item, index) => {
          const candidate = typeof item === 'object' && item !== null && !Array.isArray(item) ? { schema_version: 1, ts: nowMs, ...item } : item;
          const parsed = labelEventSchema.safeParse(candidate);
          // encodeEvent refuses lone surrogates (libs/contracts/well-formed.ts): caught here, per item, not as a failed publish.
          const surrogateAt = parsed.success ? loneSurrogatePath(parsed.data) : undefined;
          if (parsed.success && surrogateAt === undefined) {
            good.push(parsed.data);
            return;
          }
          const why = parsed.success ? `${surrogateAt}: contains a lone UTF-16 surrogate; strings must be valid Unicode` : `${parsed.error.issues[0]!.path.join('.') || '(item)'}: ${parsed.error.issues[0]!.message}`;
          const id = (item as { prediction_id?: unknown } | null)?.prediction_id;
          errors.push({ index, ...(typeof id === 'string' ? { prediction_id: id.slice(0, 64) } : {}), error: why });
        });
        options.onCounted?.(good.length, errors.length);
        if (good.length === 0) {
          return reply.code(400).send({ error: { code: 'INPUT_INVALID', message: `no valid label in the request; first problem: item ${errors[0]!.index}: ${errors[0]!.error}` }, errors });
        }
        try {
          await options.producer.send({
            topic: options.topic,
            acks: -1,
            messages: good.map((label) => ({ key: label.prediction_id, value: encodeEvent('labels', label), headers: { [LABEL_SOURCE_HEADER]: 'http' } })),
          });
        } catch (err) {
          request.log.error({ err: messageOf(err) }, 'publishing labels failed');
          return reply.code(503).send({ error: { code: 'KAFKA_UNAVAILABLE', message: 'labels could not be published; retry the request (a resent label becomes the newest version of that label)' } });
        }
        return reply.code(202).send({ accepted: good.length, rejected: errors.length, errors });
      },
    );
  };
}
