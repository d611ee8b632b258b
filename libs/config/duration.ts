/**
 * Durations in config are written the way operators write them — `250ms`,
 * `5s`, `1m`, `6h`, `30d` — or as a bare number of milliseconds. They are
 * compiled to milliseconds once, when config is parsed.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration to ms; returns undefined when the text is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!;
  return Number.isFinite(value) ? Math.round(value) : undefined;
}
