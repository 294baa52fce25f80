/**
 * The search for the lowest score over (basal-rate factor, carb-ratio factor),
 * the two multipliers of a patient's starting therapy (docs/model.md §2.7).
 * Deterministic, and pure but for the score it is given (which it calls one
 * point at a time, in a fixed order):
 *
 * 1. Every point of a coarse grid, `coarseStep` apart on both axes over the
 *    factor ranges: the score of a therapy need not be convex (a low-glucose
 *    risk that rises steeply on one side, a flat high-glucose one on the
 *    other), so no local method starts blind.
 * 2. From the best of them, a pattern (compass) search: poll the 8
 *    neighbours at ±step on each axis and diagonally, move to the best one
 *    while it is strictly better, and when none is, halve the step; after
 *    `refinements` halvings it stops at a point no neighbour at the finest
 *    step beats.
 *
 * Points lie on one integer lattice of the finest step, so a point is never
 * scored twice (the cache) and factors are exact multiples of it, printed
 * without rounding. Ties keep the first point found (coarse grid: basal
 * factor ascending, then CR factor ascending; polls in the same order), so
 * the result does not depend on timing. A result on the edge of the ranges is
 * flagged: the best therapy may lie beyond them.
 */

export interface FactorRange {
  readonly min: number;
  readonly max: number;
}

export interface TherapyGrid {
  readonly basalFactor: FactorRange;
  readonly carbRatioFactor: FactorRange;
  /** Spacing of the coarse grid on both axes; each range must be a whole number of steps. */
  readonly coarseStep: number;
  /** Halvings of the step after the coarse grid: the finest step is coarseStep / 2^refinements. */
  readonly refinements: number;
}

/**
 * 0.5–1.5 × the basal rate and 0.5–2.5 × the CR, 0.1 apart, refined three
 * times to 0.0125: 231 coarse points and 15–40 more (measured on the S2008
 * subjects). No optimum reaches the CR bounds; 8 of 30 sit on the lower
 * basal bound, which is a constraint: below it the standard day's fixed
 * meals let boluses stand in for basal (docs/model.md §2.7).
 */
export const DEFAULT_THERAPY_GRID: TherapyGrid = {
  basalFactor: { min: 0.5, max: 1.5 },
  carbRatioFactor: { min: 0.5, max: 2.5 },
  coarseStep: 0.1,
  refinements: 3,
};

/** Most halvings a grid may ask for: 0.1 / 2^6 ≈ 0.0016 is already far below what a pump can set. */
export const MAX_REFINEMENTS = 6;

/** The score of one therapy, lower is better; may be asynchronous (a simulation). */
export type FactorScore = (basalFactor: number, carbRatioFactor: number) => number | Promise<number>;

export type GridEdge = 'basal factor at its minimum' | 'basal factor at its maximum' | 'CR factor at its minimum' | 'CR factor at its maximum';

export interface FactorSearchResult {
  readonly basalFactor: number;
  readonly carbRatioFactor: number;
  readonly score: number;
  /** Points scored (each once). */
  readonly evaluations: number;
  /** The edges of the ranges the result lies on: the best therapy may lie beyond them. */
  readonly atEdge: readonly GridEdge[];
}

/** Why the grid cannot be searched, or undefined. */
export function gridProblem(grid: TherapyGrid): string | undefined {
  if (!(Number.isInteger(grid.refinements) && grid.refinements >= 0 && grid.refinements <= MAX_REFINEMENTS)) {
    return `refinements must be a whole number from 0 to ${MAX_REFINEMENTS}, got ${grid.refinements}`;
  }
  if (!(Number.isFinite(grid.coarseStep) && grid.coarseStep > 0)) return `the coarse step must be > 0, got ${grid.coarseStep}`;
  for (const [name, range] of [
    ['basal factor', grid.basalFactor],
    ['CR factor', grid.carbRatioFactor],
  ] as const) {
    if (!(Number.isFinite(range.min) && range.min > 0 && range.max >= range.min)) return `the ${name} range must have 0 < min ≤ max, got ${range.min}–${range.max}`;
    const steps = (range.max - range.min) / grid.coarseStep;
    if (Math.abs(steps - Math.round(steps)) > 1e-9) return `the ${name} range ${range.min}–${range.max} is not a whole number of coarse steps of ${grid.coarseStep}`;
  }
  return undefined;
}

