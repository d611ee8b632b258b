import type { Logger } from '../../../libs/logging/logger.ts';
import { finalizeViolations, type ViolationReport } from '../../../libs/validation/violation-state.ts';
import type { AlertSignal, ClosedWindow, WindowFinalizer } from '../window-finalizer.ts';
import type { SchemaProvider } from './schema-provider.ts';
import { mergeValidationParts } from './validation-aggregator.ts';

/** Default share of a window's events breaking one rule on one feature that fires an alert. */
export const DEFAULT_VALIDATION_ALERT_RATE = 0.01;

export interface ValidationPolicy {
  /** An alert fires when a (rule, feature)'s violation rate in a window is above this (default 0.01). */
  alertThreshold?: number;
  /** Schemas are reloaded from reference profiles this often (default 30 s). */
  schemaRefreshMs?: number;
}

/** The alert signals of one window's report (pure; exported for tests). */
export function validationSignals(model: string, modelVersion: string, windowStartMs: number, report: ViolationReport, threshold: number): AlertSignal[] {
  return report.rows.map((r) => ({
    kind: 'validation',
    model,
    condition: `validation/${model}/${r.rule}/${r.feature}`,
    severity: 'ticket',
    firing: r.rate > threshold,
    windowStartMs,
    summary: `${r.feature}: ${r.count} of ${report.checked} events broke '${r.rule}' (rate ${r.rate.toPrecision(3)}, alert above ${threshold})`,
    details: { rule: r.rule, feature: r.feature, violations: r.count, rate: r.rate, threshold, events_checked: report.checked, samples: r.samples, window_start: windowStartMs, model_version: modelVersion },
  }));
}

/**
 * Validation of a closed window: the merged ViolationState through
 * finalizeViolations against the schema in force (schema-provider.ts), one
 * validation_metrics row per (rule, feature) with violations, and an alert
 * signal per row (`validation/<model>/<rule>/<feature>`, firing above the
 * threshold). A condition that is open but has no row in this window (no
 * violations any more) gets a non-firing signal, so it resolves.
 */
export function createValidationFinalizer(deps: {
  logger: Logger;
  schemas: Pick<SchemaProvider, 'schemaFor'>;
  policy?: ValidationPolicy | undefined;
  /** The open alert conditions of a kind and model, sorted: the alert manager's (alert-manager.ts), which applies every signal. */
  openConditions: (kind: 'validation', model: string) => Promise<string[]>;
}): WindowFinalizer {
  const threshold = deps.policy?.alertThreshold ?? DEFAULT_VALIDATION_ALERT_RATE;
  return {
    name: 'validation',
    async finalize(window: ClosedWindow, nowMs: number): Promise<AlertSignal[]> {
      const parts = await window.readParts('validation');
      const merged = mergeValidationParts(parts.get('validation') ?? []);
      if (!merged) return [];
      const report = finalizeViolations(merged, deps.schemas.schemaFor(window.model, window.modelVersion));
      if (report.rows.length > 0) {
        window.write(
          'validation_metrics',
          report.rows.map((r) => ({
            model: window.model,
            model_version: window.modelVersion,
            window_start: window.windowStartMs,
            window_end: window.windowEndMs,
            rule: r.rule,
            feature: r.feature,
            violations: r.count,
            rate: r.rate,
            events_checked: report.checked,
            samples: JSON.stringify(r.samples),
            computed_at: nowMs,
          })),
        );
      }
      const signals = validationSignals(window.model, window.modelVersion, window.windowStartMs, report, threshold);
      const seen = new Set(signals.map((s) => s.condition));
      for (const condition of await deps.openConditions('validation', window.model)) {
        if (seen.has(condition)) continue;
        signals.push({ kind: 'validation', model: window.model, condition, severity: 'ticket', firing: false, windowStartMs: window.windowStartMs, summary: 'no violations in the window', details: { events_checked: report.checked, window_start: window.windowStartMs, model_version: window.modelVersion } });
      }
      return signals;
    },
  };
}
