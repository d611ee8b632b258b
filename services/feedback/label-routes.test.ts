import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify, { type preHandlerHookHandler } from 'fastify';
import type { Producer } from 'kafkajs';
import { decodeEvent } from '../../libs/contracts/decode.ts';
import { newPredictionId } from '../../libs/contracts/prediction-id.ts';
import { labelRoutes } from './label-routes.ts';

type Sent = Parameters<Producer['send']>[0];

function build(options: { failSend?: boolean } = {}) {
  const sent: Sent[] = [];
  const producer = {
    send: async (record: Sent) => {
      if (options.failSend) throw new Error('broker down');
      sent.push(record);
      return [];
    },
  };
  const guard: preHandlerHookHandler = async (request, reply) => {
    if (request.headers.authorization !== 'Bearer admin') await reply.code(401).send({ error: { code: 'UNAUTHORIZED', message: 'bearer token required' } });
  };
  const app = Fastify();
  void app.register(labelRoutes({ producer, topic: 'labels', guard, maxItems: 3, clock: () => 1_800_000_000_000 }));
  return { app, sent };
}

const auth = { authorization: 'Bearer admin' };

describe('POST /v1/labels', () => {
  it('publishes the good items and reports each bad one with its index and field', async () => {
    const { app, sent } = build();
    const id = newPredictionId();
    const response = await app.inject({
      method: 'POST',
      url: '/v1/labels',
      headers: auth,
      payload: { labels: [{ prediction_id: id, model: 'm', label: 1 }, { prediction_id: 'not-a-uuid', model: 'm', label: 0 }, 'junk'] },
    });
    assert.equal(response.statusCode, 202);
    const body = response.json();
    assert.equal(body.accepted, 1);
    assert.equal(body.rejected, 2);
    assert.deepEqual(body.errors.map((e: { index: number }) => e.index), [1, 2]);
    assert.match(body.errors[0].error, /^prediction_id: must be a UUIDv7/);
    assert.equal(sent.length, 1);
    const message = sent[0]!.messages[0]!;
    assert.equal(message.key, id);
    assert.equal(String(message.headers!['driftline-label-source']), 'http');
    const decoded = decodeEvent('labels', message.value as Buffer);
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value, { schema_version: 1, prediction_id: id, model: 'm', label: 1, ts: 1_800_000_000_000 });
  });

  it('answers 400 when no item is valid, and names the first problem', async () => {
    const { app, sent } = build();
    const response = await app.inject({ method: 'POST', url: '/v1/labels', headers: auth, payload: { labels: [{ prediction_id: newPredictionId(), label: 1 }] } });
    assert.equal(response.statusCode, 400);
    assert.match(response.json().error.message, /item 0: model:/);
    assert.equal(sent.length, 0);
  });

  it('enforces the item limit, the body shape and the token', async () => {
    const { app } = build();
    const four = Array.from({ length: 4 }, () => ({ prediction_id: newPredictionId(), model: 'm', label: 1 }));
    assert.equal((await app.inject({ method: 'POST', url: '/v1/labels', headers: auth, payload: { labels: four } })).statusCode, 400);
    assert.equal((await app.inject({ method: 'POST', url: '/v1/labels', headers: auth, payload: { label: [] } })).statusCode, 400);
    assert.equal((await app.inject({ method: 'POST', url: '/v1/labels', payload: { labels: four.slice(0, 1) } })).statusCode, 401);
  });

  it('answers 503 when the broker does not take the labels', async () => {
    const { app } = build({ failSend: true });
    const response = await app.inject({ method: 'POST', url: '/v1/labels', headers: auth, payload: { labels: [{ prediction_id: newPredictionId(), model: 'm', label: '1' }] } });
    assert.equal(response.statusCode, 503);
    assert.equal(response.json().error.code, 'KAFKA_UNAVAILABLE');
  });
});
