import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { queryRows, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { encodeEvent } from '../../libs/contracts/decode.ts';
import type { AlertEvent } from '../../libs/contracts/schemas.ts';
import { messageOf } from '../../libs/errors/errors.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import type { AlertSignal } from '../processors/window-finalizer.ts';

export interface AlertManagerOptions {
  clickhouse: ClickHouseClient;
  producer: Pick<Producer, 'send'>;
  topic: string;
  logger: Logger;
  /** Optional webhook receiving every alert event as JSON (retried with backoff). */
  webhookUrl?: string | undefined;
  webhookAttempts?: number;
  fetchImpl?: typeof fetch;
}

/**
 * Turns per-window signals into alert events with dedup: a condition that
 * keeps firing window after window yields ONE `firing` event, and one
 * `resolved` event (same alert_id) when it clears. Open alerts are read back
 * from the `alerts` table on first use, so a restart does not re-fire them.
 * Signals about a window older than the newest one seen for a condition
 * (an older window recomputed after late events) are ignored.
 */
export function createAlertManager(options: AlertManagerOptions) {
  const log = options.logger.child({ component: 'alerts' });
  /** Firing conditions: their alert id, kind and model. */
  let open: Map<string, { alertId: string; kind: string; model: string }> | undefined;
  /** Newest window applied per condition: a recomputed older window (late chunks) must not flip the state back. */
  const newestWindow = new Map<string, number>();
  const stats = { fired: 0, resolved: 0, webhookFailures: 0 };

  async function openAlerts(): Promise<NonNullable<typeof open>> {
    if (open) return open;
    const rows = await queryRows<{ condition: string; alert_id: string; state: string; kind: string; model: string }>(
      options.clickhouse,
      'SELECT condition, argMax(alert_id, ts) AS alert_id, argMax(state, ts) AS state, argMax(kind, ts) AS kind, argMax(model, ts) AS model FROM alerts GROUP BY condition',
    );
    open = new Map(rows.filter((r) => r.state === 'firing').map((r) => [r.condition, { alertId: r.alert_id, kind: r.kind, model: r.model }]));
    return open;
  }

  async function deliverWebhook(events: AlertEvent[]): Promise<void> {
    if (!options.webhookUrl) return;
    const doFetch = options.fetchImpl ?? fetch;
    const attempts = options.webhookAttempts ?? 5;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await doFetch(options.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ alerts: events }), signal: AbortSignal.timeout(5_000) });
        if (response.ok) return;
        if (response.status < 500 && response.status !== 429) throw new Error(`webhook answered ${response.status} (not retried)`);
        throw Object.assign(new Error(`webhook answered ${response.status}`), { retriable: true });
      } catch (err) {
        const retriable = (err as { retriable?: boolean }).retriable || (err as Error).name === 'TimeoutError' || (err as Error).name === 'TypeError';
        if (!retriable || attempt === attempts) {
          stats.webhookFailures++;
          log.warn({ err: messageOf(err), attempt }, 'alert webhook delivery failed');
          return;
        }
        await new Promise((r) => setTimeout(r, 200 * 2 ** (attempt - 1)));
      }
    }
  }

  return {
    stats: () => ({ ...stats }),
    /** The firing conditions of a kind and model, sorted: what the alerts table says plus every signal applied since. */
    async openConditions(kind: string, model: string): Promise<string[]> {
      const current = await openAlerts();
      return [...current].filter(([, a]) => a.kind === kind && a.model === model).map(([condition]) => condition).sort();
    },
    /** Applies signals; returns the alert events emitted. */
    async apply(signals: AlertSignal[], nowMs = Date.now()): Promise<AlertEvent[]> {
      const current = await openAlerts();
      const events: AlertEvent[] = [];
      for (const s of signals) {
        if (s.windowStartMs < (newestWindow.get(s.condition) ?? -Infinity)) continue;
        newestWindow.set(s.condition, s.windowStartMs);
        const openId = current.get(s.condition)?.alertId;
        if (s.firing && !openId) {
          const alertId = randomUUID();
          current.set(s.condition, { alertId, kind: s.kind, model: s.model });
          events.push({ schema_version: 1, alert_id: alertId, kind: s.kind, condition: s.condition, model: s.model, severity: s.severity, state: 'firing', ts: nowMs, summary: s.summary, details: s.details });
          stats.fired++;
        } else if (!s.firing && openId) {
          current.delete(s.condition);
          events.push({ schema_version: 1, alert_id: openId, kind: s.kind, condition: s.condition, model: s.model, severity: s.severity, state: 'resolved', ts: nowMs, summary: s.summary, details: s.details });
          stats.resolved++;
        }
      }
      if (events.length === 0) return events;
      await options.clickhouse.insert({ table: 'alerts', format: 'JSONEachRow', values: events.map((e) => ({ ...e, details: JSON.stringify(e.details) })) });
      await options.producer.send({ topic: options.topic, acks: -1, messages: events.map((e) => ({ key: e.condition, value: encodeEvent('alerts', e) })) });
      for (const e of events) log.info({ alert: e.condition, state: e.state, severity: e.severity }, e.summary);
      await deliverWebhook(events);
      return events;
    },
  };
}
export type AlertManager = ReturnType<typeof createAlertManager>;
