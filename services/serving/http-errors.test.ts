import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DriftlineError } from '../../libs/errors/errors.ts';
import { repoRoot } from '../../libs/local/local-services.ts';
import { HTTP_STATUS, httpErrorOf } from './http-errors.ts';

describe('serving error catalog', () => {
  const readme = readFileSync(`${repoRoot}README.md`, 'utf8');
  const section = readme.slice(readme.indexOf('## Serving node'));

  it('documents every code the API answers with, and its status, in README "Serving node"', () => {
    for (const [code, status] of [...Object.entries(HTTP_STATUS), ['INTERNAL', 500] as const]) {
      assert.match(section, new RegExp(`\\| ${status} \\| \`${code}\` \\|`), `${code} → ${status} is documented`);
    }
  });

  it('maps typed errors by code, fastify client errors to INPUT_INVALID, and hides unexpected ones', () => {
    assert.deepEqual(httpErrorOf(new DriftlineError('NOT_FOUND', 'model "x" is not loaded'), 1024), { status: 404, body: { error: { code: 'NOT_FOUND', message: 'model "x" is not loaded' } } });
    assert.deepEqual(httpErrorOf({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'Request body is too large' }, 2048), {
      status: 413,
      body: { error: { code: 'INPUT_INVALID', message: 'request body exceeds the 2048-byte limit (SERVING_BODY_LIMIT)' } },
    });
    assert.equal(httpErrorOf({ statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON', message: 'Unexpected end of JSON input' }, 1).body.error.message, 'body is not valid JSON: Unexpected end of JSON input');
    assert.deepEqual(httpErrorOf(new TypeError('secret internals at /srv/x.ts:12'), 1), { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error (logged on the serving node)' } } });
  });
});
