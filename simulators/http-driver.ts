import { z } from 'zod';
import { type DriverClock, type DriverLoopOptions, type DriverLoopResult, runDriverLoop } from './driver-loop.ts';
import type { ScheduledLabel } from './label-scheduler.ts';
import { type LabelSender, labelFor } from './label-sender.ts';
import type { ScenarioPlan } from './scenario.ts';

export interface HttpDriverDeps {
  /** The serving node, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  model: string;
  /** Pin a model version (…/versions/:version/predict); default: the node's routing decides. */
  version?: string;
  /** Where due labels go (Kafka: kafkaLabelSender; or a POST /v1/labels client). */
  sendLabels: LabelSender;
  fetch?: typeof fetch;
  clock?: DriverClock;
}

export interface HttpDriverOptions extends Omit<DriverLoopOptions, 'alone' | 'clock'> {
  /** Per-request timeout; default 10 s. */
  requestTimeoutMs?: number;
}

export interface HttpDriverResult extends DriverLoopResult {
  requests: number;
  /** Requests by outcome: the HTTP status ("200", "400", "503"…), "timeout", "network" or "bad_response" (200 with a body that is not a prediction response). */
  byStatus: Record<string, number>;
  /** Rows the node scored (each has a prediction id). */
  rowsScored: number;
  /** Rows in requests answered 4xx. */
  rowsRejected: number;
  /** Rows in requests that failed otherwise (5xx, timeout, network, bad response). */
  rowsFailed: number;
  /** Rows the scenario broke on purpose (renamed/missing feature, wrong type), each sent alone: expected to be rejected. */
  invalidRowsSent: number;
  /** Scored rows that label coverage left without a label. */
  labelsNotCovered: number;
}

const predictResponse = z.object({
  model: z.string(),
  predictions: z.array(z.object({ prediction_id: z.string() }).loose()),
});

/**
 * Serving mode: POSTs the simulation's rows to the node's
 * `/v1/models/:name/predict` in small batches at the scenario's rate (the node
 * publishes the prediction events itself), then schedules each scored row's
 * label under the prediction id the node returned, delayed as the scenario
 * says, through `sendLabels`. Rows a quality incident made invalid travel
 * alone, so the 400 they earn does not take valid rows down with them.
 * Latency and errors are the real server's: latencySpike and errorBurst
 * effects do not apply here (see httpModeNotes). Never throws for an HTTP
 * failure — it counts it; a failing label sender stops the run.
 */
export async function runHttpDriver(deps: HttpDriverDeps, options: HttpDriverOptions): Promise<HttpDriverResult> {
  const doFetch = deps.fetch ?? fetch;
  const base = deps.baseUrl.replace(/\/+$/, '');
  const path = deps.version === undefined ? `/v1/models/${encodeURIComponent(deps.model)}/predict` : `/v1/models/${encodeURIComponent(deps.model)}/versions/${encodeURIComponent(deps.version)}/predict`;
  const url = `${base}${path}`;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const counts = { requests: 0, rowsScored: 0, rowsRejected: 0, rowsFailed: 0, invalidRowsSent: 0, labelsNotCovered: 0 };
  const byStatus: Record<string, number> = {};
  const outcome = (key: string) => (byStatus[key] = (byStatus[key] ?? 0) + 1);

  const loop = await runDriverLoop(
    {
      async sendBatch(items, sentOffsetMs) {
        counts.requests++;
        counts.invalidRowsSent += items.filter((i) => !i.requestValid).length;
        let response: Response;
        let body: unknown;
        try {
          response = await doFetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ instances: items.map((i) => i.instance) }),
            signal: AbortSignal.timeout(timeoutMs),
          });
          body = await response.json().catch(() => undefined);
        } catch (err) {
          outcome((err as Error).name === 'TimeoutError' ? 'timeout' : 'network');
          counts.rowsFailed += items.length;
          return [];
        }
        if (response.status !== 200) {
          outcome(String(response.status));
          if (response.status >= 400 && response.status < 500) counts.rowsRejected += items.length;
          else counts.rowsFailed += items.length;
          return [];
        }
        const parsed = predictResponse.safeParse(body);
        if (!parsed.success || parsed.data.predictions.length !== items.length) {
          outcome('bad_response');
          counts.rowsFailed += items.length;
          return [];
        }
        outcome('200');
        counts.rowsScored += items.length;
        const labels: ScheduledLabel[] = [];
        items.forEach((item, i) => {
          const label = labelFor(item, parsed.data.predictions[i]!.prediction_id, parsed.data.model, Math.max(0, sentOffsetMs - item.offsetMs));
          if (label) labels.push(label);
          else counts.labelsNotCovered++;
        });
        return labels;
      },
      sendLabels: deps.sendLabels,
    },
    { ...options, alone: (item) => !item.requestValid, ...(deps.clock ? { clock: deps.clock } : {}) },
  );
  return { ...loop, ...counts, byStatus };
}

/** What a scenario asks for that HTTP mode cannot do: latency and errors come from the real server. */
export function httpModeNotes(plan: ScenarioPlan): string[] {
  const types = new Set(plan.effects.map((e) => e.type));
  const notes: string[] = [];
  for (const t of ['latencySpike', 'errorBurst'] as const) {
    if (types.has(t)) notes.push(`${t} effects shape Kafka-mode events only; in HTTP mode latency and errors are the serving node's own`);
  }
  return notes;
}
