/**
 * Fuzzing the boundary every consumer shares: decodeEvent, for every event
 * contract, over generated bad message values (see support/bad-messages.ts),
 * each invalid by construction. Every one must come back as DECODE_FAILED
 * with a short reason that names the offending field where there is one;
 * decodeEvent must never throw; valid events in between must still decode.
 *
 *   RELIABILITY_SEED=<n> node --import tsx --test test/reliability/decode-fuzz.test.ts
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEvent } from '../../libs/contracts/decode.ts';
import { contracts, type ContractName } from '../../libs/contracts/registry.ts';
import { badMessage, validEvent } from './support/bad-messages.ts';
import { recordFigures } from './support/figures.ts';
import { FuzzRandom, RELIABILITY_SEED } from './support/fuzz-random.ts';

const CASES_PER_CONTRACT = Number(process.env.RELIABILITY_DECODE_CASES ?? 3_000);
/** A dead letter carries its reason: it must stay short whatever the input was. */
const MAX_REASON_CHARS = 2_000;
/** Kinds whose reason must name the mutated field. */
const NAMES_FIELD = new Set(['wrong-type', 'out-of-range', 'missing-field', 'schema-version', 'lone-surrogate']);

describe('decodeEvent under fuzzed input', () => {
  const totals = { cases: 0, refused: 0, valid: 0, throws: 0 };
  const byKind = new Map<string, number>();

  for (const contract of Object.keys(contracts) as ContractName[]) {
    it(`refuses ${CASES_PER_CONTRACT} bad ${contract} messages with a reason, and still decodes the good ones`, () => {
      const r = new FuzzRandom(RELIABILITY_SEED + contract.length * 7919);
      const failures: string[] = [];
      for (let i = 0; i < CASES_PER_CONTRACT; i++) {
        const bad = badMessage(contract, i, r, { hugeEvery: 1_000 });
        byKind.set(bad.kind, (byKind.get(bad.kind) ?? 0) + 1);
        totals.cases++;
        let result;
        try {
          result = decodeEvent(contract, bad.value);
        } catch (err) {
          totals.throws++;
          failures.push(`#${i} ${bad.kind}: threw ${(err as Error).message}`);
          continue;
        }
        const preview = bad.value ? bad.value.subarray(0, 160).toString('utf8') : String(bad.value);
        if (result.ok) {
          failures.push(`#${i} ${bad.kind}${bad.field ? ` (${bad.field})` : ''} was accepted: ${preview}`);
          continue;
        }
        totals.refused++;
        const reason = result.error.message;
        if (result.error.code !== 'DECODE_FAILED' || reason.length === 0) failures.push(`#${i} ${bad.kind}: code ${result.error.code}, reason '${reason}'`);
        if (reason.length > MAX_REASON_CHARS) failures.push(`#${i} ${bad.kind}: reason of ${reason.length} chars`);
        if (bad.field && NAMES_FIELD.has(bad.kind) && !reason.includes(bad.field)) failures.push(`#${i} ${bad.kind}: reason '${reason.slice(0, 200)}' does not name ${bad.field}`);
        // Every tenth case, a valid event must still pass: the decoder is not just refusing everything.
        if (i % 10 === 0) {
          const good = validEvent(contract, r);
          const decoded = decodeEvent(contract, Buffer.from(JSON.stringify(good)));
          if (!decoded.ok) failures.push(`valid ${contract} event refused: ${decoded.error.message}`);
          else {
            totals.valid++;
            assert.deepEqual(decoded.value, good);
          }
        }
      }
      assert.deepEqual(failures.slice(0, 20), [], `${failures.length} of ${CASES_PER_CONTRACT} cases failed (seed ${RELIABILITY_SEED})`);
    });
  }

  it('records the figures', () => {
    recordFigures('decode-fuzz', { 'fuzz cases tried': totals.cases, refused: totals.refused, 'valid controls decoded': totals.valid, crashes: totals.throws, kinds: [...byKind].map(([k, n]) => `${k}:${n}`).join(',') });
    assert.ok(totals.cases >= 10_000 || CASES_PER_CONTRACT < 2_500, `${totals.cases} cases`);
    assert.equal(totals.throws, 0);
  });
});
