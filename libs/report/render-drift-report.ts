/**
 * The HTML drift report: one self-contained file (inline styles, the uPlot
 * chart library and the page script inlined, the data as a JSON island),
 * so it opens from disk or an API response with no network at all.
 *
 * The summary and the feature table are plain HTML (readable without
 * scripts); the charts are drawn by ./assets/drift-report-page.js from the
 * embedded data. Every user-supplied string (model, version, feature,
 * category, file names, messages) is HTML-escaped or travels inside the
 * escaped JSON island.
 */
import type { DriftReportData, FeatureWindowStats, ReportFeature } from './drift-report-types.ts';
import { summarizeDriftReport, type DriftSummary } from './drift-summary.ts';
import { escapeHtml as esc, jsonForScript } from './html-escape.ts';
import { reportAssets } from './report-assets.ts';
import { formatNumber, formatPercent, formatTime, methodName } from './report-format.ts';

/** Id of the JSON data island the page script reads. */
export const REPORT_DATA_ELEMENT_ID = 'drift-report-data';

function verdictBadge(stats: Pick<FeatureWindowStats, 'drifted' | 'message'>): string {
  if (stats.drifted === null) return `<span class="badge na" title="${esc(stats.message ?? 'not evaluated')}">n/a</span>`;
  return stats.drifted ? '<span class="badge drift">DRIFT</span>' : '<span class="badge ok">ok</span>';
}

function sourceLine(data: DriftReportData): string {
  const s = data.source;
  if (s.kind === 'offline') {
    return `Offline comparison: reference <code>${esc(s.reference)}</code> (${s.referenceRows} rows) vs current <code>${esc(s.current)}</code> (${s.currentRows} rows)`;
  }
  return `Windows starting from ${esc(formatTime(s.fromMs))} to ${esc(formatTime(s.toMs))}`;
}

function notes(data: DriftReportData): string[] {
  const out: string[] = [];
  if (data.source.kind === 'stream') {
    if (data.source.otherVersions.length > 0) {
      out.push(`Other model versions with windows in this range: ${data.source.otherVersions.map((v) => `<code>${esc(v)}</code>`).join(', ')} (add <code>version=</code> to see one).`);
    }
    if (data.source.omittedWindows > 0) out.push(`${data.source.omittedWindows} older windows in the range are not shown (window limit); narrow the range to see them.`);
  }
  return out;
}

function summarySection(data: DriftReportData, summary: DriftSummary): string {
  const latest = summary.latest;
  const windowCard =
    data.windows.length > 1
      ? `<div class="card"><div class="label">Windows</div><div class="value">${summary.windows}</div><div class="sub">${summary.windowsWithDatasetDrift} with dataset drift; mean drifted share ${formatPercent(summary.meanDriftShare)}</div></div>`
      : '';
  const top =
    summary.topFeatures.length === 0
      ? '<p class="muted">No feature could be evaluated in the latest window.</p>'
      : `<ol class="top">${summary.topFeatures
          .map((t) => `<li><a href="#feature-${data.features.findIndex((f) => f.name === t.name)}">${esc(t.name)}</a> ${verdictBadge(t.stats)} <span class="muted">${esc(methodName(t.stats.method))} ${formatNumber(t.stats.score)} vs threshold ${formatNumber(t.stats.threshold)}</span></li>`)
          .join('')}</ol>`;
  const noteItems = notes(data);
  return `<section id="summary">
<h2>Summary</h2>
<div class="cards">
<div class="card ${latest.datasetDrift ? 'bad' : 'good'}"><div class="label">Dataset drift${data.windows.length > 1 ? ' (latest window)' : ''}</div><div class="value" id="dataset-drift">${latest.datasetDrift ? 'YES' : 'no'}</div><div class="sub">${data.windows.length > 1 ? esc(formatTime(latest.startMs)) : '&nbsp;'}</div></div>
<div class="card"><div class="label">Drifted share</div><div class="value" id="drift-share">${formatPercent(latest.driftShare)}</div><div class="sub">${latest.driftedFeatures} of ${latest.features} evaluated features</div></div>
${windowCard}
</div>
<h3>Top drifted features</h3>
${top}
${noteItems.length > 0 ? `<ul class="notes">${noteItems.map((n) => `<li>${n}</li>`).join('')}</ul>` : ''}
</section>`;
}

