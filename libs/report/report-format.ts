/** How numbers, shares, times and methods read in the HTML report. */

/** 4 significant digits; exponent form below 0.001 (tiny p-values); '–' for null or non-finite. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

/** A share as a percentage: 0 decimals, 2 below 1 %. */
export function formatPercent(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '–';
  const percent = share * 100;
  return `${percent.toFixed(percent > 0 && percent < 1 ? 2 : 0)}%`;
}

/** `2024-06-01 12:00:00 UTC` (milliseconds shown only when not zero). */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const [date, time] = iso.replace('Z', '').split('T') as [string, string];
  return `${date} ${time.endsWith('.000') ? time.slice(0, 8) : time} UTC`;
}

const METHOD_NAMES: Record<string, string> = {
  ks: 'KS p-value',
  chi_square: 'chi-square p-value',
  wasserstein_normed: 'normed Wasserstein',
  jensen_shannon: 'Jensen–Shannon',
};

/** The human name of a drift method (its code when unknown). */
export function methodName(method: string | null): string {
  return method === null || method === '' ? '–' : (METHOD_NAMES[method] ?? method);
}
