import type { FastifyInstance } from 'fastify';
import { DriftlineError } from '../../libs/errors/errors.ts';
import { itemSchema, KEY_TYPES, mapRow, selectList, type Columns, type KeyType } from './columns.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { errorResponses, pageQuery } from './schemas.ts';
import type { RouteContext } from './route-context.ts';
import { resolveTimeRange, type TimeRange } from './time-range.ts';

/** A query parameter that narrows the rows: its schema and its WHERE clause (with `{name:Type}` placeholders). */
export interface Filter {
  schema: Record<string, unknown>;
  where: string;
  /** Converts the parameter's value for ClickHouse (default: as given). */
  value?: (v: unknown) => unknown;
}

/** A paginated, filtered list over one table: everything but the SQL text's trusted parts comes from the request as parameters. */
export interface ListRouteSpec {
  path: string;
  summary: string;
  description: string;
  tags: string[];
  /** The FROM clause, e.g. `drift_metrics FINAL` (trusted text). */
  from: string;
  columns: Columns;
  filters: Record<string, Filter>;
  /** The column `from`/`to` select on, half-open [from, to); no time range when absent. */
  timeColumn?: string;
  /** The unique sort key, newest first; also the cursor. */
  orderKey: ReadonlyArray<{ column: string; type: KeyType }>;
  /** Extra top-level fields computed once per request (e.g. the latest SLO status). */
  extra?: {
    schema: Record<string, unknown>;
    load: (ctx: RouteContext, query: Record<string, unknown>, range: TimeRange | undefined) => Promise<Record<string, unknown>>;
  };
}

const range = (column: string) => `${column} >= fromUnixTimestamp64Milli({_from:Int64}, 'UTC') AND ${column} < fromUnixTimestamp64Milli({_to:Int64}, 'UTC')`;

/**
 * Registers `GET spec.path`: filters, time range (default last 24 h,
 * bounded by maxRangeMs), keyset pagination newest first, JSON columns
 * parsed. Answers `{ items, next_cursor, from?, to? }`.
 */
export function registerListRoute(app: FastifyInstance, ctx: RouteContext, spec: ListRouteSpec): void {
  const keyColumns = spec.orderKey.map((k) => k.column).join(', ');
  const keyParams = spec.orderKey.map((k, i) => `{_c${i}:${KEY_TYPES[k.type].param}}`).join(', ');
  const keyPatterns = spec.orderKey.map((k) => KEY_TYPES[k.type].pattern);
  const orderBy = spec.orderKey.map((k) => `${k.column} DESC`).join(', ');
  const filterSchemas = Object.fromEntries(Object.entries(spec.filters).map(([name, f]) => [name, f.schema]));

  app.get(
    spec.path,
    {
      ...(ctx.readGuard ? { preHandler: ctx.readGuard } : {}),
      schema: {
        summary: spec.summary,
        description: spec.description,
        tags: spec.tags,
        querystring: pageQuery(filterSchemas, ctx.limits.maxPageSize, spec.timeColumn !== undefined),
        response: {
          200: {
            type: 'object',
            required: ['items', 'next_cursor'],
            properties: {
              items: { type: 'array', items: itemSchema(spec.columns) },
              next_cursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null on the last page.' },
              ...(spec.timeColumn ? { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' } } : {}),
              ...spec.extra?.schema,
            },
          },
          ...errorResponses(),
        },
      },
    },
    async (request) => {
      const query = request.query as Record<string, unknown>;
      const limit = Number(query.limit);
      const cursor = typeof query.cursor === 'string' ? decodeCursor(query.cursor, keyPatterns) : undefined;
      const where: string[] = [];
      const params: Record<string, unknown> = { _limit: limit + 1 };
      for (const [name, filter] of Object.entries(spec.filters)) {
        if (query[name] === undefined) continue;
        where.push(filter.where);
        params[name] = filter.value ? filter.value(query[name]) : query[name];
      }
      let timeRange: TimeRange | undefined;
      if (spec.timeColumn) {
        timeRange = pinnedRange(query, cursor?.range, ctx);
        where.push(range(spec.timeColumn));
        params._from = timeRange.fromMs;
        params._to = timeRange.toMs;
      }
      if (cursor) {
        where.push(`(${keyColumns}) < (${keyParams})`);
        cursor.key.forEach((v, i) => (params[`_c${i}`] = v));
      }
      const sql = `SELECT ${selectList(spec.columns)} FROM ${spec.from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${orderBy} LIMIT {_limit:UInt32}`;
      const rows = await ctx.query<Record<string, unknown>>(sql, params);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const next = rows.length > limit && last ? encodeCursor({ key: spec.orderKey.map((k) => String(last[k.column])), range: timeRange ? [timeRange.fromMs, timeRange.toMs] : undefined }) : null;
      return {
        items: page.map((row) => mapRow(spec.columns, row)),
        next_cursor: next,
        ...(timeRange ? { from: new Date(timeRange.fromMs).toISOString(), to: new Date(timeRange.toMs).toISOString() } : {}),
        ...(spec.extra ? await spec.extra.load(ctx, query, timeRange) : {}),
      };
    },
  );
}

/**
 * The request's time range. With a cursor, the range of the first page
 * holds (so a defaulted "last 24 h" cannot slide between pages); an
 * explicit from/to that disagrees with it is an error, not a silent choice.
 */
export function pinnedRange(query: Record<string, unknown>, pinned: readonly [number, number] | undefined, ctx: Pick<RouteContext, 'clock' | 'limits'>): TimeRange {
  const asked = resolveTimeRange({ from: query.from as string | undefined, to: query.to as string | undefined }, ctx.clock(), ctx.limits.maxRangeMs);
  if (!pinned) return asked;
  const [fromMs, toMs] = pinned;
  if ((query.from !== undefined && asked.fromMs !== fromMs) || (query.to !== undefined && asked.toMs !== toMs)) {
    throw new DriftlineError('INPUT_INVALID', "query parameter 'cursor' belongs to another time range: repeat the first page's from/to (or leave them out)");
  }
  if (toMs - fromMs > ctx.limits.maxRangeMs) throw new DriftlineError('INPUT_INVALID', "query parameter 'cursor' spans more than the time-range limit");
  return { fromMs, toMs };
}
