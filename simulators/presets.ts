import { DriftlineError } from '../libs/errors/errors.ts';
import { parseScenario, type Scenario, type ScenarioInput } from './scenario-schema.ts';

/**
 * Named scenarios, written in the scenario file format (and validated by the
 * same schema). Times are shares of the run so a preset fits any duration;
 * label delays are scenario-clock durations, compressed by the time scale.
 */
const PRESETS: Record<string, ScenarioInput> = {
  baseline: {
    name: 'baseline',
    description: 'The undrifted population and process; labels arrive after an exponential delay (mean 10 min), 90% of predictions get one.',
    effects: [
      { type: 'labelDelay', distribution: { kind: 'exponential', mean: '10m' } },
      { type: 'labelCoverage', share: 0.9 },
    ],
  },
  'covariate-shift': {
    name: 'covariate-shift',
    description: 'At 40% income drops by 30% at once; from 40% to 70% credit utilization creeps up by 0.15. P(y|x) is unchanged.',
    effects: [
      { type: 'covariateShift', start: '40%', features: { income: { scale: 0.7 } } },
      { type: 'covariateShift', start: '40%', mode: 'gradual', ramp: '30%', features: { credit_utilization: { shift: 0.15 } } },
      { type: 'labelDelay', distribution: { kind: 'exponential', mean: '10m' } },
    ],
  },
  'concept-drift': {
    name: 'concept-drift',
    description: 'At 40% the debt ratio starts to matter twice as much (coefficient 2.5 → 5); the inputs do not change, the model silently gets worse.',
    effects: [
      { type: 'conceptDrift', start: '40%', delta: { numeric: { debt_ratio: 2.5 } } },
      { type: 'labelDelay', distribution: { kind: 'exponential', mean: '5m' } },
    ],
  },
  'quality-incident': {
    name: 'quality-incident',
    description: 'From 40% to 60% an upstream change breaks the data: nulls, an unseen region, out-of-range loans, a renamed and a missing feature, numbers sent as strings.',
    effects: [
      { type: 'qualityIncident', start: '40%', end: '60%', kind: 'nulls', feature: 'income', share: 0.2 },
      { type: 'qualityIncident', start: '40%', end: '60%', kind: 'new_category', feature: 'region', share: 0.1, value: 'atlantis' },
      { type: 'qualityIncident', start: '40%', end: '60%', kind: 'out_of_range', feature: 'loan_amount', share: 0.05 },
      { type: 'qualityIncident', start: '40%', end: '60%', kind: 'renamed_feature', feature: 'debt_ratio', share: 0.03, renameTo: 'debt_to_income' },
      { type: 'qualityIncident', start: '40%', end: '60%', kind: 'missing_feature', feature: 'employment_years', share: 0.03 },
      { type: 'qualityIncident', start: '40%', end: '60%', kind: 'wrong_type', feature: 'age', share: 0.03 },
    ],
  },
  'slo-burn': {
    name: 'slo-burn',
    description: 'From 30% to 60% half the requests take 250 ms longer; from 40% to 50% 10% of them fail. Shapes Kafka-mode events only.',
    effects: [
      { type: 'latencySpike', start: '30%', end: '60%', extraMs: 250, share: 0.5 },
      { type: 'errorBurst', start: '40%', end: '50%', share: 0.1 },
    ],
  },
  seasonal: {
    name: 'seasonal',
    description: 'A daily cycle: traffic swings ±50% and incomes ±5000 around the mean; labels arrive after about an hour. Meant for a large time scale (e.g. 1440: a day per minute).',
    timeScale: 1440,
    effects: [
      { type: 'seasonality', target: 'rate', period: '24h', amplitude: 0.5 },
      { type: 'seasonality', target: 'income', period: '24h', amplitude: 5000, phase: 0.25 },
      { type: 'labelDelay', distribution: { kind: 'lognormal', median: '1h', sigma: 0.5 } },
    ],
  },
  demo: {
    name: 'demo',
    description: 'A short story: baseline; at 25% income drops by 25% and the debt ratio starts to matter twice as much; from 50% to 60% a validation incident (null incomes, an unseen region); from 70% to 85% a latency and error burst. Labels follow after a lognormal delay (median 5 min on the scenario clock), 90% coverage, 2% noise.',
    rate: 50,
    duration: '4m',
    timeScale: 60,
    effects: [
      { type: 'covariateShift', start: '25%', features: { income: { scale: 0.75 } } },
      { type: 'conceptDrift', start: '25%', delta: { numeric: { debt_ratio: 2.5 } } },
      { type: 'qualityIncident', start: '50%', end: '60%', kind: 'nulls', feature: 'income', share: 0.3 },
      { type: 'qualityIncident', start: '50%', end: '60%', kind: 'new_category', feature: 'region', share: 0.2, value: 'atlantis' },
      { type: 'latencySpike', start: '70%', end: '85%', extraMs: 200, share: 0.6 },
      { type: 'errorBurst', start: '70%', end: '85%', share: 0.05 },
      { type: 'labelDelay', distribution: { kind: 'lognormal', median: '5m', sigma: 0.8 } },
      { type: 'labelCoverage', share: 0.9 },
      { type: 'labelNoise', share: 0.02 },
    ],
  },
};

/** Names of the built-in scenarios. */
export const PRESET_NAMES = Object.keys(PRESETS);

/** A built-in scenario by name; an unknown name is INPUT_INVALID listing the presets. */
export function presetScenario(name: string): Scenario {
  const input = PRESETS[name];
  if (!input) throw new DriftlineError('INPUT_INVALID', `no scenario preset ${JSON.stringify(name)} (presets: ${PRESET_NAMES.join(', ')}; or give a .json file)`);
  return parseScenario(input, `preset ${name}`);
}
