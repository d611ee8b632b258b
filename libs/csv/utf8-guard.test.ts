import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32 } from '../../simulators/prediction-generator.ts';
import { firstInvalidUtf8, Utf8Guard } from './utf8-guard.ts';

const fatal = new TextDecoder('utf-8', { fatal: true });
const isValid = (b: Uint8Array) => {
  try {
    fatal.decode(b);
    return true;
  } catch {
    return false;
  }
};

/** Random bytes biased towards UTF-8 structure: ASCII, lead bytes, continuation bytes, edge values. */
function randomBytes(rand: () => number, n: number): Uint8Array {
  const pool = [0x41, 0x2c, 0x0a, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0xa0, 0x8f, 0x90];
  return Uint8Array.from({ length: n }, () => pool[Math.floor(rand() * pool.length)]!);
}

describe('UTF-8 validation of CSV bytes', () => {
  it('finds the first invalid byte exactly where a fatal TextDecoder stops (the independent reference)', () => {
    const rand = mulberry32(11);
    let invalid = 0;
    for (let i = 0; i < 20_000; i++) {
      const bytes = randomBytes(rand, Math.floor(rand() * 12));
      const at = firstInvalidUtf8(bytes);
      assert.equal(at === -1, isValid(bytes), `${Buffer.from(bytes).toString('hex')}`);
      if (at >= 0) {
        invalid++;
        assert.ok(isValid(bytes.subarray(0, at)), 'everything before it is valid');
        // And no longer valid prefix ends past it: the byte at `at` cannot start a valid continuation of the text.
        for (let end = at + 1; end <= Math.min(bytes.length, at + 4); end++) assert.ok(!isValid(bytes.subarray(0, end)) || end < at, `${Buffer.from(bytes).toString('hex')} at ${at}`);
      }
    }
    assert.ok(invalid > 1_000 && invalid < 19_000, 'both outcomes were exercised');
  });

  it('gives the same answer however the bytes are cut into chunks', () => {
    const rand = mulberry32(12);
    for (let i = 0; i < 5_000; i++) {
      const text = Buffer.from(['a,ü', '東京', 'x\n', '😀', ',', 'é'].map((s) => (rand() < 0.5 ? s : '')).join('').repeat(1 + Math.floor(rand() * 3)));
      if (text.length > 0 && rand() < 0.5) text[Math.floor(rand() * text.length)] = [0xff, 0x80, 0xc3, 0x41][Math.floor(rand() * 4)]!;
      const guard = new Utf8Guard();
      let found = -1;
      let at = 0;
      while (at < text.length && found < 0) {
        const size = 1 + Math.floor(rand() * 5);
        found = guard.check(text.subarray(at, at + size), false);
        at += size;
      }
      if (found < 0) found = guard.check(undefined, true);
      assert.equal(found, firstInvalidUtf8(text), `${text.toString('hex')}`);
    }
  });
});
