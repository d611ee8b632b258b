import { queryRows, type ClickHouseClient } from '../../../libs/clickhouse/client.ts';
import type { Logger } from '../../../libs/logging/logger.ts';
import type { BurnRateReport } from '../../../libs/slo/burn-rate.ts';
import { evaluateSlo, type SloObjective, type SloReport, type SloWindowCounts } from '../../../libs/slo/slo.ts';
import type { AlertSignal, ClosedWindow, WindowFinalizer } from '../window-finalizer.ts';
import { mergeSloParts, sloObjectiveFor, type SloPolicy } from './slo-aggregator.ts';

const DAY = 24 * 60 * 60 * 1000;
/** The longest lookback of the workbook rules: windows inside it are read one by one. */
const RULES_LOOKBACK_MS = 3 * DAY;

/** The slo_status columns derived from a report (pure; exported for tests). */
export function sloStatusRow(report: SloReport) {
  const burnRates: Record<string, number | null> = {};
  const firing: string[] = [];
  for (const [sli, r] of [['availability', report.availability], ['latency', report.latency]] as const) {
    if (!r) continue;
    for (const l of r.lookbacks) burnRates[`${sli}:${l.lookbackMs}`] = l.burnRate;
    for (const a of r.alerts) firing.push(`${sli}:${a.rule.name}`);
  }
  const severities = [report.availability?.severity, report.latency?.severity];
  const severity = severities.includes('page') ? 'page' : severities.includes('ticket') ? 'ticket' : '';
  return {
    availability_budget_remaining: report.availability?.budget.remaining ?? null,
    latency_budget_remaining: report.latency?.budget.remaining ?? null,
    burn_rates: JSON.stringify(burnRates),
    severity,
    firing_rules: firing.join(','),
  };
}

/** The alert signals of a model's SLO report after one window (pure; exported for tests). */
export function sloSignals(report: SloReport, windowStartMs: number): AlertSignal[] {
  const signals: AlertSignal[] = [];
  for (const [sli, r] of [['availability', report.availability], ['latency', report.latency]] as const) {
    if (!r) continue;
    signals.push({
      kind: 'slo',
      model: report.model,
      condition: `slo/${report.model}/${sli}`,
      severity: r.severity ?? 'ticket',
      firing: r.severity !== null,
      windowStartMs,
      summary: summaryOf(sli, r),
      details: {
        sli,
        target: r.target,
        now: r.nowMs,
        firing_rules: r.alerts.map((a) => ({ rule: a.rule.name, long_burn_rate: a.long.burnRate, short_burn_rate: a.short.burnRate })),
        budget_remaining: r.budget.remaining,
      },
    });
  }
  return signals;
}

function summaryOf(sli: string, r: BurnRateReport): string {
  const budget = `${(r.budget.remaining * 100).toFixed(1)}% of the ${sli} error budget left`;
  if (r.alerts.length === 0) return `${sli} within objective (${budget})`;
  const a = r.alerts[0]!;
  return `${sli} burning ${a.long.burnRate?.toFixed(2)}× over ${a.rule.name} (threshold ${a.rule.burnRate}); ${budget}`;
}

/**
 * SLO of a closed window: the merged counts and latency quantiles to
 * slo_windows; then the model's burn rates and error budget at the window's
 * end, over slo_windows FINAL summed over model versions, to slo_status and
 * as alert signals (`slo/<model>/availability|latency`, severity of the
 * workbook rule that fired). Windows of the last 3 days (every rule's
 * lookback) are read one by one; older ones inside the objective's period
 * are read as one sum, which only the error budget uses.
 */
