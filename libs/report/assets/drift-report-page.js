/*
 * The HTML drift report's charts, drawn with uPlot (inlined before this
 * script) from the JSON data island. Plain ES2017, no modules: the page
 * must open from a file with no network.
 *
 * Every chart element gets, once drawn:
 *   data-rendered       bars or points drawn (data values, not axes)
 *   data-series-pixels  per series, canvas pixels in that series' colour
 *                       (space-separated, in series order) — proof that
 *                       the data reached the canvas, not just the axes
 * and data-chart-error when drawing failed. <body> counts them in
 * data-charts-drawn / data-charts-failed, for browser tests.
 */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('drift-report-data').textContent);
  var COLORS = { reference: [9, 105, 218], current: [191, 135, 0], score: [130, 80, 223], threshold: [251, 143, 68], drifted: [207, 34, 46], share: [130, 80, 223] };
  var P_VALUE_METHODS = { ks: true, chi_square: true };
  var drawnCharts = 0;
  var failedCharts = 0;

  function css(rgb) { return 'rgb(' + rgb.join(',') + ')'; }

  function countSeriesPixels(u, palette) {
    var canvas = u.ctx.canvas;
    var pixels = u.ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    var counts = palette.map(function () { return 0; });
    for (var i = 0; i < pixels.length; i += 4) {
      if (pixels[i + 3] < 200) continue;
      for (var k = 0; k < palette.length; k++) {
        var c = palette[k];
        if (Math.abs(pixels[i] - c[0]) <= 6 && Math.abs(pixels[i + 1] - c[1]) <= 6 && Math.abs(pixels[i + 2] - c[2]) <= 6) { counts[k]++; break; }
      }
    }
    return counts;
  }

  /** Marks the element after each draw; the first draw counts the chart as drawn. */
  function onDraw(el, palette, drawnCount) {
    return function (u) {
      el.setAttribute('data-rendered', String(drawnCount(u)));
      el.setAttribute('data-series-pixels', countSeriesPixels(u, palette).join(' '));
      if (!el.hasAttribute('data-drawn')) {
        el.setAttribute('data-drawn', '1');
        drawnCharts++;
        document.body.setAttribute('data-charts-drawn', String(drawnCharts));
      }
    };
  }

  function width(el) { return Math.max(320, Math.floor(el.getBoundingClientRect().width || el.clientWidth || 560)); }
  function utc(ts) { return uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'); }
  function percent(v) { return v == null ? '–' : (v * 100).toFixed(v > 0 && v < 0.01 ? 2 : 1) + '%'; }
  // Axis ticks: whole percentages when the tick is one (100%, not 100.0%, which would not fit).
  function percentTick(v) { var p = Math.round(v * 1e6) / 1e4; return (p % 1 === 0 ? p.toFixed(0) : String(p)) + '%'; }
  function number(v) { return v == null ? '–' : (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(4)))); }
  function finiteOrNull(v) { return typeof v === 'number' && isFinite(v) ? v : null; }

  /** Reference vs current shares per bin: grouped bars around each bin's index. */
  function distributionChart(el, feature) {
    var dist = feature.distribution;
    var n = dist.labels.length;
    var bars = 0;
    var each = function () { bars++; };
    var rotate = n > 6 || dist.labels.some(function (l) { return l.length > 10; });
    return new uPlot({
      title: 'Distribution: reference vs current',
      width: width(el),
      height: 260 + (rotate ? 40 : 0),
      legend: { show: true },
      cursor: { points: { show: false } },
      scales: {
        x: { time: false, range: function () { return [-0.5, n - 0.5]; } },
        y: { range: function (u, min, max) { return [0, Math.max(max || 0, 0.01) * 1.1]; } },
      },
      axes: [
        {
          splits: function () { return dist.labels.map(function (_, i) { return i; }); },
          values: function (u, splits) { return splits.map(function (i) { var l = dist.labels[i]; return l == null ? '' : l.length > 18 ? l.slice(0, 17) + '…' : l; }); },
          rotate: rotate ? -40 : 0,
          size: rotate ? 90 : 40,
          grid: { show: false },
        },
        { values: function (u, splits) { return splits.map(percentTick); }, size: 56 },
      ],
      series: [
        { label: 'bin', value: function (u, i) { return i == null ? '–' : dist.labels[i]; } },
        { label: 'reference', fill: css(COLORS.reference), stroke: css(COLORS.reference), width: 0, paths: uPlot.paths.bars({ align: -1, size: [0.4, 60], each: each }), points: { show: false }, value: function (u, v) { return percent(v); } },
        { label: 'current', fill: css(COLORS.current), stroke: css(COLORS.current), width: 0, paths: uPlot.paths.bars({ align: 1, size: [0.4, 60], each: each }), points: { show: false }, value: function (u, v) { return percent(v); } },
      ],
      hooks: {
        drawClear: [function () { bars = 0; }],
        draw: [onDraw(el, [COLORS.reference, COLORS.current], function () { return bars; })],
      },
    }, [dist.labels.map(function (_, i) { return i; }), dist.reference, dist.current], el);
  }

  // p-value axes: whole decades, at most ~6 labelled ones however small the p-values get.
  function decadeRange(u, min, max) {
    var lo = Math.floor(Math.log10(min || 1e-3));
    var hi = Math.ceil(Math.log10(max || 1));
    return [Math.pow(10, lo), Math.pow(10, hi > lo ? hi : lo + 1)];
  }
  function decadeSplits(u, axisIdx, min, max) {
    var lo = Math.round(Math.log10(min));
    var hi = Math.round(Math.log10(max));
    var step = Math.max(1, Math.ceil((hi - lo) / 6));
    var out = [];
    for (var k = hi; k >= lo; k -= step) out.unshift(Math.pow(10, k));
    return out;
  }
  // uPlot's log-axis filter hands over null for splits it leaves unlabelled.
  function decadeLabel(v) { return v == null || !(v > 0) ? '' : v >= 0.001 ? String(Number(v.toPrecision(1))) : '1e' + Math.round(Math.log10(v)); }

  /** Drift score per window with the threshold; p-value methods on a log scale. */
  function scoreChart(el, feature) {
    var history = feature.history;
    var method = feature.latest.method || (history.length ? history[history.length - 1].method : null);
    var pValue = !!P_VALUE_METHODS[method];
    var floor = 1e-300;
    var clamp = function (v) { v = finiteOrNull(v); return v == null ? null : pValue ? Math.max(v, floor) : v; };
    // One window (an offline comparison) has no time axis: one slot at x = 0.
    var single = history.length === 1;
    var xs = single ? [0] : history.map(function (h) { return h.windowStartMs / 1e3; });
    var scores = history.map(function (h) { return clamp(h.score); });
    var thresholds = history.map(function (h) { return clamp(h.threshold); });
    var drifted = history.map(function (h, i) { return h.drifted ? scores[i] : null; });
    var windowSeconds = data.windows.length ? Math.max(1, (data.windows[0].endMs - data.windows[0].startMs) / 1e3) : 60;
    var points = scores.filter(function (v) { return v != null; }).length;
    return new uPlot({
      title: 'Drift score per window' + (method ? ' (' + method + (pValue ? ', log scale' : '') + ')' : ''),
      width: width(el),
      height: 260,
      tzDate: utc,
      scales: {
        x: single ? { time: false, range: [-1, 1] } : { time: true, range: function (u, min, max) { return min === max ? [min - windowSeconds, max + windowSeconds] : [min, max]; } },
        y: pValue ? { distr: 3, log: 10, range: decadeRange } : { range: function (u, min, max) { return [0, Math.max(max || 0, 0.01) * 1.15]; } },
      },
      axes: [
        single ? { splits: function () { return [0]; }, values: function () { return [data.source.kind === 'offline' ? 'current vs reference' : new Date(history[0].windowStartMs).toISOString().slice(0, 16).replace('T', ' ') + ' UTC']; }, grid: { show: false } } : {},
        pValue ? { splits: decadeSplits, filter: function (u, splits) { return splits; }, values: function (u, splits) { return splits.map(decadeLabel); }, size: 64 } : { values: function (u, splits) { return splits.map(number); }, size: 64 },
      ],
      series: [
        single ? { label: 'window', value: function () { return 'current'; } } : {},
        { label: 'score', stroke: css(COLORS.score), width: 2, points: { show: true, size: 8, fill: css(COLORS.score), stroke: css(COLORS.score) }, value: function (u, v) { return number(v); } },
        // One window has no line to draw: show the threshold as a point then.
        { label: 'threshold', stroke: css(COLORS.threshold), width: 2, dash: [6, 4], points: { show: xs.length === 1, size: 8, fill: css(COLORS.threshold), stroke: css(COLORS.threshold) }, value: function (u, v) { return number(v); } },
        { label: 'drifted', stroke: css(COLORS.drifted), width: 0, paths: function () { return null; }, points: { show: true, size: 10, fill: css(COLORS.drifted), stroke: css(COLORS.drifted) }, value: function (u, v) { return v == null ? '' : 'yes'; } },
      ],
      hooks: { draw: [onDraw(el, [COLORS.score, COLORS.threshold, COLORS.drifted], function () { return points; })] },
    }, [xs, scores, thresholds, drifted], el);
  }

  /** Drifted share of the features per window (stream reports). */
  function shareChart(el) {
    var xs = data.windows.map(function (w) { return w.startMs / 1e3; });
    var shares = data.windows.map(function (w) { return w.driftShare; });
    var windowSeconds = data.windows.length ? Math.max(1, (data.windows[0].endMs - data.windows[0].startMs) / 1e3) : 60;
    return new uPlot({
      width: width(el),
      height: 220,
      tzDate: utc,
      scales: { x: { time: true, range: function (u, min, max) { return min === max ? [min - windowSeconds, max + windowSeconds] : [min, max]; } }, y: { range: [0, 1] } },
      axes: [{}, { values: function (u, splits) { return splits.map(percentTick); }, size: 56 }],
      series: [{}, { label: 'drifted share', stroke: css(COLORS.share), width: 2, points: { show: true, size: 6, fill: css(COLORS.share) }, value: function (u, v) { return percent(v); } }],
      hooks: { draw: [onDraw(el, [COLORS.share], function () { return shares.length; })] },
    }, [xs, shares], el);
  }

  var elements = document.querySelectorAll('[data-chart]');
  document.body.setAttribute('data-charts', String(elements.length));
  Array.prototype.forEach.call(elements, function (el) {
    try {
      var kind = el.getAttribute('data-chart');
      var feature = data.features[Number(el.getAttribute('data-feature-index'))];
      if (kind === 'distribution') distributionChart(el, feature);
      else if (kind === 'score') scoreChart(el, feature);
      else if (kind === 'drift-share') shareChart(el);
      else throw new Error('unknown chart kind ' + kind);
    } catch (err) {
      failedCharts++;
      el.setAttribute('data-chart-error', String(err && err.message || err));
      el.classList.add('chart-error');
      el.textContent = 'Chart could not be drawn: ' + (err && err.message || err);
      document.body.setAttribute('data-charts-failed', String(failedCharts));
    }
  });
  document.body.setAttribute('data-charts-failed', String(failedCharts));
})();
