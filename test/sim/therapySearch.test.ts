import { describe, expect, it } from 'vitest';
import { coarsePointCount, DEFAULT_THERAPY_GRID, gridProblem, searchFactors, type TherapyGrid } from '../../src/sim/therapySearch.js';

/** A bowl with its minimum at (b0, c0); anisotropic and tilted, as a risk surface is. */
function bowl(b0: number, c0: number) {
  return (b: number, c: number) => 3 * (b - b0) ** 2 + (c - c0) ** 2 + 0.8 * (b - b0) * (c - c0) + 1;
}

describe('searchFactors: coarse grid, then pattern search with halving steps (docs/model.md §2.7)', () => {
  it('finds the minimum of a bowl that lies on the finest lattice exactly', async () => {
    // 0.8375 = 0.5 + 27 × 0.0125, 1.4125 = 0.5 + 73 × 0.0125: between coarse points on both axes.
    const result = await searchFactors(bowl(0.8375, 1.4125), DEFAULT_THERAPY_GRID);
    expect(result.basalFactor).toBe(0.8375);
    expect(result.carbRatioFactor).toBe(1.4125);
    expect(result.score).toBe(1);
    expect(result.atEdge).toEqual([]);
    // The coarse grid, then a few polls of 8 per step.
    expect(coarsePointCount(DEFAULT_THERAPY_GRID)).toBe(11 * 21);
    expect(result.evaluations).toBeGreaterThan(231);
    expect(result.evaluations).toBeLessThan(231 + 3 * 8 * 4);
  });

  it('off the lattice, ends on the lattice point of the lowest score (the bowl is convex: the best of all lattice points)', async () => {
    const score = bowl(0.91234, 1.77777);
    const result = await searchFactors(score, DEFAULT_THERAPY_GRID);
    let best = Infinity;
    let at = [0, 0];
    for (let i = 0; i <= 80; i++) {
      for (let j = 0; j <= 160; j++) {
        const b = 0.5 + i * 0.0125;
        const c = 0.5 + j * 0.0125;
        if (score(b, c) < best) {
          best = score(b, c);
          at = [b, c];
        }
      }
    }
    expect(result.basalFactor).toBeCloseTo(at[0], 12);
    expect(result.carbRatioFactor).toBeCloseTo(at[1], 12);
  });

  it('the coarse grid picks the basin of the global minimum, beside a shallower local one', async () => {
    // A wide shallow bowl at (0.6, 0.8) and a narrow deeper one at (1.3, 2.2).
    const score = (b: number, c: number) => Math.min(2 + (b - 0.6) ** 2 + (c - 0.8) ** 2, 1 + 40 * ((b - 1.3) ** 2 + (c - 2.2) ** 2));
    const result = await searchFactors(score, DEFAULT_THERAPY_GRID);
    expect([result.basalFactor, result.carbRatioFactor]).toEqual([1.3, 2.2]);
  });

  it('flags an optimum on the edge of the ranges', async () => {
    const result = await searchFactors(bowl(0.2, 3), DEFAULT_THERAPY_GRID);
    expect([result.basalFactor, result.carbRatioFactor]).toEqual([0.5, 2.5]);
    expect(result.atEdge).toEqual(['basal factor at its minimum', 'CR factor at its maximum']);
  });

  it('scores each point once, in a fixed order, and keeps the first of equal scores', async () => {
    const seen: string[] = [];
    const flat = (b: number, c: number) => {
      seen.push(`${b} ${c}`);
      return 5;
    };
    const result = await searchFactors(flat, DEFAULT_THERAPY_GRID);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen[0]).toBe('0.5 0.5');
    expect(seen[1]).toBe('0.5 0.6');
    expect([result.basalFactor, result.carbRatioFactor]).toEqual([0.5, 0.5]);
    const again: string[] = [];
    await searchFactors((b, c) => {
      again.push(`${b} ${c}`);
      return 5;
    }, DEFAULT_THERAPY_GRID);
    expect(again).toEqual(seen);
  });

  it('an asynchronous score, a NaN score (never the best) and refinements 0 (the coarse grid only)', async () => {
    const grid: TherapyGrid = { ...DEFAULT_THERAPY_GRID, refinements: 0 };
    const score = bowl(1.04, 0.97);
    const result = await searchFactors(async (b, c) => (b === 1 && c === 1 ? NaN : score(b, c)), grid);
    expect(result.evaluations).toBe(231);
    expect([result.basalFactor, result.carbRatioFactor]).toEqual([1, 0.9]);
  });

  it('counts evaluations through onEvaluation', async () => {
    let calls = 0;
    const result = await searchFactors(bowl(1, 1), DEFAULT_THERAPY_GRID, () => calls++);
    expect(calls).toBe(result.evaluations);
  });

  it('refuses a grid that is not a whole number of steps, or bad refinements', async () => {
    expect(gridProblem(DEFAULT_THERAPY_GRID)).toBeUndefined();
    expect(gridProblem({ ...DEFAULT_THERAPY_GRID, coarseStep: 0.3 })).toMatch(/not a whole number of coarse steps/);
    expect(gridProblem({ ...DEFAULT_THERAPY_GRID, refinements: 7 })).toMatch(/refinements must be a whole number from 0 to 6/);
    expect(gridProblem({ ...DEFAULT_THERAPY_GRID, basalFactor: { min: 0, max: 1 } })).toMatch(/basal factor range must have 0 < min/);
    await expect(searchFactors(bowl(1, 1), { ...DEFAULT_THERAPY_GRID, coarseStep: -1 })).rejects.toThrow(/therapy grid: the coarse step must be > 0/);
  });
});
