import type { Dashboard, Panel, RowPanel } from '@grafana/grafana-foundation-sdk/dashboard';
import { dataQualityDashboard } from './data-quality.ts';
import { feedbackRetrainingDashboard } from './feedback-retraining.ts';
import { modelDriftDashboard } from './model-drift.ts';
import { sloLatencyDashboard } from './slo-latency.ts';

/** Where `npm run dashboards` writes, and where Grafana's file provider reads (through the compose mount). */
export const GENERATED_DIR = new URL('./generated/', import.meta.url);

/** Every Driftline dashboard, finalized (stable panel ids). */
export function allDashboards(): Dashboard[] {
  return [sloLatencyDashboard(), modelDriftDashboard(), dataQualityDashboard(), feedbackRetrainingDashboard()].map(finalize);
}

/**
 * Gives every panel (rows and panels nested in rows included) an id in
 * layout order, so links to a panel (`viewPanel=`) survive regeneration.
 * The SDK leaves ids unset; Grafana would otherwise number them on load.
 */
function finalize(dashboard: Dashboard): Dashboard {
  if (!dashboard.uid) throw new Error(`dashboard '${dashboard.title}' has no uid`);
  let id = 0;
  for (const panel of dashboard.panels ?? []) {
    panel.id = ++id;
    for (const nested of (panel as RowPanel).panels ?? []) (nested as Panel).id = ++id;
  }
  return dashboard;
}

/**
 * The files `npm run dashboards` writes: `<uid>.json` → pretty JSON. Pure,
 * so the staleness test compares it with the committed files.
 */
export function renderDashboardFiles(dashboards: Dashboard[] = allDashboards()): Map<string, string> {
  const files = new Map<string, string>();
  for (const d of dashboards) {
    const name = `${d.uid}.json`;
    if (files.has(name)) throw new Error(`two dashboards share the uid '${d.uid}'`);
    files.set(name, `${JSON.stringify(d, null, 2)}\n`);
  }
  return files;
}
