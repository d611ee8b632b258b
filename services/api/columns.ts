/**
 * Column declarations of the API's result rows. One declaration per table
 * drives three things that must agree: the SELECT list, the conversion of
 * ClickHouse's JSON values to API values, and the OpenAPI schema of an item.
 */
export type ColumnKind =
  /** String, LowCardinality(String), Enum. */
  | 'string'
  /** Any integer type; ClickHouse quotes 64-bit ones, the API answers numbers. */
  | 'int'
  | 'float'
  /** DateTime64(3, 'UTC'); answered as ISO-8601 (`2024-06-01T12:00:00.000Z`). */
  | 'time'
  /** A String column holding JSON; answered parsed ('' → null). */
  | 'json'
  /** UInt8 used as a flag. */
  | 'bool'
  /** A comma-separated String; answered as an array. */
  | 'list';

/** Column name → kind, or [kind, description]. Names are trusted (never from a request). */
export type Columns = Readonly<Record<string, ColumnKind | readonly [ColumnKind, string]>>;

const kindOf = (spec: Columns[string]): ColumnKind => (typeof spec === 'string' ? spec : spec[0]);

/** The SELECT list: the columns as stored (so sort keys can go back into a cursor unchanged), quoted. */
export function selectList(columns: Columns): string {
  return Object.keys(columns).map((name) => `\`${name}\``).join(', ');
}

/** `2024-06-01 12:00:00.000` (ClickHouse DateTime64 in UTC) → `2024-06-01T12:00:00.000Z`. */
export function isoFromClickHouse(text: string): string {
  return `${text.replace(' ', 'T')}Z`;
}

/** A JSON column's value: parsed; '' → null; text that is not JSON is answered as is. */
export function parseJsonColumn(text: unknown): unknown {
  if (typeof text !== 'string') return text ?? null;
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function convert(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'int':
    case 'float':
      return Number(value);
    case 'time':
      return isoFromClickHouse(String(value));
    case 'json':
      return parseJsonColumn(value);
    case 'bool':
      return Number(value) !== 0;
    case 'list':
      return String(value) === '' ? [] : String(value).split(',');
    default:
      return String(value);
  }
}

/** Converts one ClickHouse row to the API's item. */
export function mapRow(columns: Columns, row: Record<string, unknown>): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(columns)) item[name] = convert(kindOf(spec), row[name]);
  return item;
}

const SCHEMAS: Record<ColumnKind, Record<string, unknown>> = {
  string: { type: 'string' },
  int: { type: ['integer', 'null'] },
  float: { type: ['number', 'null'] },
  time: { type: 'string', format: 'date-time' },
  json: {},
  bool: { type: 'boolean' },
  list: { type: 'array', items: { type: 'string' } },
};

/** The JSON schema of one item (every column present; numbers may be null). */
export function itemSchema(columns: Columns): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(columns)) {
    const kind = kindOf(spec);
    const description = typeof spec === 'string' ? (kind === 'json' ? 'JSON value (parsed)' : undefined) : spec[1];
    properties[name] = { ...SCHEMAS[kind], ...(description ? { description } : {}) };
  }
  return { type: 'object', properties };
}

/** Sort-key types as ClickHouse parameter types, with the pattern a cursor value must match. */
export const KEY_TYPES = {
  time: { param: "DateTime64(3, 'UTC')", pattern: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/ },
  string: { param: 'String', pattern: /^[\s\S]*$/ },
} as const;
export type KeyType = keyof typeof KEY_TYPES;