function featureRow(feature: ReportFeature, index: number, windows: number): string {
  const s = feature.latest;
  const evaluated = feature.history.filter((h) => h.drifted !== null);
  const driftedWindows = windows > 1 ? `<td class="num">${evaluated.filter((h) => h.drifted).length} / ${evaluated.length}</td>` : '';
  return `<tr class="${s.drifted ? 'drifted' : ''}"><td><a href="#feature-${index}">${esc(feature.name)}</a></td><td>${esc(feature.kind)}</td><td>${esc(methodName(s.method))}</td><td class="num">${formatNumber(s.score)}</td><td class="num">${formatNumber(s.threshold)}</td><td>${verdictBadge(s)}</td><td class="num">${formatNumber(s.psi)}</td><td class="num">${formatNumber(s.ksPValue)}</td><td class="num">${formatPercent(s.missingRate)}</td>${driftedWindows}</tr>`;
}

function featureTable(data: DriftReportData): string {
  const many = data.windows.length > 1;
  const head = ['feature', 'kind', 'method', 'score', 'threshold', 'verdict', 'PSI', 'KS p', 'missing rate', ...(many ? ['drifted windows'] : [])];
  return `<section id="features">
<h2>Features${many ? ' <span class="muted">(latest window)</span>' : ''}</h2>
<table class="features"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>${data.features.map((f, i) => featureRow(f, i, data.windows.length)).join('\n')}</tbody></table>
</section>`;
}

function featureCharts(feature: ReportFeature, index: number): string {
  const distribution = feature.distribution
    ? `<div class="chart" data-chart="distribution" data-feature-index="${index}"></div>`
    : '<div class="chart-empty">No distribution stored for this window (rows written before migration 0016, or an empty reference).</div>';
  const message = feature.latest.message ? `<p class="muted">${esc(feature.latest.message)}</p>` : '';
  return `<article class="feature" id="feature-${index}">
<h3>${esc(feature.name)} ${verdictBadge(feature.latest)} <span class="muted">${esc(feature.kind)}, ${esc(methodName(feature.latest.method))}</span></h3>
${message}<div class="charts">${distribution}<div class="chart" data-chart="score" data-feature-index="${index}"></div></div>
</article>`;
}

/**
 * Renders a drift report as one self-contained HTML document. Pure: the
 * same data gives the same page (the generation time is part of the data).
 */
export function renderDriftReport(data: DriftReportData): string {
  const summary = summarizeDriftReport(data);
  const assets = reportAssets();
  const version = data.modelVersion === null ? '' : ` <span class="version">version ${esc(data.modelVersion)}</span>`;
  const title = `Drift report: ${data.model}${data.modelVersion === null ? '' : ` ${data.modelVersion}`}`;
  const shareChart = data.windows.length > 1 ? '<section id="windows"><h2>Drifted share per window</h2><div class="chart wide" data-chart="drift-share"></div></section>' : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Driftline">
<title>${esc(title)}</title>
<style>${assets.uplotCss}</style>
<style>${assets.pageCss}</style>
</head>
<body>
<header>
<h1>Drift report: ${esc(data.model)}${version}</h1>
<p class="muted">${sourceLine(data)}. Generated ${esc(formatTime(data.generatedAtMs))}.</p>
</header>
<main>
${summarySection(data, summary)}
${shareChart}
${featureTable(data)}
<section id="charts">
<h2>Per-feature charts</h2>
<p class="muted">Left: share of the non-missing values per bin (numeric: the reference-decile bins PSI uses; categorical: categories), reference vs current${data.windows.length > 1 ? ' (latest window)' : ''}. Right: the drift score per window with its threshold; red points drifted.</p>
${data.features.map(featureCharts).join('\n')}
</section>
</main>
<script type="application/json" id="${REPORT_DATA_ELEMENT_ID}">${jsonForScript(data)}</script>
<script>${assets.uplotScript}</script>
<script>${assets.pageScript}</script>
</body>
</html>
`;
}
