/**
 * The HTML drift report in a real browser: headless Chromium (Debian
 * `chromium`, installed by scripts/ensure-chromium.sh) opens reports built
 * from real drift computations — the CLI on two generated CSV files, and
 * stream windows written by the drift finalizer and read back through
 * loadDriftReport — with every network request refused, and the test checks
 * the charts were drawn: each chart element carries the bars/points drawn
 * and the canvas pixels in each series' colour (set by the page script
 * after uPlot drew). Screenshots go to .driftline/reports/.
 *
 * Fails (does not skip) when Chromium is missing: CI installs it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { repoRoot } from '../../libs/local/local-services.ts';
import { saveProfile } from '../../libs/profiles/profile-store.ts';
import { buildReferenceProfile } from '../../libs/profiles/reference-profile.ts';
import { loadDriftReport } from '../../libs/report/drift-report-data.ts';
import { renderDriftReport } from '../../libs/report/render-drift-report.ts';
import { run as runDriftCommand } from '../../services/cli/drift-command.ts';
import { finalizeDriftWindows } from '../support/drift-windows.ts';
import { testClickHouse, testLogger, uniqueName } from '../support/harness.ts';

const run = promisify(execFile);
const SCREENSHOTS = join(repoRoot, '.driftline', 'reports');
const work = mkdtempSync(join(tmpdir(), 'driftline-report-browser-'));

/** $CHROMIUM_PATH, or chromium / chromium-browser on PATH. */
function findChromium(): string {
  const candidates = [process.env.CHROMIUM_PATH, ...(process.env.PATH ?? '').split(delimiter).flatMap((d) => ['chromium', 'chromium-browser'].map((n) => join(d, n)))];
  for (const path of candidates) {
    if (!path) continue;
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // next candidate
    }
  }
  throw new Error('Chromium not found (looked at $CHROMIUM_PATH and chromium/chromium-browser on PATH): run scripts/ensure-chromium.sh');
}

let chromium: string;
let clickhouse: ClickHouseClient;
before(async () => {
  chromium = findChromium();
  clickhouse = await testClickHouse();
  mkdirSync(SCREENSHOTS, { recursive: true });
});
after(async () => {
  await clickhouse.close();
  rmSync(work, { recursive: true, force: true });
});

/** Headless Chromium on a file with the network refused (no proxy answers, no name resolves). */
async function chromiumRun(htmlPath: string, mode: string[]): Promise<string> {
  const profile = mkdtempSync(join(work, 'profile-'));
  const { stdout } = await run(
    chromium,
    [
      '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--hide-scrollbars', `--user-data-dir=${profile}`,
      '--proxy-server=127.0.0.1:9', '--host-resolver-rules=MAP * ~NOTFOUND',
      '--virtual-time-budget=10000', ...mode, pathToFileURL(htmlPath).href,
    ],
    { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

interface ChartElement { kind: string; attrs: Record<string, string> }

/** The chart elements of a DOM dump, with their attributes. */
function chartElements(dom: string): ChartElement[] {
  return [...dom.matchAll(/<div\b([^>]*\bdata-chart="[^"]*"[^>]*)>/g)].map((m) => {
    const attrs = Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!]));
    return { kind: attrs['data-chart']!, attrs };
  });
}

function bodyAttribute(dom: string, name: string): string | undefined {
  return new RegExp(`<body[^>]*\\b${name}="([^"]*)"`).exec(dom)?.[1];
}

/** Asserts every chart drew its data: bars/points counted and each series' colour on the canvas. */
function assertChartsRendered(dom: string, expected: Record<string, number>): void {
  const charts = chartElements(dom);
  assert.equal(bodyAttribute(dom, 'data-charts-failed'), '0', `no chart failed: ${charts.filter((c) => c.attrs['data-chart-error']).map((c) => c.attrs['data-chart-error']).join('; ')}`);
  assert.equal(bodyAttribute(dom, 'data-charts-drawn'), String(charts.length), 'every chart drawn');
  const counts: Record<string, number> = {};
  for (const chart of charts) counts[chart.kind] = (counts[chart.kind] ?? 0) + 1;
  assert.deepEqual(counts, expected);
  for (const { kind, attrs } of charts) {
    const label = `${kind} chart of feature ${attrs['data-feature-index'] ?? '-'}`;
    assert.ok(Number(attrs['data-rendered']) > 0, `${label}: data-rendered ${attrs['data-rendered']}`);
    const pixels = (attrs['data-series-pixels'] ?? '').split(' ').map(Number);
    if (kind === 'distribution') {
      assert.ok(pixels[0]! > 200 && pixels[1]! > 200, `${label}: reference and current bars on the canvas (${pixels})`);
    } else if (kind === 'score') {
      // Drifted points are drawn over the score's own points.
      assert.ok(pixels[0]! + pixels[2]! > 20, `${label}: score points on the canvas (${pixels})`);
      assert.ok(pixels[1]! > 20, `${label}: threshold on the canvas (${pixels})`);
    } else {
      assert.ok(pixels[0]! > 50, `${label}: drifted-share line on the canvas (${pixels})`);
    }
  }
}