export function createSloFinalizer(deps: { clickhouse: ClickHouseClient; logger: Logger; policy?: SloPolicy | undefined }): WindowFinalizer {
  return {
    name: 'slo',
    async finalize(window: ClosedWindow, nowMs: number): Promise<AlertSignal[]> {
      const parts = await window.readParts('slo');
      const merged = mergeSloParts(parts.get('slo') ?? []);
      if (!merged) return [];
      const [p50, p90, p95, p99] = merged.latency.quantiles([0.5, 0.9, 0.95, 0.99]);
      // Inserted now, not with the batch's rows (window.write): the burn rates below read it back.
      await deps.clickhouse.insert({
        table: 'slo_windows',
        format: 'JSONEachRow',
        values: [
          {
            model: window.model,
            model_version: window.modelVersion,
            window_start: window.windowStartMs,
            window_end: window.windowEndMs,
            requests: merged.total,
            errors: merged.errors,
            slow: merged.slow,
            p50: p50 ?? null,
            p90: p90 ?? null,
            p95: p95 ?? null,
            p99: p99 ?? null,
            latency_sketch: JSON.stringify(merged.latency),
            computed_at: nowMs,
          },
        ],
      });
      const objective = sloObjectiveFor(deps.policy, window.model);
      const sloNow = window.windowEndMs;
      const windows = await closedWindows(deps.clickhouse, objective, sloNow);
      const report = evaluateSlo(objective, windows, sloNow);
      window.write('slo_status', [{ model: window.model, evaluated_at: nowMs, window_end: sloNow, ...sloStatusRow(report), computed_at: nowMs }]);
      return sloSignals(report, window.windowStartMs);
    },
  };
}

/** The windows an SLO report at `nowMs` needs (exported for tests). */
export async function closedWindows(clickhouse: ClickHouseClient, objective: SloObjective, nowMs: number): Promise<SloWindowCounts[]> {
  // One round trip (each costs the embedded engine ~10 ms, per window finalized): the rules' windows one by one
  // (older = 0), and, when the objective's period reaches further back, the older windows as one sum (older = 1),
  // which only the error budget uses.
  const params = { model: objective.model, now: nowMs, recent: nowMs - RULES_LOOKBACK_MS, period: nowMs - objective.periodMs, withOlder: objective.periodMs > RULES_LOOKBACK_MS ? 1 : 0 };
  const rows = await queryRows<{ older: number; n: string; ws: string; we: string; total: string; errors: string; slow: string }>(
    clickhouse,
    `SELECT 0 AS older, toUInt64(1) AS n, toInt64(toUnixTimestamp64Milli(window_start)) AS ws, toInt64(toUnixTimestamp64Milli(any(window_end))) AS we,
            toUInt64(sum(requests)) AS total, toUInt64(sum(errors)) AS errors, toUInt64(sum(slow)) AS slow
       FROM slo_windows FINAL
      WHERE model = {model:String}
        AND window_start >= fromUnixTimestamp64Milli({recent:Int64}, 'UTC') AND window_end <= fromUnixTimestamp64Milli({now:Int64}, 'UTC')
      GROUP BY window_start
     UNION ALL
     SELECT 1 AS older, toUInt64(count()) AS n, toInt64(0) AS ws, toInt64(0) AS we,
            toUInt64(sum(requests)) AS total, toUInt64(sum(errors)) AS errors, toUInt64(sum(slow)) AS slow
       FROM slo_windows FINAL
      WHERE {withOlder:UInt8} = 1 AND model = {model:String}
        AND window_start >= fromUnixTimestamp64Milli({period:Int64}, 'UTC') AND window_start < fromUnixTimestamp64Milli({recent:Int64}, 'UTC')
        AND window_end <= fromUnixTimestamp64Milli({now:Int64}, 'UTC')`,
    params,
  );
  const windows: SloWindowCounts[] = rows
    .filter((r) => Number(r.older) === 0)
    .map((r) => ({ startMs: Number(r.ws), endMs: Number(r.we), total: Number(r.total), errors: Number(r.errors), slow: Number(r.slow) }))
    .sort((a, b) => a.startMs - b.startMs);
  const older = rows.find((r) => Number(r.older) === 1);
  if (older && Number(older.n) > 0) windows.push({ startMs: params.period, endMs: params.recent, total: Number(older.total), errors: Number(older.errors), slow: Number(older.slow) });
  return windows;
}
