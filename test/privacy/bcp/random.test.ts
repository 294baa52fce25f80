/**
 * randomBelow and randomInRange are uniform: no modulo bias (a chi-square
 * test on a bound just above 3·2^k, where reducing bytes mod the bound is
 * visibly biased — the same test is shown to catch that), values near the
 * bound occur as often as they should, and ranges are inclusive.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { randomBelow, randomInRange } from '../../../src/privacy/bcp/random.js';

/** Pearson's χ² of the counts of `draws` values in [0, bins) against the uniform distribution. */
function chiSquare(draw: () => number, bins: number, draws: number): number {
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < draws; i++) counts[draw()]++;
  const expected = draws / bins;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

/** Upper 10^-6 quantile of χ² with k degrees of freedom (Wilson–Hilferty; z = 4.753): a false alarm once in a million runs. */
function chiSquareCritical(k: number): number {
  const z = 4.753;
  const a = 2 / (9 * k);
  return k * (1 - a + z * Math.sqrt(a)) ** 3;
}

describe('randomBelow', () => {
  // 49 = 3·2^4 + 1: 6 bits are drawn and 15 of 64 values rejected; 256 mod 49 = 11, so bytes mod 49 favour 0…10 by 6/5.
  const bound = 3 * 2 ** 4 + 1;
  const draws = 98_000;

  it('is uniform on a small bound (χ² test, 98 000 draws)', () => {
    const stat = chiSquare(() => Number(randomBelow(BigInt(bound))), bound, draws);
    expect(stat).toBeLessThan(chiSquareCritical(bound - 1));
  });

  it('the χ² test does catch modulo bias (a byte mod 49 fails it)', () => {
    const stat = chiSquare(() => randomBytes(1)[0] % bound, bound, draws);
    expect(stat).toBeGreaterThan(chiSquareCritical(bound - 1));
  });

  it('reaches the top of a large bound as often as the bottom (3·2^100 + 1)', () => {
    const big = 3n * 2n ** 100n + 1n;
    const n = 3000;
    let top = 0;
    let aboveHalfPower = 0;
    let max = 0n;
    for (let i = 0; i < n; i++) {
      const x = randomBelow(big);
      expect(x >= 0n && x < big).toBe(true);
      if (x > max) max = x;
      if (x >= big - big / 12n) top++;
      if (x >= 2n ** 101n) aboveHalfPower++;
    }
    // The top twelfth holds 1/12 of the draws (sd ≈ 15 of 250); [2^101, bound) a third (sd ≈ 26 of 1000).
    expect(Math.abs(top - n / 12)).toBeLessThan(5 * 15);
    expect(Math.abs(aboveHalfPower - n / 3)).toBeLessThan(5 * 26);
    expect(max > big - big / 100n).toBe(true);
  });

  it('bound 1 gives 0; bounds below 1 and non-bigints are refused', () => {
    expect(randomBelow(1n)).toBe(0n);
    expect(() => randomBelow(0n)).toThrow(RangeError);
    expect(() => randomBelow(-5n)).toThrow(RangeError);
    expect(() => randomBelow(5 as unknown as bigint)).toThrow(RangeError);
  });

  it('a power of two as the bound: every value of [0, 2^k) occurs', () => {
    const seen = new Set<bigint>();
    for (let i = 0; i < 2000; i++) seen.add(randomBelow(16n));
    expect(seen.size).toBe(16);
  });
});

describe('randomInRange', () => {
  it('includes both ends and nothing outside', () => {
    const counts = new Map<bigint, number>();
    for (let i = 0; i < 3000; i++) {
      const x = randomInRange(5n, 7n);
      counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([5n, 6n, 7n]);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(5 * 26);
    expect(randomInRange(9n, 9n)).toBe(9n);
    expect(randomInRange(-3n, -3n)).toBe(-3n);
    expect(() => randomInRange(2n, 1n)).toThrow(RangeError);
  });
});
