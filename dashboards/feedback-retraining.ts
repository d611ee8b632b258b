import * as common from '@grafana/grafana-foundation-sdk/common';
import { AnnotationQueryBuilder, DashboardBuilder, MappingType, RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { alertAnnotation } from './alert-annotations.ts';
import { tableQuery } from './clickhouse-query.ts';
import { CLICKHOUSE } from './datasources.ts';
import { barsPanel, tablePanel, timeSeriesPanel } from './panels.ts';
import { inVariable, sql } from './sql.ts';
import { clickhouseVariable } from './variables.ts';

const models = inVariable('model', 'model');
const versions = inVariable('model_version', 'version');
const qualityFilter = `$__timeFilter(window_start) AND ${models} AND ${versions}`;

/** Live quality metrics of a task, weighted by labelled rows across the windows of an interval. */
function weightedQualitySql(task: string, metrics: readonly string[]): string {
  const columns = metrics.map((m) => `sum(${m} * labelled) / nullIf(sumIf(labelled, ${m} IS NOT NULL), 0) AS ${m}`).join(', ');
  return sql`
    SELECT $__timeInterval(window_start) AS time, concat(model, ' ', model_version) AS series,
      ${columns}
    FROM quality_metrics FINAL
    WHERE ${qualityFilter} AND task = '${task}'
    GROUP BY time, series
    ORDER BY time, series`;
}

/** Rules of a JSON array of {rule, met, …} outcomes, "; "-joined, keeping those whose `met` is `met`. */
const rulesWhere = (column: string, met: boolean) =>
  `arrayStringConcat(arrayMap(r -> JSONExtractString(r, 'rule'), arrayFilter(r -> JSONExtractBool(r, 'met') = ${met ? 1 : 0}, JSONExtractArrayRaw(${column}))), '; ')`;

/** A version's registration as an annotation. */
function registryAnnotation() {
  return new AnnotationQueryBuilder()
    .name('Model versions registered')
    .datasource(CLICKHOUSE)
    .target(
      tableQuery(
        CLICKHOUSE,
        sql`
          SELECT created_at AS time, concat(model, ' ', version) AS title,
            concat(model, ' ', version, ' registered; now ', stage) AS text, concat('registry,', stage) AS tags
          FROM model_registry FINAL
          WHERE $__timeFilter(created_at) AND ${models}
          ORDER BY time`,
        'Registry',
      ),
    )
    .enable(true)
    .iconColor('blue');
}

/** Feedback & retraining: label coverage, live quality, trigger decisions, training runs and the registry. */
export function feedbackRetrainingDashboard(): Dashboard {
  return new DashboardBuilder('Driftline · Feedback & retraining')
    .uid('driftline-feedback')
    .description('The feedback loop: how much of the traffic has labels, live model quality from joined labels (quality_metrics), every trigger-policy evaluation (trigger_decisions), training runs (training_runs) and model versions (model_registry).')
    .tags(['driftline', 'feedback', 'retraining'])
    .time({ from: 'now-7d', to: 'now' })
    .refresh('5m')
    .timezone('utc')
    .withVariable(
      clickhouseVariable(
        'model',
        'Model',
        sql`
          SELECT DISTINCT model FROM (
            SELECT model FROM quality_metrics FINAL
            UNION ALL SELECT model FROM model_registry FINAL
            UNION ALL SELECT model FROM trigger_decisions
          )
          ORDER BY model`,
        { multi: true, includeAll: true },
      ),
    )
    .withVariable(
      clickhouseVariable('version', 'Version', sql`SELECT DISTINCT model_version FROM quality_metrics FINAL WHERE ${models} ORDER BY model_version`, { multi: true, includeAll: true }),
    )
    .annotation(alertAnnotation(['quality']))
    .annotation(registryAnnotation())

    .withRow(new RowBuilder('Labels and live quality'))
    .withPanel(
      timeSeriesPanel(
        'Label coverage',
        'Labelled predictions / predictions of the windows, by prediction time. Labels arrive late: recent windows fill in as labels are joined.',
        sql`
          SELECT $__timeInterval(window_start) AS time, concat(model, ' ', model_version) AS series,
            sum(labelled) / nullIf(sum(predictions), 0) AS label_coverage
          FROM quality_metrics FINAL
          WHERE ${qualityFilter}
          GROUP BY time, series
          ORDER BY time, series`,
      )
        .unit('percentunit')
        .min(0)
        .max(1)
        .span(12),
    )
    .withPanel(
      barsPanel(
        'Labelled predictions',
        'Predictions with a joined label, per interval of prediction time.',
        sql`
          SELECT $__timeInterval(window_start) AS time, concat(model, ' ', model_version) AS series, sum(labelled) AS labelled
          FROM quality_metrics FINAL
          WHERE ${qualityFilter}
          GROUP BY time, series
          ORDER BY time, series`,
      ).span(12),
    )
    .withPanel(
      timeSeriesPanel(
        'Classification quality',
        'Accuracy, F1 and ROC AUC of binary classifiers from joined labels. Windows of an interval are averaged weighted by labelled rows (exact for accuracy, an approximation for F1 and AUC).',
        weightedQualitySql('binary_classification', ['accuracy', 'f1', 'roc_auc']),
        'field+series',
      )
        .unit('percentunit')
        .span(8),
    )
    .withPanel(
      timeSeriesPanel('Log loss', 'Log loss of binary classifiers from joined labels, weighted by labelled rows across windows (lower is better).', weightedQualitySql('binary_classification', ['log_loss']))
        .min(0)
        .span(8),
    )
    .withPanel(
      timeSeriesPanel('Regression error', 'MAE and RMSE of regression models from joined labels, weighted by labelled rows across windows.', weightedQualitySql('regression', ['mae', 'rmse']), 'field+series')
        .min(0)
        .span(8),
    )

    .withRow(new RowBuilder('Retraining'))
    .withPanel(
      barsPanel(
        'Trigger evaluations',
        'Every evaluation of a model\'s trigger policy: fired (a retraining job was queued) or held (no condition met, or blocked by a gate).',
        sql`
          SELECT $__timeInterval(evaluated_at) AS time, toString(model) AS series, sum(fired) AS triggered, count() - sum(fired) AS held
          FROM trigger_decisions
          WHERE $__timeFilter(evaluated_at) AND ${models}
          GROUP BY time, series
          ORDER BY time, series`,
      )
        .displayName('${__field.name} ${__field.labels.series}')
        .span(8),
    )
    .withPanel(
      tablePanel(
        'Trigger decisions',
        'Newest first: the conditions met, the gates that blocked a firing (min_labelled_rows, cooldown, max_concurrent), and the candidate dataset and job created when it fired.',
        sql`
          SELECT evaluated_at, model, if(fired = 1, 'fired', 'held') AS decision,
            ${rulesWhere('reasons', true)} AS conditions_met,
            ${rulesWhere('blocked_by', false)} AS blocked_by,
            candidate_id, job_id
          FROM trigger_decisions
          WHERE $__timeFilter(evaluated_at) AND ${models}
          ORDER BY evaluated_at DESC
          LIMIT 200`,
      )
        .overrideByName('decision', [
          { id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.ColorText } },
          { id: 'mappings', value: [{ type: MappingType.ValueToText, options: { fired: { color: 'orange', index: 0 }, held: { color: 'text', index: 1 } } }] },
        ])
        .span(16),
    )
    .withPanel(
      tablePanel(
        'Training runs',
        'One row per training attempt: queued → training → registered or failed, the base and new versions, duration and error.',
        sql`
          SELECT started_at, model, run_id, state, base_version, new_version, trainer,
            dateDiff('second', started_at, updated_at) AS duration_s, candidate_id, job_id, error
          FROM training_runs FINAL
          WHERE $__timeFilter(started_at) AND ${models}
          ORDER BY started_at DESC
          LIMIT 200`,
      )
        .overrideByName('duration_s', [{ id: 'unit', value: 's' }])
        .overrideByName('state', [
          { id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.ColorText } },
          {
            id: 'mappings',
            value: [{ type: MappingType.ValueToText, options: { registered: { color: 'green', index: 0 }, failed: { color: 'red', index: 1 }, training: { color: 'blue', index: 2 } } }],
          },
        ])
        .span(24)
        .height(8),
    )
    .withPanel(
      tablePanel(
        'Model versions',
        'The registry, newest first: every version with its stage (candidate, champion, archived), when it was registered and last changed, who promoted it, and its metrics. Registrations also show as blue annotations on the graphs.',
        sql`
          SELECT model, version, stage, created_at, updated_at, promoted_by, metrics, artifact_uri
          FROM model_registry FINAL
          WHERE ${models}
          ORDER BY model, created_at DESC`,
      )
        .overrideByName('stage', [
          { id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.ColorBackground } },
          {
            id: 'mappings',
            value: [{ type: MappingType.ValueToText, options: { champion: { color: 'green', index: 0 }, candidate: { color: 'blue', index: 1 }, archived: { color: 'gray', index: 2 } } }],
          },
        ])
        .span(24)
        .height(8),
    )
    .build();
}
