/**
 * `putFixed` writes the bytes of `fixed` (and of the pre-issue-#17 `fixed`,
 * kept in test/sim/traceCsvReference.ts) for every value, and `putInteger`
 * those of `String`: the trace CSV's bytes rest on both.
 */
import { describe, expect, it } from 'vitest';
import { putInteger } from '../../src/io/asciiBuffer.js';
import { fixed, fixedBytesMax, putFixed } from '../../src/io/numberFormat.js';
import { randomStream } from '../../src/random/streams.js';
import { awkwardValue, referenceFixed } from '../sim/traceCsvReference.js';

const latin1 = (bytes: Uint8Array, end: number) => Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('latin1');

/** `putFixed` at an offset into a buffer of exactly its bound, beyond which writes would be lost. */
function putFixedText(value: number, digits: number): string {
  const bytes = new Uint8Array(3 + fixedBytesMax(digits)).fill(120); // 'x': what is not overwritten shows
  const end = putFixed(bytes, 3, value, digits);
  return latin1(bytes.subarray(3), end - 3);
}

describe('putFixed', () => {
  it('writes the text of fixed and of the reference fixed, at 0 … 8 digits, for 200,000 awkward values', () => {
    const random = randomStream(17, 'numberFormat', 'putFixed');
    for (let i = 0; i < 200_000; i++) {
      const value = awkwardValue(random);
      const digits = random.integerIn(0, 8);
      const text = putFixedText(value, digits);
      if (text !== fixed(value, digits) || text !== referenceFixed(value, digits)) {
        expect({ value, digits, text }).toEqual({ value, digits, text: referenceFixed(value, digits) });
      }
    }
  });

  it('writes the edges as the reference: −0 and what rounds to it, halves, 1e9, ±Infinity, the widest', () => {
    const cases: [number, number, string][] = [
      [-0, 3, '0.000'],
      [-0.0004, 3, '0.000'],
      [-0.0005, 3, '-0.001'],
      [0.00005, 4, '0.0001'],
      [1.0005, 3, '1.001'],
      [999999999.9999, 3, '1000000000.000'],
      [1e9, 3, '1000000000.000'],
      [214748.36475, 4, '214748.3648'],
      [Infinity, 3, 'Infinity'],
      [-Infinity, 2, '-Infinity'],
      [NaN, 3, 'NaN'],
      [-9.99e20, 4, '-999000000000000000000.0000'],
      [-Number.MAX_VALUE, 4, '-1.7976931348623157e+308'],
    ];
    for (const [value, digits, text] of cases) {
      expect(referenceFixed(value, digits)).toBe(text);
      expect(putFixedText(value, digits)).toBe(text);
    }
  });
});

describe('putInteger', () => {
  it('writes String(value): digits for 0 … 2^31 − 1 at every width, the string beyond', () => {
    const random = randomStream(17, 'numberFormat', 'putInteger');
    const values = [0, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1, -1, -0, 1.5, NaN, -Infinity, 1e21, -1.2345678901234567e-300];
    for (let width = 1; width <= 16; width++) for (let i = 0; i < 50; i++) values.push(random.integerIn(10 ** (width - 1), 10 ** width - 1));
    const bytes = new Uint8Array(32);
    for (const value of values) expect(latin1(bytes, putInteger(bytes, 0, value))).toBe(String(value));
  });
});