/** Points of the coarse grid. */
export function coarsePointCount(grid: TherapyGrid): number {
  const count = (range: FactorRange) => Math.round((range.max - range.min) / grid.coarseStep) + 1;
  return count(grid.basalFactor) * count(grid.carbRatioFactor);
}

/** A factor on the lattice, with the binary noise of min + i·unit removed (0.5 + 8 × 0.0125 is 0.6, not 0.6000000000000001). */
function latticeValue(range: FactorRange, unit: number, index: number): number {
  return Number((range.min + index * unit).toFixed(12));
}

/**
 * The factors of the lowest score (see the module comment). `onEvaluation`
 * is called after each point is scored (progress).
 */
export async function searchFactors(score: FactorScore, grid: TherapyGrid, onEvaluation?: () => void): Promise<FactorSearchResult> {
  const problem = gridProblem(grid);
  if (problem !== undefined) throw new RangeError(`therapy grid: ${problem}`);
  const finestPerCoarse = 2 ** grid.refinements;
  const unit = grid.coarseStep / finestPerCoarse;
  const lastB = Math.round((grid.basalFactor.max - grid.basalFactor.min) / unit);
  const lastC = Math.round((grid.carbRatioFactor.max - grid.carbRatioFactor.min) / unit);
  const cache = new Map<number, number>();
  const scoreAt = async (b: number, c: number): Promise<number> => {
    const key = b * (lastC + 1) + c;
    const known = cache.get(key);
    if (known !== undefined) return known;
    const value = await score(latticeValue(grid.basalFactor, unit, b), latticeValue(grid.carbRatioFactor, unit, c));
    // A score that is not a number (a failed simulation) must never win.
    const s = Number.isNaN(value) ? Infinity : value;
    cache.set(key, s);
    onEvaluation?.();
    return s;
  };

  let bestB = 0;
  let bestC = 0;
  let best = Infinity;
  for (let b = 0; b <= lastB; b += finestPerCoarse) {
    for (let c = 0; c <= lastC; c += finestPerCoarse) {
      const s = await scoreAt(b, c);
      if (s < best || (b === 0 && c === 0)) {
        best = s;
        bestB = b;
        bestC = c;
      }
    }
  }
  for (let step = finestPerCoarse / 2; step >= 1; step /= 2) {
    // Strictly better moves on a finite lattice: the loop ends.
    for (;;) {
      let moveB = bestB;
      let moveC = bestC;
      let moveScore = best;
      for (const db of [-step, 0, step]) {
        for (const dc of [-step, 0, step]) {
          const b = bestB + db;
          const c = bestC + dc;
          if ((db === 0 && dc === 0) || b < 0 || b > lastB || c < 0 || c > lastC) continue;
          const s = await scoreAt(b, c);
          if (s < moveScore) {
            moveScore = s;
            moveB = b;
            moveC = c;
          }
        }
      }
      if (moveB === bestB && moveC === bestC) break;
      bestB = moveB;
      bestC = moveC;
      best = moveScore;
    }
  }
  const atEdge: GridEdge[] = [];
  if (bestB === 0) atEdge.push('basal factor at its minimum');
  if (bestB === lastB) atEdge.push('basal factor at its maximum');
  if (bestC === 0) atEdge.push('CR factor at its minimum');
  if (bestC === lastC) atEdge.push('CR factor at its maximum');
  return {
    basalFactor: latticeValue(grid.basalFactor, unit, bestB),
    carbRatioFactor: latticeValue(grid.carbRatioFactor, unit, bestC),
    score: best,
    evaluations: cache.size,
    atEdge,
  };
}
