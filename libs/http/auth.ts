import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { errorBody } from './errors.ts';

/**
 * Log paths that may carry a credential. Give them to pino's `redact`
 * (buildApiApp does, on its request logger), so a token reaches no log line
 * even when a handler logs the whole request or its headers.
 */
export const CREDENTIAL_REDACT_PATHS = [
  'req.headers.authorization',
  'request.headers.authorization',
  'headers.authorization',
  'authorization',
  '*.authorization',
  'req.headers.cookie',
  'headers.cookie',
  'token',
  '*.token',
  'password',
  '*.password',
];

/** Query parameters that carry a credential when a client puts one in the URL by mistake. */
const URL_CREDENTIAL = /([?&](?:token|access_token|api_key|apikey|key|password|secret|auth|authorization)=)[^&#]*/gi;

/** `url` with the values of credential-named query parameters replaced by `[redacted]`. */
export function withoutUrlCredentials(url: string): string {
  return url.replace(URL_CREDENTIAL, '$1[redacted]');
}

/**
 * fastify's request serializer (method, url, host, address, port), with
 * credentials cut from the URL: the "incoming request" line logs the URL,
 * and redaction by path cannot reach inside a string.
 */
export function credentialSafeRequest(req: { method?: string; url?: string; host?: string; ip?: string; socket?: { remotePort?: number } }) {
  return { method: req.method, url: req.url === undefined ? undefined : withoutUrlCredentials(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

export interface BearerOptions {
  /** The realm in WWW-Authenticate (RFC 6750). */
  realm?: string;
  /** Names the variable that configures the token, for the message when none is set. */
  variable?: string;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * True when `presented` equals one of `accepted`. Both sides are hashed
 * first, so timingSafeEqual always compares equal-length buffers and the
 * time taken reveals neither the token nor its length; every accepted token
 * is compared (no early exit).
 */
export function tokenMatches(presented: string, accepted: readonly string[]): boolean {
  const p = digest(presented);
  let ok = false;
  for (const token of accepted) ok = timingSafeEqual(p, digest(token)) || ok;
  return ok;
}

/** The token of an `Authorization: Bearer <token>` header; `null` when the header is malformed, `undefined` when absent. */
export function bearerToken(header: string | undefined): string | null | undefined {
  if (header === undefined || header === '') return undefined;
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return m ? m[1]! : null;
}

/**
 * A fastify preHandler that lets a request through only with
 * `Authorization: Bearer <token>` for one of `tokens` (compared in constant
 * time). Otherwise it answers 401 with a WWW-Authenticate challenge and the
 * usual error body; the token itself is never logged or echoed.
 *
 * With no token configured (`tokens` empty or all undefined) the route is
 * closed: 403 FORBIDDEN naming the variable to set. Write and admin routes
 * must never be open by accident.
 */
export function requireBearer(tokens: string | undefined | ReadonlyArray<string | undefined>, options: BearerOptions = {}): preHandlerAsyncHookHandler {
  const accepted = (Array.isArray(tokens) ? tokens : [tokens]).filter((t): t is string => typeof t === 'string' && t.length > 0);
  const realm = options.realm ?? 'driftline';
  return async function bearerGuard(request: FastifyRequest, reply: FastifyReply) {
    if (accepted.length === 0) {
      const how = options.variable ? `set ${options.variable} to enable it` : 'configure a token to enable it';
      return reply.code(403).send(errorBody('FORBIDDEN', `this endpoint is disabled: no token is configured (${how})`));
    }
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      return reply.code(401).header('www-authenticate', `Bearer realm="${realm}"`).send(errorBody('UNAUTHORIZED', 'missing bearer token (Authorization: Bearer <token>)'));
    }
    if (token === null) {
      return reply
        .code(401)
        .header('www-authenticate', `Bearer realm="${realm}", error="invalid_request"`)
        .send(errorBody('UNAUTHORIZED', 'malformed Authorization header (expected: Bearer <token>)'));
    }
    if (!tokenMatches(token, accepted)) {
      return reply.code(401).header('www-authenticate', `Bearer realm="${realm}", error="invalid_token"`).send(errorBody('UNAUTHORIZED', 'invalid bearer token'));
    }
  };
}

/** The two guards of a Driftline API: admin (write) routes, and read routes. */
export interface ApiGuards {
  /** Requires the admin token; closed (403) when none is configured. */
  admin: preHandlerAsyncHookHandler;
  /** Requires the read token (the admin token works too) when one is configured; open otherwise. */
  read: preHandlerAsyncHookHandler | undefined;
}

/**
 * Builds both guards from config. Route plugins registered next to the
 * query API (labels, promotion, reference upload, bull-board) take
 * `guards.admin` as their preHandler so every write route checks the same way.
 */
export function createGuards(auth: { adminToken?: string | undefined; readToken?: string | undefined }, variables = { admin: 'API_ADMIN_TOKEN', read: 'API_READ_TOKEN' }): ApiGuards {
  return {
    admin: requireBearer(auth.adminToken, { variable: variables.admin }),
    read: auth.readToken ? requireBearer([auth.readToken, auth.adminToken], { variable: variables.read }) : undefined,
  };
}
