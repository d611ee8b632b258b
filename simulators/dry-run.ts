import { formatSim, type Simulation } from './simulate.ts';

/** Nearest-rank quantile of an unsorted list (NaN when empty). */
function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const pct = (part: number, whole: number) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`);

/**
 * What a scenario produces, without sending anything: the run cut into ten
 * equal slices of the scenario clock with, per slice, the event count, the
 * true default rate, the model's mean score, rows hit by a quality incident
 * (and those the serving node would reject), error status and p95 latency
 * (Kafka mode), then the label fate and delays overall. For checking a
 * scenario file before pointing it at a running loop.
 */
export function summarizeDryRun(sim: Simulation): string {
  const slices = Array.from({ length: 10 }, () => ({ events: 0, defaults: 0, score: 0, scored: 0, incidents: 0, invalid: 0, errors: 0, latency: [] as number[] }));
  const items = [...sim];
  const lastSim = items.at(-1)?.simMs ?? 0;
  const span = Number.isFinite(sim.plan.runSimMs) ? sim.plan.runSimMs : lastSim + 1;
  let covered = 0, flipped = 0;
  const delays: number[] = [];
  for (const item of items) {
    const s = slices[Math.min(9, Math.floor((item.simMs / span) * 10))]!;
    s.events++;
    s.defaults += item.label.trueValue;
    if (typeof item.event.outputs.probability === 'number') {
      s.score += item.event.outputs.probability;
      s.scored++;
    }
    if (item.incidents.length > 0) s.incidents++;
    if (!item.requestValid) s.invalid++;
    if (item.event.status === 'error') s.errors++;
    s.latency.push(item.event.latency_ms);
    if (item.label.covered) {
      covered++;
      delays.push(item.label.delayMs);
    }
    if (item.label.flipped) flipped++;
  }
  const lines = [`dry run: ${items.length} events`, 'scenario time            events  default  mean score  incident  invalid  error  p95 latency'];
  slices.forEach((s, i) => {
    const from = formatSim((span * i) / 10), to = formatSim((span * (i + 1)) / 10);
    lines.push(`${`${from} – ${to}`.padEnd(24)} ${String(s.events).padStart(7)}  ${pct(s.defaults, s.events).padStart(7)}  ${(s.scored ? (s.score / s.scored).toFixed(3) : '-').padStart(10)}  ${pct(s.incidents, s.events).padStart(8)}  ${pct(s.invalid, s.events).padStart(7)}  ${pct(s.errors, s.events).padStart(5)}  ${Number.isNaN(quantile(s.latency, 0.95)) ? '-' : `${quantile(s.latency, 0.95).toFixed(1)} ms`}`);
  });
  lines.push(`labels: ${pct(covered, items.length)} covered, ${pct(flipped, items.length)} flipped; wall delay p50 ${(quantile(delays, 0.5) / 1000).toFixed(1)} s, p90 ${(quantile(delays, 0.9) / 1000).toFixed(1)} s, max ${(quantile(delays, 1) / 1000).toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
}
