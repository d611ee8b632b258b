import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import type { DriftReportData, FeatureWindowStats, ReportFeature } from './drift-report-types.ts';
import { driftSeverity, summarizeDriftReport } from './drift-summary.ts';
import { jsonForScript } from './html-escape.ts';
import { REPORT_DATA_ELEMENT_ID, renderDriftReport } from './render-drift-report.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 5, 1);
const EVIL = '</script><script>alert("x")</script><!--';

function stats(windowStartMs: number, over: Partial<FeatureWindowStats>): FeatureWindowStats {
  return { windowStartMs, method: 'ks', score: 0.5, threshold: 0.05, drifted: false, psi: 0.01, ksPValue: 0.5, missingRate: 0, referenceCount: 500, currentCount: 500, message: null, ...over };
}

function feature(name: string, kind: ReportFeature['kind'], perWindow: Array<Partial<FeatureWindowStats>>): ReportFeature {
  const history = perWindow.map((over, i) => stats(T0 + i * HOUR, over));
  return { name, kind, latest: history[history.length - 1]!, history, distribution: { windowStartMs: history[history.length - 1]!.windowStartMs, labels: ['≤ 1', '1 – 2', '> 2'], reference: [0.3, 0.4, 0.3], current: [0.1, 0.4, 0.5] } };
}

function streamReport(): DriftReportData {
  return {
    model: `credit ${EVIL}`,
    modelVersion: '3 & <b>',
    source: { kind: 'stream', fromMs: T0, toMs: T0 + 3 * HOUR, otherVersions: ['2'], omittedWindows: 0 },
    generatedAtMs: T0 + 4 * HOUR,
    windows: [0, 1, 2].map((i) => ({ startMs: T0 + i * HOUR, endMs: T0 + (i + 1) * HOUR, events: 1000, features: 3, driftedFeatures: i === 2 ? 2 : 0, driftShare: i === 2 ? 2 / 3 : 0, datasetDrift: i === 2 })),
    features: [
      feature('age', 'numerical', [{}, {}, { score: 0.01, drifted: true, ksPValue: 0.01 }]),
      feature(`<img src=x onerror=alert(1)>`, 'categorical', [{}, {}, { method: 'chi_square', score: 1e-12, drifted: true, ksPValue: null, psi: 0.9 }]),
      { ...feature('income', 'numerical', [{}, {}, { method: 'wasserstein_normed', score: 0.05, threshold: 0.1, ksPValue: 0.2, missingRate: 0.125 }]), distribution: null },
    ],
  };
}

/** The JSON data island of a page, parsed back. */
function dataIsland(html: string): unknown {
  const match = new RegExp(`<script type="application/json" id="${REPORT_DATA_ELEMENT_ID}">([\\s\\S]*?)</script>`).exec(html);
  assert.ok(match, 'data island present');
  return JSON.parse(match[1]!);
}

test('user strings are escaped: no markup from model, version, feature or category names reaches the page', () => {
  const data = streamReport();
  data.features[0]!.distribution!.labels[0] = EVIL;
  const html = renderDriftReport(data);
  assert.doesNotMatch(html, /<script>alert/);
  assert.doesNotMatch(html, /<img src=x/);
  assert.doesNotMatch(html, /<b>/);
  assert.match(html, /credit &lt;\/script&gt;&lt;script&gt;alert\(&quot;x&quot;\)/);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  // Exactly the three script elements the renderer writes: the data island, uPlot, the page script.
  assert.equal(html.match(/<script\b/g)?.length, 3);
  assert.equal(html.match(/<\/script>/g)?.length, 3);
  assert.equal((html.match(/<!--/g) ?? []).length, 0);
  // The data island gives the data back unchanged.
  assert.deepEqual(dataIsland(html), JSON.parse(JSON.stringify(data)));
});

test('jsonForScript escapes <, >, & and line separators and round-trips', () => {
  const value = { a: '</script><!-- & \u2028\u2029', b: [1, null] };
  const text = jsonForScript(value);
  assert.doesNotMatch(text, /[<>&\u2028\u2029]/);
  assert.deepEqual(JSON.parse(text), value);
});

