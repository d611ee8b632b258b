/**
 * Shared pieces of the serving-node integration tests (test/integration/serving*.test.ts):
 * node options, a session factory with fault injection, client rows, and
 * request and metrics helpers.
 */
import type { DemoTrainResult } from '../../libs/model/train-demo-model.ts';
import type { FeatureRow } from '../../libs/model/feature-encoder.ts';
import { sampleDataset } from '../../libs/model/credit-domain.ts';
import { createRng } from '../../libs/model/random.ts';
import { onnxSessionFactory, type OnnxSession, type SessionFactory } from '../../services/serving/execution-providers.ts';
import type { ServingNode, ServingNodeOptions } from '../../services/serving/serving-node.ts';

export const MODEL = 'credit-default';
/** A numeric value the test session factory turns into a failed run (fault injection). */
export const POISON_AGE = -999;

export const servingOptions = (repoDir: string, overrides: Partial<ServingNodeOptions> = {}): ServingNodeOptions => ({
  repoDir,
  providers: ['cuda', 'cpu'],
  intraOpThreads: 1,
  pollIntervalMs: 0,
  batchWindow: 2,
  maxBatchRows: 256,
  bodyLimit: 64 * 1024,
  publishBuffer: 100_000,
  publishBatch: 500,
  publishLingerMs: 5,
  node: 'serving-test-node',
  ...overrides,
});

/** Real sessions, wrapped to count releases and to fail on the poison row. */
export function instrumentedFactory() {
  const sessions: Array<{ released: boolean }> = [];
  const factory: SessionFactory = async (bytes, sessionOptions) => {
    const real = await onnxSessionFactory(bytes, sessionOptions);
    const record = { released: false };
    sessions.push(record);
    const wrapped: OnnxSession = {
      inputMetadata: real.inputMetadata,
      outputMetadata: real.outputMetadata,
      run: ((feeds: Parameters<OnnxSession['run']>[0]) => {
        const age = (feeds as Record<string, { data: unknown }>).age?.data as Float32Array | undefined;
        if (age?.includes(POISON_AGE)) return Promise.reject(new Error('injected fault: poison row'));
        return real.run(feeds);
      }) as OnnxSession['run'],
      release: async () => {
        record.released = true;
        await real.release();
      },
    };
    return wrapped;
  };
  return { factory, sessions };
}

export function referenceInput(result: DemoTrainResult, rows: readonly FeatureRow[]) {
  const { model, card } = result;
  return { model: { numeric: model.encoder.numeric, categorical: model.encoder.categorical, weights: model.weights, bias: model.bias, threshold: card.threshold }, rows };
}

/** Rows as a client sends them: ordinary ones plus nulls and categories the model never saw. */
export function clientRows(seed: number, n: number): FeatureRow[] {
  const rows: FeatureRow[] = sampleDataset(createRng(seed), n).rows;
  return rows.map((r, i) => (i % 10 === 3 ? { ...r, income: null } : i % 10 === 7 ? { ...r, region: 'atlantis', home_ownership: null } : r));
}

export type PredictBody = { model: string; model_version: string; predictions: Array<{ prediction_id: string; probability: number; label: number }> };

export async function predict(node: ServingNode, rows: readonly FeatureRow[], version?: string) {
  const url = version ? `/v1/models/${MODEL}/versions/${version}/predict` : `/v1/models/${MODEL}/predict`;
  const res = await node.app.inject({ method: 'POST', url, payload: { instances: rows } });
  return { status: res.statusCode, body: res.json() as PredictBody & { error?: { code: string; message: string } }, headers: res.headers };
}

/** Runs `work(i)` for i = 0… with `concurrency` workers until `stop()` says so or `total` is reached. */
export async function loadLoop(concurrency: number, work: (i: number) => Promise<void>, until: { total?: number; stop?: () => boolean }) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (;;) {
      if (until.stop?.() || (until.total !== undefined && next >= until.total)) return;
      await work(next++);
    }
  }));
}

export function metricValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

