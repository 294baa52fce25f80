/**
 * Fixed-point numbers in Z_2^64 (src/control/qlearning/fixedPoint.ts):
 * encoding rounds x·2^f to the nearest integer, refuses what does not fit;
 * truncation is floor, so negative values go towards −∞; ring operations
 * wrap at 64 bits.
 */
import { describe, expect, it } from 'vitest';
import { decodeFixed, encodeFixed, ENCODED_LIMIT, ringAdd, ringMul, ringSub, truncate, wrap64 } from '../../../src/control/qlearning/fixedPoint.js';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

describe('encodeFixed / decodeFixed', () => {
  it('encodes round(x·2^f), halves towards +∞, and decodes back exactly on the grid', () => {
    expect(encodeFixed(1, 16)).toBe(65536n);
    expect(encodeFixed(-1, 16)).toBe(-65536n);
    expect(encodeFixed(0.1, 16)).toBe(6554n); // 6553.6
    expect(encodeFixed(0.7, 16)).toBe(45875n); // 45875.2
    expect(encodeFixed(-0.1, 16)).toBe(-6554n); // −6553.6
    expect(encodeFixed(2.5, 0)).toBe(3n);
    expect(encodeFixed(-2.5, 0)).toBe(-2n);
    expect(encodeFixed(3 / 64, 4)).toBe(1n); // 0.75 ulp
    expect(encodeFixed(-1 / 64, 4)).toBe(0n); // −0.25 ulp
    expect(encodeFixed(0)).toBe(0n);
    expect(decodeFixed(6554n, 16)).toBe(6554 / 65536);
    expect(decodeFixed(-1n, 16)).toBe(-1 / 65536);
    for (const x of [0, 1, -1, 0.5, -0.75, 123.25, -1e6]) expect(decodeFixed(encodeFixed(x, 16), 16)).toBe(x);
  });

  it('accepts up to ±2^46 ulps and refuses beyond, and non-finite numbers', () => {
    expect(encodeFixed(2 ** 30, 16)).toBe(ENCODED_LIMIT);
    expect(encodeFixed(-(2 ** 30), 16)).toBe(-ENCODED_LIMIT);
    expect(() => encodeFixed(2 ** 30 + 1, 16)).toThrow(RangeError);
    expect(() => encodeFixed(-(2 ** 30) - 1, 16)).toThrow(RangeError);
    expect(() => encodeFixed(2 ** 22 + 1, 24)).toThrow(/out of the fixed-point range/);
    for (const bad of [NaN, Infinity, -Infinity]) expect(() => encodeFixed(bad, 16)).toThrow(/cannot encode/);
    expect(() => encodeFixed(1, 0.5)).toThrow(/fraction bits/);
    expect(() => encodeFixed(1, -1)).toThrow(/fraction bits/);
  });
});

describe('truncate', () => {
  it('is floor(v / 2^f): negative numbers go towards −∞', () => {
    expect(truncate(65536n, 16)).toBe(1n);
    expect(truncate(65535n, 16)).toBe(0n);
    expect(truncate(-1n, 16)).toBe(-1n); // floor(−2^−16), not 0
    expect(truncate(-65536n, 16)).toBe(-1n);
    expect(truncate(-65537n, 16)).toBe(-2n);
    expect(truncate(-152n, 4)).toBe(-10n); // −9.5 → −10
    expect(truncate(152n, 4)).toBe(9n); // 9.5 → 9
    expect(truncate(0n, 16)).toBe(0n);
    expect(truncate(7n, 0)).toBe(7n);
  });

  it('works on the extremes of int64, and wraps its argument first', () => {
    expect(truncate(INT64_MAX, 16)).toBe(2n ** 47n - 1n);
    expect(truncate(INT64_MIN, 16)).toBe(-(2n ** 47n));
    expect(truncate(INT64_MIN, 63)).toBe(-1n);
    expect(truncate(INT64_MAX, 63)).toBe(0n);
    // 2^64 − 1 is −1 in the ring.
    expect(truncate(2n ** 64n - 1n, 16)).toBe(-1n);
    // Agrees with floor on random-looking values.
    for (const v of [123456789n, -123456789n, 2n ** 40n + 12345n, -(2n ** 40n) - 12345n]) {
      expect(truncate(v, 16)).toBe(BigInt(Math.floor(Number(v) / 65536)));
    }
  });
});

describe('ring operations', () => {
  it('wrap at 64 bits as signed int64', () => {
    expect(wrap64(INT64_MAX + 1n)).toBe(INT64_MIN);
    expect(ringAdd(INT64_MAX, 1n)).toBe(INT64_MIN);
    expect(ringSub(INT64_MIN, 1n)).toBe(INT64_MAX);
    expect(ringMul(2n ** 32n, 2n ** 32n)).toBe(0n);
    expect(ringMul(2n ** 62n, 2n)).toBe(INT64_MIN);
    expect(ringMul(-3n, 5n)).toBe(-15n);
    // A fixed-point product: 0.1 · 0.7 at f = 16, truncated once.
    expect(truncate(ringMul(encodeFixed(0.1), encodeFixed(0.7)), 16)).toBe(4587n); // 6554·45875/65536 = 4587.5…
  });
});
