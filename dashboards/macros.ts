/**
 * Expands a dashboard query the way Grafana + grafana-clickhouse-datasource
 * v4 do before ClickHouse sees it, so tests can run every panel's SQL on a
 * real engine. Two steps, in Grafana's order:
 *
 * 1. Template variables (Grafana's frontend, templateSrv.replace):
 *    `$var`, `${var}`, `${var:format}`. Formats: `singlequote` → 'a','b'
 *    (a quote inside a value becomes \'), `sqlstring` → 'a','b' (quote
 *    doubled), `doublequote` → "a","b", `csv` / `raw` → a,b. Without a
 *    format a multi-value variable becomes the glob `{a,b}` — invalid in SQL,
 *    which is why dashboards always write `IN (${var:singlequote})`.
 *    Grafana's own `$__from`, `$__to` (epoch ms), `$__interval` and
 *    `$__interval_ms` are replaced here too; other `$__name`s are macros.
 * 2. Plugin macros (the Go backend, pkg/macros/macros.go):
 *    `$__timeFilter(c)`       → c >= toDateTime(<from s>) AND c <= toDateTime(<to s>)
 *    `$__timeFilter_ms(c)`    → c >= fromUnixTimestamp64Milli(<from ms>) AND c <= fromUnixTimestamp64Milli(<to ms>)
 *    `$__fromTime`, `$__toTime`       → toDateTime(<s>)
 *    `$__fromTime_ms`, `$__toTime_ms` → fromUnixTimestamp64Milli(<ms>)
 *    `$__dateFilter(c)`       → c >= toDate('YYYY-MM-DD') AND c <= toDate('YYYY-MM-DD')
 *    `$__timeInterval(c)`     → toStartOfInterval(toDateTime(c), INTERVAL <n> second)
 *    `$__timeInterval_ms(c)`  → toStartOfInterval(toDateTime64(c, 3), INTERVAL <n> millisecond)
 *    `$__interval_s`          → <n>, the panel interval in whole seconds, at least 1.
 * Any other `$__macro`, an unknown variable or a wrong argument count is an
 * INPUT_INVALID error, so a typo in a dashboard fails its test.
 */
import { DriftlineError } from '../libs/errors/errors.ts';

/** What Grafana knows when it runs a panel query: time range, interval, variable values. */
export interface QueryContext {
  from: Date;
  to: Date;
  /** The panel interval Grafana computed from the time range and max data points. */
  intervalMs: number;
  /** Current value(s) of each dashboard variable (after "All" was resolved to the option list). */
  variables: Readonly<Record<string, string | readonly string[]>>;
}

/** Both steps: variables, then macros. */
export function expandQuery(sql: string, ctx: QueryContext): string {
  return expandMacros(interpolateVariables(sql, ctx), ctx);
}

const VARIABLE = /\$(\w+)|\$\{(\w+)(?::(\w+))?\}/g;

/** Step 1: Grafana template variables (see the file comment). */
export function interpolateVariables(sql: string, ctx: QueryContext): string {
  return sql.replace(VARIABLE, (match, bare: string | undefined, braced: string | undefined, format: string | undefined) => {
    const name = (bare ?? braced)!;
    if (name.startsWith('__')) return grafanaGlobal(name, ctx) ?? match;
    const value = ctx.variables[name];
    if (value === undefined) throw new DriftlineError('INPUT_INVALID', `query uses variable '${name}', which the dashboard does not define`);
    return formatValue(name, typeof value === 'string' ? [value] : value, format);
  });
}

function grafanaGlobal(name: string, ctx: QueryContext): string | undefined {
  switch (name) {
    case '__from':
      return String(ctx.from.getTime());
    case '__to':
      return String(ctx.to.getTime());
    case '__interval_ms':
      return String(ctx.intervalMs);
    case '__interval':
      return intervalText(ctx.intervalMs);
    default:
      return undefined;
  }
}

function intervalText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

