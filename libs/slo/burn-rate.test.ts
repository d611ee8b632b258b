import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateBurnRates, WORKBOOK_BURN_RATE_RULES, type BurnRateReport, type SliWindow } from './burn-rate.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 5, 1);

/** Per-minute windows [from + i·1m, …) for `minutes` minutes, each with the same counts. */
function minutes(fromMs: number, count: number, total: number, bad: number): SliWindow[] {
  return Array.from({ length: count }, (_, i) => ({ startMs: fromMs + i * MIN, endMs: fromMs + (i + 1) * MIN, total, bad }));
}

/** The definition, written out in the test: (bad/total)/(1 − target). */
const burnOf = (bad: number, total: number, target: number) => bad / total / (1 - target);

const firingNames = (report: BurnRateReport) => report.alerts.map((a) => a.rule.name);
const lookback = (report: BurnRateReport, ms: number) => report.lookbacks.find((l) => l.lookbackMs === ms)!;

describe('evaluateBurnRates', () => {
  it('2% errors against 99.9% burns at 20 on every lookback and pages', () => {
    // Three days of steady traffic: 1000 requests a minute, 20 of them failing.
    const series = minutes(T0, 3 * 24 * 60, 1000, 20);
    const nowMs = T0 + 3 * DAY;
    const report = evaluateBurnRates(series, { target: 0.999, nowMs });
    const expected = burnOf(20, 1000, 0.999);
    assert.ok(Math.abs(expected - 20) < 1e-9);
    for (const l of report.lookbacks) {
      if (l.lookbackMs > 3 * DAY) continue;
      assert.equal(l.burnRate, burnOf(l.bad, l.total, 0.999));
      assert.ok(Math.abs(l.burnRate! - expected) < 1e-9, `${l.lookbackMs} ms: ${l.burnRate}`);
      assert.equal(l.total, (l.lookbackMs / MIN) * 1000);
      assert.equal(l.coverage, 1);
    }
    assert.deepEqual(firingNames(report), ['page-1h', 'page-6h', 'ticket-1d', 'ticket-3d']);
    assert.equal(report.severity, 'page');
    assert.equal(report.alerts[0]!.long.lookbackMs, HOUR);
    assert.equal(report.alerts[0]!.short.lookbackMs, 5 * MIN);
  });

  it('fires exactly at the threshold and not just below it', () => {
    const nowMs = T0 + 6 * HOUR;
    // 144 of 10,000 = 1.44% against 99.9% is a burn of exactly 14.4 in decimal.
    const at = evaluateBurnRates(minutes(T0, 6 * 60, 10_000, 144), { target: 0.999, nowMs });
    assert.ok(firingNames(at).includes('page-1h'));
    const below = evaluateBurnRates(minutes(T0, 6 * 60, 10_000, 143), { target: 0.999, nowMs });
    assert.ok(!firingNames(below).includes('page-1h'));
    assert.ok(firingNames(below).includes('page-6h'), 'a burn of 14.3 still meets the 6× rule');
  });

  it('needs both lookbacks: a burst that is over does not page, and the page clears after recovery', () => {
    // 10 bad minutes (20% errors) then clean traffic.
    const incidentStart = T0 + 2 * HOUR;
    const series = [...minutes(T0, 120, 1000, 0), ...minutes(incidentStart, 10, 1000, 200), ...minutes(incidentStart + 10 * MIN, 120, 1000, 0)];

    const during = evaluateBurnRates(series, { target: 0.999, nowMs: incidentStart + 10 * MIN });
    const oneHour = lookback(during, HOUR);
    assert.equal(oneHour.burnRate, burnOf(2000, 60_000, 0.999));
    assert.equal(lookback(during, 5 * MIN).burnRate, burnOf(1000, 5000, 0.999));
    assert.ok(firingNames(during).includes('page-1h'));

    // Five clean minutes later the 1 h burn is still 33×, but the 5 m burn is 0: the page clears.
    const after = evaluateBurnRates(series, { target: 0.999, nowMs: incidentStart + 15 * MIN });
    assert.ok(lookback(after, HOUR).burnRate! >= 14.4);
    assert.equal(lookback(after, 5 * MIN).burnRate, 0);
    assert.ok(!firingNames(after).includes('page-1h'));
    // The 30 m short window of the 6 h rule still sees the burst (10 bad minutes of 30 → 66.7×), and the 6 h burn
    // (2000 bad of 135,000) is 14.8 ≥ 6: the slower page keeps firing until the 30 m window is clean too.
    assert.equal(lookback(after, 6 * HOUR).burnRate, burnOf(2000, 135_000, 0.999));
    assert.ok(firingNames(after).includes('page-6h'));
    const later = evaluateBurnRates(series, { target: 0.999, nowMs: incidentStart + 45 * MIN });
    assert.ok(!firingNames(later).includes('page-6h'));
  });

  it('no traffic: null burn rates, no alerts, untouched budget', () => {
    const empty = evaluateBurnRates([], { target: 0.999, nowMs: T0 });
    assert.deepEqual(empty.alerts, []);
    assert.equal(empty.severity, null);
    for (const l of empty.lookbacks) {
      assert.equal(l.burnRate, null);
      assert.equal(l.errorRatio, null);
      assert.equal(l.coverage, 0);
    }
    assert.deepEqual(empty.budget, { periodMs: 30 * DAY, total: 0, bad: 0, allowedBad: 0, consumed: 0, remaining: 1, hasTraffic: false, coverage: 0 });

    // Windows that exist but saw no requests cover the lookback and still burn nothing.
    const idle = evaluateBurnRates(minutes(T0, 60, 0, 0), { target: 0.999, nowMs: T0 + HOUR });
    assert.equal(lookback(idle, HOUR).coverage, 1);
    assert.equal(lookback(idle, HOUR).burnRate, null);
    assert.equal(idle.severity, null);
  });

  it('all errors: burn 1/(1 − target), every rule fires, the budget is overspent', () => {
    const report = evaluateBurnRates(minutes(T0, 6 * 60, 50, 50), { target: 0.99, nowMs: T0 + 6 * HOUR });
    assert.equal(lookback(report, HOUR).burnRate, burnOf(50, 50, 0.99));
    assert.equal(report.alerts.length, 4);
    // Over the 30-day period (6 h covered): consumed = 1/(1 − 0.99) = 100 budgets.
    assert.equal(report.budget.consumed, burnOf(18_000, 18_000, 0.99));
    assert.equal(report.budget.remaining, 1 - burnOf(18_000, 18_000, 0.99));
    assert.ok(report.budget.remaining < 0);
    assert.equal(report.budget.coverage, (6 * HOUR) / (30 * DAY));
  });

  it('budget remaining over the period follows 1 − (bad/total)/(1 − target)', () => {
    // 10 days of hourly windows: 3,600 requests an hour, 1 bad in most hours, 5 in every 24th.
    const series: SliWindow[] = Array.from({ length: 240 }, (_, i) => ({ startMs: T0 + i * HOUR, endMs: T0 + (i + 1) * HOUR, total: 3600, bad: i % 24 === 0 ? 5 : 1 }));
    const nowMs = T0 + 240 * HOUR;
    const report = evaluateBurnRates(series, { target: 0.999, nowMs });
    const bad = 230 * 1 + 10 * 5;
    const total = 240 * 3600;
    assert.equal(report.budget.bad, bad);
    assert.equal(report.budget.total, total);
    assert.equal(report.budget.allowedBad, (1 - 0.999) * total);
    assert.equal(report.budget.remaining, 1 - burnOf(bad, total, 0.999));
    assert.ok(Math.abs(report.budget.remaining - (1 - 280 / 864)) < 1e-12);
    assert.equal(report.budget.coverage, 1 / 3);
    // Hourly windows are summed for the day lookback; the 5 m and 30 m lookbacks see no whole window.
    assert.equal(lookback(report, DAY).total, 24 * 3600);
    assert.equal(lookback(report, 5 * MIN).total, 0);
    assert.equal(lookback(report, 5 * MIN).coverage, 0);
    // With a shorter period, only its windows count.
    const weekly = evaluateBurnRates(series, { target: 0.999, nowMs, periodMs: 7 * DAY });
    assert.equal(weekly.budget.total, 7 * 24 * 3600);
  });

  it('partial coverage: a lookback longer than the data burns at the rate of the data present', () => {
    // A new model: 30 minutes of data at 2% errors.
    const report = evaluateBurnRates(minutes(T0, 30, 1000, 20), { target: 0.999, nowMs: T0 + 30 * MIN });
    const oneHour = lookback(report, HOUR);
    assert.equal(oneHour.coverage, 0.5);
    assert.equal(oneHour.burnRate, burnOf(600, 30_000, 0.999));
    assert.equal(lookback(report, 3 * DAY).coverage, (30 * MIN) / (3 * DAY));
    assert.deepEqual(firingNames(report), ['page-1h', 'page-6h', 'ticket-1d', 'ticket-3d']);
  });

  it('counts only windows entirely inside [now − lookback, now]', () => {
    const series = [...minutes(T0, 10, 100, 0), ...minutes(T0 + 10 * MIN, 1, 100, 100)];
    // At T0 + 10m the bad window has not ended: it is not seen.
    const before = evaluateBurnRates(series, { target: 0.99, nowMs: T0 + 10 * MIN });
    assert.equal(lookback(before, 5 * MIN).bad, 0);
    assert.equal(lookback(before, 5 * MIN).total, 500);
    // Half a minute past a boundary, the window straddling now − 5m is left out, not pro-rated.
    const offset = evaluateBurnRates(series, { target: 0.99, nowMs: T0 + 11 * MIN + 30_000 });
    assert.equal(lookback(offset, 5 * MIN).total, 400);
    assert.equal(lookback(offset, 5 * MIN).bad, 100);
  });

  it('custom rules and unsorted input', () => {
    const series = minutes(T0, 60, 100, 10).reverse();
    const rules = [{ name: 'fast', severity: 'ticket' as const, burnRate: 50, longMs: 10 * MIN, shortMs: MIN }];
    const report = evaluateBurnRates(series, { target: 0.99, nowMs: T0 + HOUR, rules });
    assert.equal(report.rules.length, 1);
    assert.equal(report.rules[0]!.long.burnRate, burnOf(100, 1000, 0.99));
    assert.deepEqual(firingNames(report), []);
    assert.equal(WORKBOOK_BURN_RATE_RULES.length, 4);
  });

  it('refuses overlapping windows, impossible counts and targets', () => {
    const overlapping = [...minutes(T0, 2, 10, 0), { startMs: T0 + 30_000, endMs: T0 + 90_000, total: 1, bad: 0 }];
    assert.throws(() => evaluateBurnRates(overlapping, { target: 0.99, nowMs: T0 + HOUR }), /overlap/);
    assert.throws(() => evaluateBurnRates(minutes(T0, 1, 10, 11), { target: 0.99, nowMs: T0 + HOUR }), RangeError);
    assert.throws(() => evaluateBurnRates([], { target: 1, nowMs: T0 }), RangeError);
    assert.throws(() => evaluateBurnRates([{ startMs: T0, endMs: T0, total: 0, bad: 0 }], { target: 0.9, nowMs: T0 }), RangeError);
  });
});
