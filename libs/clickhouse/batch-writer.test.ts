import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../logging/logger.ts';
import { BatchWriter } from './batch-writer.ts';

type Row = { n: number };

function fakeClient() {
  const inserts: Row[][] = [];
  let failuresLeft = 0;
  return {
    inserts,
    failNext(n: number) {
      failuresLeft = n;
    },
    client: {
      insert: async (params: { values: unknown }) => {
        if (failuresLeft > 0) {
          failuresLeft--;
          throw new Error('connection refused');
        }
        inserts.push([...(params.values as Row[])]);
        return {} as never;
      },
    },
  };
}

describe('BatchWriter', () => {
  it('flushes on size', async () => {
    const fake = fakeClient();
    const w = new BatchWriter<Row>({ client: fake.client as never, table: 't', maxRows: 3, maxWaitMs: 60_000, logger: silentLogger() });
    assert.equal(w.add([{ n: 1 }, { n: 2 }]), undefined);
    await w.add([{ n: 3 }]);
    assert.deepEqual(fake.inserts, [[{ n: 1 }, { n: 2 }, { n: 3 }]]);
    await w.close();
  });

  it('flushes on the timer', async () => {
    const fake = fakeClient();
    const w = new BatchWriter<Row>({ client: fake.client as never, table: 't', maxRows: 100, maxWaitMs: 40, logger: silentLogger() });
    w.add([{ n: 1 }]);
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(fake.inserts, [[{ n: 1 }]]);
    await w.close();
  });

  it('keeps rows in order across a failed insert and reports them as unflushed', async () => {
    const fake = fakeClient();
    const flushed: number[] = [];
    const w = new BatchWriter<Row>({ client: fake.client as never, table: 't', maxRows: 100, maxWaitMs: 60_000, logger: silentLogger(), onFlushed: (rows) => void flushed.push(rows.length) });
    w.add([{ n: 1 }, { n: 2 }]);
    fake.failNext(1);
    await assert.rejects(w.flush(), (err: { code: string; retriable: boolean }) => err.code === 'CLICKHOUSE_UNAVAILABLE' && err.retriable);
    w.add([{ n: 3 }]);
    const seen: number[] = [];
    w.forEachUnflushed((r) => seen.push(r.n));
    assert.deepEqual(seen, [1, 2, 3]);
    await w.flush();
    assert.deepEqual(fake.inserts, [[{ n: 1 }, { n: 2 }, { n: 3 }]]);
    assert.deepEqual(flushed, [3]);
  });

  it('flushes what is left on close and refuses rows after', async () => {
    const fake = fakeClient();
    const w = new BatchWriter<Row>({ client: fake.client as never, table: 't', maxRows: 100, maxWaitMs: 60_000, logger: silentLogger() });
    w.add([{ n: 9 }]);
    await w.close();
    assert.deepEqual(fake.inserts, [[{ n: 9 }]]);
    assert.throws(() => w.add([{ n: 10 }]), /closed/);
  });
});
