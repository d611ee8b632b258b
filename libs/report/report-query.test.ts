import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DriftlineError } from '../errors/errors.ts';
import { DEFAULT_REPORT_RANGE_MS, parseInstant, parseReportQuery } from './report-query.ts';

const NOW = Date.UTC(2024, 5, 2, 12);

function invalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof DriftlineError && err.code === 'INPUT_INVALID' && pattern.test(err.message));
}

test('from/to accept ISO-8601 with a zone, dates, and epoch ms', () => {
  assert.equal(parseInstant('from', '2024-06-01T12:00:00Z'), Date.UTC(2024, 5, 1, 12));
  assert.equal(parseInstant('from', '2024-06-01T14:00:00+02:00'), Date.UTC(2024, 5, 1, 12));
  assert.equal(parseInstant('from', '2024-06-01T12:00:00.250Z'), Date.UTC(2024, 5, 1, 12) + 250);
  assert.equal(parseInstant('from', '2024-06-01'), Date.UTC(2024, 5, 1));
  assert.equal(parseInstant('to', String(Date.UTC(2024, 5, 1))), Date.UTC(2024, 5, 1));
});

test('bad instants name the parameter and say what is accepted', () => {
  invalid(() => parseInstant('from', 'yesterday'), /^query parameter 'from': 'yesterday' is not an ISO-8601 date-time/);
  invalid(() => parseInstant('to', '2024-06-01T12:00:00'), /^query parameter 'to': .* has no time zone/);
  invalid(() => parseInstant('from', '1717243200'), /^query parameter 'from': 1717243200 is not epoch milliseconds .*seconds\? multiply by 1000/);
  invalid(() => parseInstant('from', '2024-13-45T00:00:00Z'), /'from'/);
});

test('defaults: to = now, from = to − 24 h; model required, version optional', () => {
  assert.deepEqual(parseReportQuery({ model: 'credit' }, NOW), { model: 'credit', version: undefined, fromMs: NOW - DEFAULT_REPORT_RANGE_MS, toMs: NOW });
  assert.deepEqual(parseReportQuery({ model: 'credit', version: '2', from: '2024-06-01T00:00:00Z', to: '2024-06-01T06:00:00Z' }, NOW), {
    model: 'credit',
    version: '2',
    fromMs: Date.UTC(2024, 5, 1),
    toMs: Date.UTC(2024, 5, 1, 6),
  });
});

test('every bad query is INPUT_INVALID naming the parameter', () => {
  invalid(() => parseReportQuery({}, NOW), /^query parameter 'model' is required$/);
  invalid(() => parseReportQuery({ model: '  ' }, NOW), /^query parameter 'model' is empty$/);
  invalid(() => parseReportQuery({ model: ['a', 'b'] }, NOW), /^query parameter 'model' must be given once$/);
  invalid(() => parseReportQuery({ model: 'x'.repeat(300) }, NOW), /'model' is longer than 256/);
  invalid(() => parseReportQuery({ model: 'm', version: '' }, NOW), /^query parameter 'version' is empty$/);
  invalid(() => parseReportQuery({ model: 'm', modle: 'x' }, NOW), /^unknown query parameter 'modle' \(allowed: model, version, from, to\)$/);
  invalid(() => parseReportQuery({ model: 'm', from: '2024-06-02T00:00:00Z', to: '2024-06-01T00:00:00Z' }, NOW), /^query parameter 'from' \(2024-06-02 00:00:00 UTC\) must be before 'to'/);
  invalid(() => parseReportQuery({ model: 'm', from: '2024-01-01T00:00:00Z', to: '2024-06-01T00:00:00Z' }, NOW), /span 152 days, over the 31 days limit/);
  invalid(() => parseReportQuery({ model: 'm', from: '2024-05-31T00:00:00Z', to: '2024-06-01T00:00:00Z' }, NOW, 3_600_000), /over the 0\.04 days limit/);
});
