import { describe, expect, it } from 'vitest';
import { dailySlope, pairedInterval, seedInterval, studentT975 } from '../../src/report/seedStatistics.js';

describe('intervals over seeds', () => {
  it("Student's t(0.975): the table, and past it the expansion against published quantiles", () => {
    expect(studentT975(4)).toBe(2.776);
    expect(studentT975(19)).toBe(2.093);
    // t(0.975) for df 40, 60, 120 (NIST/SEMATECH table): 2.021, 2.000, 1.980.
    expect(studentT975(40)).toBeCloseTo(2.021, 3);
    expect(studentT975(60)).toBeCloseTo(2.0, 3);
    expect(studentT975(120)).toBeCloseTo(1.98, 3);
    expect(studentT975(31)).toBeGreaterThan(2.03);
    expect(studentT975(31)).toBeLessThan(studentT975(30));
    expect(studentT975(0)).toBeNaN();
  });

  it('mean ± t·SD/√n on hand-computed data; fewer than two values give no interval', () => {
    const r = seedInterval([1, 2, 3, 4, 5]);
    expect(r.mean).toBe(3);
    expect(r.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(r.high - r.mean).toBeCloseTo((2.776 * Math.sqrt(2.5)) / Math.sqrt(5), 12);
    expect(r.mean - r.low).toBeCloseTo(r.high - r.mean, 12);
    expect(seedInterval([7, NaN]).low).toBeNaN();
    expect(seedInterval([7, NaN]).mean).toBe(7);
    expect(seedInterval([]).n).toBe(0);
  });

  it('paired differences remove what the seeds share', () => {
    const shared = [10, 40, 25, 60, 5];
    const a = shared.map((v) => v + 2);
    const p = pairedInterval(a, shared);
    expect(p.mean).toBe(2);
    expect(p.sd).toBe(0);
    expect(p.low).toBe(2);
    expect(() => pairedInterval([1], [1, 2])).toThrow(/paired/);
  });

  it('slope per day of a line, and of noisy data symmetric about a line', () => {
    expect(dailySlope([3, 1, -1, -3])).toBeCloseTo(-2, 12);
    expect(dailySlope([5, NaN, 9])).toBeCloseTo(2, 12);
    expect(dailySlope([1, 3, 3, 5])).toBeCloseTo(1.2, 12);
    expect(dailySlope([4])).toBeNaN();
  });
});
