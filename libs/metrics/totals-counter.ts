import { Counter, type Registry } from 'prom-client';

/** Cumulative totals by label set, as a component counts them itself (its `stats()`). */
export type Totals = ReadonlyArray<readonly [Record<string, string>, number]>;

/**
 * A counter whose totals live in another component: each scrape reads them
 * and adds what is new. The component stays the single source of truth (no
 * second count in its hot loop); a label set that has never moved is still
 * exposed as an explicit 0. A total that goes down (a component replaced) is
 * taken as a restart: counting resumes from its new value.
 */
export function counterFromTotals(registry: Registry, name: string, help: string, labelNames: readonly string[], read: () => Totals): Counter<string> {
  const seen = new Map<string, number>();
  return new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, total] of read()) {
        const key = JSON.stringify(labels);
        const previous = seen.get(key) ?? 0;
        seen.set(key, total);
        this.inc(labels, total >= previous ? total - previous : total);
      }
    },
  });
}
