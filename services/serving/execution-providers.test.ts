import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '../../libs/errors/errors.ts';
import { silentLogger } from '../../libs/logging/logger.ts';
import { trainDemoModel } from '../../libs/model/train-demo-model.ts';
import { createSessionWithFallback, type OnnxSession, type SessionFactory } from './execution-providers.ts';
import { SessionHandle } from './session-handle.ts';

const fakeSession = {} as OnnxSession;

describe('execution provider fallback', () => {
  it('tries each provider alone, in order, and reports the one that worked and why the others failed', async () => {
    const tried: unknown[] = [];
    const factory: SessionFactory = async (_bytes, options) => {
      tried.push(options.executionProviders);
      if (options.executionProviders?.[0] === 'cuda') throw new Error('Failed to load shared library');
      return fakeSession;
    };
    const warnings: unknown[] = [];
    const logger = silentLogger();
    logger.warn = ((obj: unknown) => warnings.push(obj)) as typeof logger.warn;
    const result = await createSessionWithFallback({ onnxBytes: new Uint8Array(), providers: ['cuda', 'cpu'], intraOpThreads: 1, factory, logger, label: 'm/1' });
    assert.equal(result.provider, 'cpu');
    assert.deepEqual(result.failed, [{ provider: 'cuda', error: 'Failed to load shared library' }]);
    assert.deepEqual(tried, [['cuda'], ['cpu']]);
    assert.equal(warnings.length, 1, 'the fallback is a warning');
  });

  it('fails with MODEL_INVALID naming every provider when none works', async () => {
    const factory: SessionFactory = async (_b, o) => {
      throw new Error(`no ${String(o.executionProviders?.[0])}`);
    };
    await assert.rejects(
      createSessionWithFallback({ onnxBytes: new Uint8Array(), providers: ['cuda', 'tensorrt'], intraOpThreads: 0, factory, logger: silentLogger(), label: 'm/1' }),
      (err) => hasCode(err, 'MODEL_INVALID') && /cuda: no cuda; tensorrt: no tensorrt/.test(err.message),
    );
  });

  it('with the real onnxruntime-node: CUDA is used where its libraries exist, otherwise CPU after a recorded CUDA failure', async () => {
    const { onnxBytes } = trainDemoModel({ seed: 3, rows: 500 });
    const result = await createSessionWithFallback({ onnxBytes, providers: ['cuda', 'cpu'], intraOpThreads: 1, logger: silentLogger(), label: 'credit-default/1' });
    try {
      if (result.provider === 'cpu') assert.equal(result.failed[0]?.provider, 'cuda', 'CPU only after CUDA was tried and failed');
      else assert.equal(result.provider, 'cuda');
    } finally {
      await result.session.release();
    }
  });
});

describe('SessionHandle', () => {
  it('releases a retired session only after the last in-flight request', async () => {
    let released = 0;
    const handle = new SessionHandle(async () => {
      released++;
    });
    assert.ok(handle.acquire());
    assert.ok(handle.acquire());
    const retired = handle.retire();
    assert.equal(handle.acquire(), false, 'no new leases once retired');
    handle.release();
    await new Promise((r) => setImmediate(r));
    assert.equal(released, 0, 'one request still running');
    handle.release();
    await retired;
    assert.equal(released, 1);
    await handle.retire();
    assert.equal(released, 1, 'retire is idempotent');
  });

  it('releases at once when idle', async () => {
    let released = false;
    await new SessionHandle(async () => {
      released = true;
    }).retire();
    assert.ok(released);
  });
});