function formatValue(name: string, values: readonly string[], format: string | undefined): string {
  switch (format) {
    case undefined:
      return values.length === 1 ? values[0]! : `{${values.join(',')}}`;
    case 'singlequote':
      return values.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
    case 'sqlstring':
      return values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');
    case 'doublequote':
      return values.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(',');
    case 'csv':
    case 'raw':
      return values.join(',');
    default:
      throw new DriftlineError('INPUT_INVALID', `variable '${name}' uses format '${format}', which this expander does not know`);
  }
}

type Macro = (args: string[], ctx: QueryContext) => string;

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
const dateTime = (d: Date) => `toDateTime(${seconds(d)})`;
const dateTime64 = (d: Date) => `fromUnixTimestamp64Milli(${d.getTime()})`;
const day = (d: Date) => `toDate('${d.toISOString().slice(0, 10)}')`;
const intervalSeconds = (ctx: QueryContext) => Math.max(Math.floor(ctx.intervalMs / 1000), 1);

const MACROS: Record<string, { args: number; expand: Macro }> = {
  timeFilter: { args: 1, expand: ([c], ctx) => `${c} >= ${dateTime(ctx.from)} AND ${c} <= ${dateTime(ctx.to)}` },
  timeFilter_ms: { args: 1, expand: ([c], ctx) => `${c} >= ${dateTime64(ctx.from)} AND ${c} <= ${dateTime64(ctx.to)}` },
  dateFilter: { args: 1, expand: ([c], ctx) => `${c} >= ${day(ctx.from)} AND ${c} <= ${day(ctx.to)}` },
  fromTime: { args: 0, expand: (_, ctx) => dateTime(ctx.from) },
  toTime: { args: 0, expand: (_, ctx) => dateTime(ctx.to) },
  fromTime_ms: { args: 0, expand: (_, ctx) => dateTime64(ctx.from) },
  toTime_ms: { args: 0, expand: (_, ctx) => dateTime64(ctx.to) },
  timeInterval: { args: 1, expand: ([c], ctx) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${intervalSeconds(ctx)} second)` },
  timeInterval_ms: { args: 1, expand: ([c], ctx) => `toStartOfInterval(toDateTime64(${c}, 3), INTERVAL ${Math.max(ctx.intervalMs, 1)} millisecond)` },
  interval_s: { args: 0, expand: (_, ctx) => String(intervalSeconds(ctx)) },
};

/** Step 2: the plugin's macros (see the file comment). */
export function expandMacros(sql: string, ctx: QueryContext): string {
  let out = '';
  let i = 0;
  for (;;) {
    const at = sql.indexOf('$__', i);
    if (at < 0) return out + sql.slice(i);
    out += sql.slice(i, at);
    const name = /^\w+/.exec(sql.slice(at + 3))?.[0] ?? '';
    const macro = MACROS[name];
    if (!macro) throw new DriftlineError('INPUT_INVALID', `unknown macro '$__${name}' (known: ${Object.keys(MACROS).map((m) => `$__${m}`).join(', ')})`);
    let end = at + 3 + name.length;
    let args: string[] = [];
    if (sql[end] === '(') {
      const close = matchingParen(sql, end);
      args = splitArgs(sql.slice(end + 1, close));
      end = close + 1;
    }
    if (args.length !== macro.args) throw new DriftlineError('INPUT_INVALID', `macro '$__${name}' takes ${macro.args} argument(s), got ${args.length}`);
    out += macro.expand(args, ctx);
    i = end;
  }
}

function matchingParen(sql: string, open: number): number {
  let depth = 0;
  for (let j = open; j < sql.length; j++) {
    if (sql[j] === '(') depth++;
    else if (sql[j] === ')' && --depth === 0) return j;
  }
  throw new DriftlineError('INPUT_INVALID', `unbalanced parenthesis after position ${open} in: ${sql.slice(Math.max(0, open - 20), open + 20)}`);
}

/** Splits macro arguments at top-level commas (an argument may itself call functions). */
function splitArgs(inner: string): string[] {
  if (inner.trim() === '') return [];
  const args: string[] = [];
  let depth = 0;
  let start = 0;
  for (let j = 0; j < inner.length; j++) {
    const ch = inner[j];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      args.push(inner.slice(start, j).trim());
      start = j + 1;
    }
  }
  args.push(inner.slice(start).trim());
  return args;
}
