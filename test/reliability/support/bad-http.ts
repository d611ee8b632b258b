/**
 * Generated bad HTTP requests: bodies that are not JSON or not the right
 * JSON, hostile path and query parameters, odd headers. Shared by the
 * serving-node and API fuzz tests; the per-endpoint generators there mutate
 * a good body with these pieces. Every request is built for fastify's
 * `app.inject()`.
 */
import type { InjectOptions } from 'fastify';
import type { FuzzRandom } from './fuzz-random.ts';

/** One generated request and what it is. */
export interface FuzzRequest {
  kind: string;
  request: InjectOptions;
}

/** Path/query values that attack parsers, routers, SQL and prototypes. */
export const HOSTILE_VALUES = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '..',
  '../../etc/passwd',
  '..\\..\\windows',
  "x' OR 1=1 --",
  "'; DROP TABLE predictions; --",
  '1; DROP TABLE labels',
  '{model:String}',
  '%00',
  '\u0000',
  '\ud800',
  '\ufeff',
  '😀',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '-1',
  '1e309',
  'NaN',
  'null',
  'true',
  '[]',
  '{}',
  'x'.repeat(5_000),
];

/** A hostile value, URL-encoded for a path segment or a query value (a lone surrogate, which encodeURIComponent refuses, as its WTF-8 bytes). */
export function encodeHostile(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

/** Body texts that are not JSON (sent with content-type application/json). */
export function notJsonBody(r: FuzzRandom, goodJson: string): string | Buffer {
  switch (r.int(9)) {
    case 0:
      return goodJson.slice(0, 1 + r.int(Math.max(1, goodJson.length - 1)));
    case 1:
      return r.bytes(1 + r.int(200));
    case 2:
      return `${goodJson}}`;
    case 3:
      return goodJson.replace(/"/g, "'");
    case 4:
      return `{"a":1,}`;
    case 5:
      return 'NaN';
    case 6:
      return Buffer.concat([Buffer.from(goodJson.slice(0, 5)), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(goodJson.slice(5))]);
    case 7:
      return `${'['.repeat(5_000)}${']'.repeat(4_999)}`;
    default:
      return '{"__proto__":{"polluted":true}}';
  }
}

/** JSON values of the wrong shape for a body that must be an object. */
export function wrongTopLevel(r: FuzzRandom): unknown {
  return r.pick<unknown>([[], [{}], 1, 'x', true, null, 0, '', [[[]]]]);
}

/** Headers that must not turn a bad request into a 5xx. */
export function oddHeaders(r: FuzzRandom): Record<string, string> {
  return r.pick<Record<string, string>>([
    { 'content-type': 'text/plain' },
    { 'content-type': 'application/x-www-form-urlencoded' },
    { 'content-type': 'multipart/form-data; boundary=x' },
    { 'content-type': 'application/json; charset=utf-16' },
    { 'content-type': 'application/json; charset=latin1' },
    { 'content-type': 'application/xml' },
    { 'content-type': '' },
    { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    { 'content-type': 'application/json', 'content-encoding': 'br' },
    { 'content-type': ';;;' },
    { 'content-type': 'application/json', accept: 'text/html' },
  ]);
}

/** Asserts the shape every refusal must have; returns a problem description or undefined. */
export function refusalProblem(statusCode: number, body: string, allowed: readonly number[] = []): string | undefined {
  if (statusCode >= 500) return `answered ${statusCode}: ${body.slice(0, 300)}`;
  if (statusCode < 400 && !allowed.includes(statusCode)) return `answered ${statusCode} (expected a 4xx): ${body.slice(0, 300)}`;
  if (statusCode >= 400) {
    let parsed: { error?: { code?: unknown; message?: unknown } };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return `answered ${statusCode} with a non-JSON body: ${body.slice(0, 200)}`;
    }
    if (typeof parsed.error?.code !== 'string' || typeof parsed.error?.message !== 'string' || parsed.error.message.length === 0) {
      return `answered ${statusCode} without {error:{code,message}}: ${body.slice(0, 200)}`;
    }
  }
  return undefined;
}
