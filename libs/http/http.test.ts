import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriftlineError } from '../errors/errors.ts';
import { bearerToken, tokenMatches } from './auth.ts';
import { API_HTTP_STATUS, httpErrorOf, validationMessage } from './errors.ts';
import { runReadinessChecks } from './readiness.ts';

describe('bearer tokens', () => {
  it('parses the Authorization header: absent, malformed, or the token', () => {
    assert.equal(bearerToken(undefined), undefined);
    assert.equal(bearerToken(''), undefined);
    assert.equal(bearerToken('Bearer abc.DEF-123_~+/=='), 'abc.DEF-123_~+/==');
    assert.equal(bearerToken('bearer   abc'), 'abc');
    assert.equal(bearerToken('Basic abc'), null);
    assert.equal(bearerToken('Bearer'), null);
    assert.equal(bearerToken('Bearer a b'), null);
    assert.equal(bearerToken('Bearer a"b'), null);
  });

  it('matches only an exact accepted token, of any length', () => {
    assert.equal(tokenMatches('secret-1', ['secret-1']), true);
    assert.equal(tokenMatches('secret-1', ['other', 'secret-1']), true);
    assert.equal(tokenMatches('secret-', ['secret-1']), false);
    assert.equal(tokenMatches('secret-12', ['secret-1']), false);
    assert.equal(tokenMatches('', ['secret-1']), false);
    assert.equal(tokenMatches('secret-1', []), false);
  });
});

describe('HTTP error mapping', () => {
  const options = { bodyLimit: 1024, bodyLimitVariable: 'API_BODY_LIMIT', service: 'the API server' };

  it('maps typed errors by code and hides unexpected ones', () => {
    assert.deepEqual(httpErrorOf(new DriftlineError('NOT_FOUND', 'no such thing'), options), { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no such thing' } } });
    assert.equal(httpErrorOf(new DriftlineError('CLICKHOUSE_UNAVAILABLE', 'down'), options).status, 503);
    assert.equal(httpErrorOf(new DriftlineError('SHUTDOWN_TIMEOUT', 'x'), options).status, 500, 'codes without an HTTP meaning are 500');
    assert.deepEqual(httpErrorOf(new TypeError('secret path /srv/x.ts'), options), { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error (logged by the API server)' } } });
    assert.deepEqual(httpErrorOf({ statusCode: 429, message: 'Rate limit exceeded, retry in 1 minute' }, options).body.error.code, 'RATE_LIMITED');
    assert.equal(httpErrorOf({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'too large' }, options).body.error.message, 'request body exceeds the 1024-byte limit (API_BODY_LIMIT)');
    for (const status of Object.values(API_HTTP_STATUS)) assert.ok(status >= 400 && status < 600);
  });

  it('names the parameter a schema refused', () => {
    assert.equal(
      validationMessage([{ keyword: 'additionalProperties', instancePath: '', params: { additionalProperty: 'lmit' }, parentSchema: { properties: { limit: {}, cursor: {} } } }], 'querystring'),
      "unknown query parameter 'lmit' (allowed: limit, cursor)",
    );
    assert.equal(validationMessage([{ keyword: 'maximum', instancePath: '/limit', message: 'must be <= 1000' }], 'querystring'), "query parameter 'limit' must be <= 1000");
    assert.equal(validationMessage([{ keyword: 'required', instancePath: '', params: { missingProperty: 'labels' } }], 'body'), "body field 'labels' is required");
    assert.equal(validationMessage([{ keyword: 'pattern', instancePath: '/model', message: 'must match pattern "^x$"' }], 'params'), 'path parameter \'model\' must match pattern "^x$"');
    const fromFastify = httpErrorOf({ statusCode: 400, validation: [{ keyword: 'type', instancePath: '/limit', message: 'must be integer' }], validationContext: 'querystring' }, options);
    assert.deepEqual(fromFastify, { status: 400, body: { error: { code: 'INPUT_INVALID', message: "query parameter 'limit' must be integer" } } });
  });
});

describe('readiness checks', () => {
  it('reports each check, failing on a throw, on false, and on no answer in time', async () => {
    const report = await runReadinessChecks(
      { ok: async () => undefined, no: async () => false, broken: async () => Promise.reject(new Error('refused')), hung: () => new Promise(() => {}) },
      50,
    );
    assert.deepEqual(report, { ready: false, checks: { ok: 'ok', no: 'not ready', broken: 'refused', hung: 'no answer within 50 ms' } });
    assert.deepEqual(await runReadinessChecks({}), { ready: true, checks: {} });
  });
});