test('the page is self-contained: uPlot and styles inline, no external URL', () => {
  const html = renderDriftReport(streamReport());
  const require = createRequire(import.meta.url);
  const uplot = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  assert.ok(html.includes(uplot), 'uPlot inlined');
  assert.doesNotMatch(html, /<script[^>]+src=|<link\b|@import|url\(\s*['"]?https?:/i);
  assert.doesNotMatch(html, /(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
});

test('summary: latest window verdict and drifted share, windows with dataset drift, top features by severity', () => {
  const html = renderDriftReport(streamReport());
  assert.match(html, /id="dataset-drift">YES</);
  assert.match(html, /id="drift-share">67%</);
  assert.match(html, /2 of 3 evaluated features/);
  assert.match(html, /1 with dataset drift; mean drifted share 22%/);
  const top = /<ol class="top">([\s\S]*?)<\/ol>/.exec(html)![1]!;
  const order = [...top.matchAll(/href="#feature-(\d)"/g)].map((m) => Number(m[1]));
  // chi-square p 1e-12 (severity 9.2) before KS p 0.01 (1.5), then the undrifted income (0.5).
  assert.deepEqual(order, [1, 0, 2]);
  assert.match(html, /Other model versions with windows in this range: <code>2<\/code>/);
});

test('feature table: one row per feature with method, score, threshold, verdict, PSI, KS p, missing rate, drifted windows', () => {
  const html = renderDriftReport(streamReport());
  const rows = [...html.matchAll(/<tr class="[^"]*"><td>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '|').replace(/\|+/g, '|'));
  assert.equal(rows.length, 3);
  assert.equal(rows[0], '|age|numerical|KS p-value|0.01|0.05|DRIFT|0.01|0.01|0%|1 / 3|');
  assert.equal(rows[2], '|income|numerical|normed Wasserstein|0.05|0.1|ok|0.01|0.2|13%|0 / 3|');
  // Two charts per feature with a distribution, one (score) for income, plus the drifted-share chart.
  assert.equal(html.match(/data-chart="distribution"/g)?.length, 2);
  assert.equal(html.match(/data-chart="score"/g)?.length, 3);
  assert.equal(html.match(/data-chart="drift-share"/g)?.length, 1);
  assert.match(html, /No distribution stored for this window/);
});

test('one window (offline): no windows card, no drifted-windows column, no drifted-share chart', () => {
  const data = streamReport();
  data.source = { kind: 'offline', reference: 'ref <1>.csv', current: 'cur.csv', referenceRows: 10, currentRows: 12 };
  data.windows = data.windows.slice(2);
  data.features = data.features.map((f) => ({ ...f, history: [f.latest] }));
  const html = renderDriftReport(data);
  assert.match(html, /Offline comparison: reference <code>ref &lt;1&gt;\.csv<\/code> \(10 rows\) vs current <code>cur\.csv<\/code> \(12 rows\)/);
  assert.doesNotMatch(html, /drifted windows|with dataset drift|data-chart="drift-share"/);
});

test('severity puts p-values and distances on one scale: 1 at the threshold', () => {
  assert.equal(driftSeverity({ method: 'ks', score: 0.05, threshold: 0.05 }), 1);
  assert.ok(Math.abs(driftSeverity({ method: 'chi_square', score: 1e-10, threshold: 0.05 }) - Math.log(1e-10) / Math.log(0.05)) < 1e-12);
  assert.equal(driftSeverity({ method: 'ks', score: 1, threshold: 0.05 }), -0);
  assert.equal(driftSeverity({ method: 'wasserstein_normed', score: 0.3, threshold: 0.1 }), 2.9999999999999996);
  assert.equal(driftSeverity({ method: 'jensen_shannon', score: 0.05, threshold: 0.1 }), 0.5);
  assert.equal(driftSeverity({ method: null, score: null, threshold: null }), -1);
  assert.ok(Number.isFinite(driftSeverity({ method: 'ks', score: 0, threshold: 0.05 })));
});

test('a report without windows is refused with a clear error', () => {
  assert.throws(() => summarizeDriftReport({ ...streamReport(), windows: [] }), /at least one window/);
});
