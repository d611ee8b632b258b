import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import Fastify from 'fastify';
import { queueBoard } from './queue-board.ts';

describe('bull-board at /admin/queues', () => {
  const queue = new Queue(`board-test-${process.pid}-${Date.now()}`, { connection: { host: '127.0.0.1', port: 6379 } });
  after(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('needs the admin token (Bearer or Basic) and then serves the board and its API', async () => {
    const app = Fastify();
    await app.register(queueBoard({ queues: [queue], adminToken: 's3cret' }));
    await queue.add('retrain', { model: 'm' });
    const anonymous = await app.inject({ url: '/admin/queues' });
    assert.equal(anonymous.statusCode, 401);
    assert.match(String(anonymous.headers['www-authenticate']), /^Basic/);
    assert.equal((await app.inject({ url: '/admin/queues', headers: { authorization: 'Bearer nope' } })).statusCode, 401);
    const page = await app.inject({ url: '/admin/queues', headers: { authorization: 'Bearer s3cret' } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<html/i);
    const basic = `Basic ${Buffer.from('admin:s3cret').toString('base64')}`;
    const api = await app.inject({ url: '/admin/queues/api/queues', headers: { authorization: basic } });
    assert.equal(api.statusCode, 200);
    const names = (api.json() as { queues: Array<{ name: string; counts: Record<string, number> }> }).queues;
    const ours = names.find((q) => q.name === queue.name);
    assert.ok(ours, JSON.stringify(names.map((q) => q.name)));
    assert.equal(ours.counts.waiting, 1);
    await app.close();
  });

  it('is closed without a configured token', async () => {
    const app = Fastify();
    await app.register(queueBoard({ queues: [queue], adminToken: undefined }));
    assert.equal((await app.inject({ url: '/admin/queues', headers: { authorization: 'Bearer x' } })).statusCode, 403);
    await app.close();
  });
});
