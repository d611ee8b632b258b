/**
 * The static parts of the HTML report, read once per process: the uPlot
 * chart library (inlined, so the report opens without network) and the
 * report's own page script and styles (./assets).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { assertInlineable } from './html-escape.ts';

export interface ReportAssets {
  uplotScript: string;
  uplotCss: string;
  pageScript: string;
  pageCss: string;
}

let cached: ReportAssets | undefined;

/** The report's scripts and styles (read from node_modules/uplot and ./assets on first use). */
export function reportAssets(): ReportAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const read = (path: string | URL) => readFileSync(path, 'utf8');
  cached = {
    uplotScript: assertInlineable(read(require.resolve('uplot/dist/uPlot.iife.min.js')), 'uPlot.iife.min.js', 'script'),
    uplotCss: assertInlineable(read(require.resolve('uplot/dist/uPlot.min.css')), 'uPlot.min.css', 'style'),
    pageScript: assertInlineable(read(new URL('./assets/drift-report-page.js', import.meta.url)), 'drift-report-page.js', 'script'),
    pageCss: assertInlineable(read(new URL('./assets/drift-report.css', import.meta.url)), 'drift-report.css', 'style'),
  };
  return cached;
}
