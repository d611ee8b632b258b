/**
 * The macro and variable expander against the plugin's own outputs
 * (grafana-clickhouse-datasource pkg/macros/macros.go) and Grafana's
 * variable formats: if these drift apart, the SQL tests prove nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasCode } from '../libs/errors/errors.ts';
import { expandMacros, expandQuery, interpolateVariables, type QueryContext } from './macros.ts';

const ctx: QueryContext = {
  from: new Date(1_700_000_000_123),
  to: new Date(1_700_003_600_456),
  intervalMs: 300_000,
  variables: { model: ['credit', "o'brien"], version: 'v2' },
};

describe('plugin macros', () => {
  it('expand time filters to whole seconds, and the _ms variants to milliseconds', () => {
    assert.equal(expandMacros('WHERE $__timeFilter(ts)', ctx), 'WHERE ts >= toDateTime(1700000000) AND ts <= toDateTime(1700003600)');
    assert.equal(expandMacros('$__timeFilter_ms(ts)', ctx), 'ts >= fromUnixTimestamp64Milli(1700000000123) AND ts <= fromUnixTimestamp64Milli(1700003600456)');
    assert.equal(expandMacros('$__fromTime, $__toTime', ctx), 'toDateTime(1700000000), toDateTime(1700003600)');
    assert.equal(expandMacros('$__fromTime_ms', ctx), 'fromUnixTimestamp64Milli(1700000000123)');
    assert.equal(expandMacros('$__dateFilter(d)', ctx), "d >= toDate('2023-11-14') AND d <= toDate('2023-11-14')");
  });

  it('bucket by the panel interval, at least one second', () => {
    assert.equal(expandMacros('$__timeInterval(window_start) AS time', ctx), 'toStartOfInterval(toDateTime(window_start), INTERVAL 300 second) AS time');
    assert.equal(expandMacros('x / $__interval_s', ctx), 'x / 300');
    assert.equal(expandMacros('$__interval_s', { ...ctx, intervalMs: 250 }), '1');
    assert.equal(expandMacros('$__timeInterval_ms(ts)', { ...ctx, intervalMs: 250 }), 'toStartOfInterval(toDateTime64(ts, 3), INTERVAL 250 millisecond)');
  });

  it('take arguments that call functions themselves', () => {
    assert.equal(expandMacros('$__timeFilter(toDateTime(a, 3))', ctx), 'toDateTime(a, 3) >= toDateTime(1700000000) AND toDateTime(a, 3) <= toDateTime(1700003600)');
  });

  it('refuse unknown macros and wrong argument counts with an error naming them', () => {
    assert.throws(() => expandMacros('$__timeFiltr(ts)', ctx), (e) => hasCode(e, 'INPUT_INVALID') && /\$__timeFiltr/.test(e.message));
    assert.throws(() => expandMacros('$__timeFilter(a, b)', ctx), (e) => hasCode(e, 'INPUT_INVALID') && /takes 1 argument/.test(e.message));
    assert.throws(() => expandMacros('$__timeFilter', ctx), /got 0/);
    assert.throws(() => expandMacros('$__timeFilter(ts', ctx), /unbalanced/);
  });
});

describe('template variables', () => {
  it('format multi-value lists the way Grafana does', () => {
    assert.equal(interpolateVariables('IN (${model:singlequote})', ctx), "IN ('credit','o\\'brien')");
    assert.equal(interpolateVariables('IN (${model:sqlstring})', ctx), "IN ('credit','o''brien')");
    assert.equal(interpolateVariables('${model:csv}', ctx), "credit,o'brien");
    assert.equal(interpolateVariables('$model', ctx), "{credit,o'brien}", 'no format: a glob, not SQL');
  });

  it('replace single values in every syntax', () => {
    assert.equal(interpolateVariables("v = '$version' OR v = '${version}' OR v IN (${version:singlequote})", ctx), "v = 'v2' OR v = 'v2' OR v IN ('v2')");
  });

  it('leave plugin macros to the second step and replace Grafana globals', () => {
    assert.equal(interpolateVariables('$__timeFilter(ts) AND x > $__from AND $__interval', ctx), '$__timeFilter(ts) AND x > 1700000000123 AND 5m');
  });

  it('refuse an undefined variable or an unknown format', () => {
    assert.throws(() => interpolateVariables('$feature', ctx), (e) => hasCode(e, 'INPUT_INVALID') && /'feature'/.test(e.message));
    assert.throws(() => interpolateVariables('${model:percentencode}', ctx), /percentencode/);
  });

  it('run before the macros, as in Grafana', () => {
    assert.equal(expandQuery('WHERE $__timeFilter(ts) AND model IN (${model:singlequote})', ctx), "WHERE ts >= toDateTime(1700000000) AND ts <= toDateTime(1700003600) AND model IN ('credit','o\\'brien')");
  });
});