/** Screenshot at 1280×2000; checks it is a PNG of that size with real content. */
async function screenshot(htmlPath: string, name: string): Promise<string> {
  const path = join(SCREENSHOTS, name);
  rmSync(path, { force: true });
  await chromiumRun(htmlPath, [`--screenshot=${path}`, '--window-size=1280,2000']);
  const png = readFileSync(path);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(png.readUInt32BE(16), 1280, 'width');
  assert.equal(png.readUInt32BE(20), 2000, 'height');
  // A blank or text-only page compresses to a few KB; bars and lines do not.
  assert.ok(statSync(path).size > 40_000, `screenshot of ${statSync(path).size} bytes looks empty`);
  return path;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Rows with a normal `age`, log-normal `income`, categorical `city`; `shift` moves income and city. */
function rows(random: () => number, n: number, shift: boolean): Array<Record<string, number | string>> {
  const normal = () => random() + random() + random() + random() - 2;
  const cities = shift ? ['Berlin', 'Lyon', 'Osaka', 'Osaka', 'Paris'] : ['Berlin', 'Lyon', 'Osaka'];
  return Array.from({ length: n }, () => ({
    age: Number((40 + 12 * normal()).toFixed(2)),
    income: Number(Math.exp(10 + normal() + (shift ? 0.6 : 0)).toFixed(1)),
    city: cities[Math.floor(random() * cities.length)]!,
  }));
}

describe('HTML drift report in headless Chromium', () => {
  it('CLI report of two CSV files: every chart drawn, screenshot saved', async () => {
    const random = lcg(5);
    const toCsv = (data: Array<Record<string, number | string>>) => `age,income,city\n${data.map((r) => `${r.age},${r.income},${r.city}`).join('\n')}\n`;
    const reference = join(work, 'reference.csv');
    const current = join(work, 'current.csv');
    writeFileSync(reference, toCsv(rows(random, 600, false)));
    writeFileSync(current, toCsv(rows(random, 500, true)));
    const html = join(work, 'cli-report.html');
    let stderr = '';
    const code = await runDriftCommand([reference, current, '--html', html], { stdout: () => {}, stderr: (t) => (stderr += t) });
    assert.equal(code, 0, stderr);

    const dom = await chromiumRun(html, ['--dump-dom']);
    assertChartsRendered(dom, { distribution: 3, score: 3 });
    // The summary the browser shows: income and city drifted (KS / chi-square on 600 vs 500 rows), age did not.
    assert.match(dom, /id="drift-share">67%</);
    const top = /<ol class="top">([\s\S]*?)<\/ol>/.exec(dom)![1]!;
    assert.deepEqual([...top.matchAll(/>([a-z]+)<\/a> <span class="badge (\w+)"/g)].map((m) => `${m[1]}:${m[2]}`).sort(), ['age:ok', 'city:drift', 'income:drift']);
    await screenshot(html, 'drift-report-cli.png');
  });

  it('stream report from finalized windows: history and drifted-share charts drawn, screenshot saved', async () => {
    const random = lcg(9);
    const model = uniqueName('report');
    await saveProfile(clickhouse, buildReferenceProfile(rows(random, 3000, false), { model, modelVersion: '1', source: 'test' }));
    const t0 = Date.UTC(2024, 5, 1);
    const hour = 3_600_000;
    const windows = Array.from({ length: 6 }, (_, i) => ({ startMs: t0 + i * hour, endMs: t0 + (i + 1) * hour, rows: rows(random, 800, i >= 4) }));
    await finalizeDriftWindows({ clickhouse, logger: testLogger() }, model, '1', windows, t0 + 7 * hour);

    const data = await loadDriftReport(clickhouse, { model, fromMs: t0, toMs: t0 + 6 * hour, nowMs: t0 + 7 * hour });
    assert.deepEqual(data.windows.map((w) => w.datasetDrift), [false, false, false, false, true, true]);
    const html = join(work, 'stream-report.html');
    writeFileSync(html, renderDriftReport(data));

    const dom = await chromiumRun(html, ['--dump-dom']);
    assertChartsRendered(dom, { 'drift-share': 1, distribution: 3, score: 3 });
    // One point per window on every score chart.
    for (const chart of chartElements(dom).filter((c) => c.kind === 'score')) assert.equal(chart.attrs['data-rendered'], '6');
    assert.match(dom, /2 with dataset drift/);
    await screenshot(html, 'drift-report-stream.png');
  });
});
