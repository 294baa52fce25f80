/**
 * The experiment's results from hand-made outcomes: per-patient-day CVGA
 * shares, the other kind of point beside them, the daily-LBGI slope over
 * seeds and the paired comparisons, each against a count done by hand.
 */
import { describe, expect, it } from 'vitest';
import type { CvgaPoint, CvgaZone } from '../../src/metrics/cvga.js';
import type { CvgaDayPoint } from '../../src/metrics/cvgaDays.js';
import { type JobOutcome, summariseStudy } from '../../src/report/experimentReport.js';
import type { Experiment, ExperimentPlan } from '../../src/sim/experiment.js';

const point = (zone: CvgaZone): CvgaPoint => {
  const [minMgDl, maxMgDl] = zone === 'A' ? [100, 170] : [60, 350];
  return { minMgDl, maxMgDl, rawMinMgDl: minMgDl, rawMaxMgDl: maxMgDl, zone };
};
const day = (zone: CvgaZone, dayIndex: number): CvgaDayPoint => ({ ...point(zone), dayIndex });

function outcome(window: CvgaZone, days: CvgaZone[], dailyLbgi: number[]): JobOutcome {
  return {
    cvga: point(window), cvgaDays: days.map(day), dailyLbgi, basalUPerH: [], icUPerG: [], transferEntropyBits: NaN,
    thetaInitial: [], thetaFinal: [], phases: [],
  };
}

/** Two arms × two seeds × patients p1 (adults), p2 (children), p3 (children, excluded); a 3-day trial, all 3 days in the window. */
function study(points: Experiment['cvgaPoints']) {
  const patients = [
    { name: 'p1', group: 'adults' },
    { name: 'p2', group: 'children' },
    { name: 'p3', group: 'children' },
  ];
  const experiment = {
    scenario: { days: 3 }, windowDays: 3, runInDays: 0, cvgaPoints: points, compare: [['B', 'A']],
    exclude: { patients: ['p3'], reason: 'test' }, arms: [{ name: 'A' }, { name: 'B' }],
  } as unknown as Experiment;
  const jobs = [0, 1].flatMap((arm) => [0, 1].flatMap((seedIndex) => patients.map((p) => ({ arm, seedIndex, patient: p.name, seed: seedIndex + 1, scenario: arm }))));
  const plan = { patients, seeds: [1, 2], jobs, phases: [[], []] } as unknown as ExperimentPlan;
  // Arm A: p1 in A on every day; p2 in A on day 1 only; p3 never. Arm B: p2 in A on two days, and on all three in seed 2.
  const outcomes = jobs.map((j) => {
    if (j.patient === 'p1') return outcome('A', ['A', 'A', 'A'], [1, 1, 1]);
    if (j.patient === 'p3') return outcome('E', ['E', 'E', 'E'], [9, 9, 9]);
    if (j.arm === 0) return outcome('E', ['A', 'E', 'E'], [6, 5, 4]);
    return j.seedIndex === 0 ? outcome('E', ['A', 'A', 'E'], [6, 4, 2]) : outcome('A', ['A', 'A', 'A'], [6, 3, 0]);
  });
  return summariseStudy(experiment, plan, outcomes);
}

describe('experiment results from hand-made outcomes', () => {
  it('% A+B per patient-day counts every day of every patient; per patient one point each', () => {
    const { arms } = study('patient-day');
    const [a, b] = arms;
    // Arm A, each seed: 9 patient-days, of which p1's 3 and p2's first are in A: 4/9.
    for (const v of a.percentAB.overall.perSeed) expect(v).toBeCloseTo((4 / 9) * 100, 12);
    // Without p3: 6 patient-days, 4 in A.
    expect(a.percentABWithExclusions!.overall.mean).toBeCloseTo((4 / 6) * 100, 12);
    // Children without p3: p2 alone, 1 of 3 days.
    expect(a.percentABWithExclusions!.children.mean).toBeCloseTo(100 / 3, 12);
    // Arm B: seed 1 p2 has 2 of 3 days, seed 2 all 3.
    expect(b.percentAB.children.perSeed[0]).toBeCloseTo((2 / 6) * 100, 12);
    expect(b.percentAB.children.perSeed[1]).toBeCloseTo((3 / 6) * 100, 12);
    // The other kind of point: one per patient over the window (arm A: p1 only in A, 1 of 3).
    expect(a.percentABOtherPoints.points).toBe('patient');
    expect(a.percentABOtherPoints.overall.mean).toBeCloseTo(100 / 3, 12);
    const perPatient = study('patient').arms[0];
    expect(perPatient.percentAB.overall.mean).toBeCloseTo(100 / 3, 12);
    expect(perPatient.percentABOtherPoints.overall.mean).toBeCloseTo((4 / 9) * 100, 12);
  });

  it('the daily-LBGI slope per group and seed, its interval, and B − A paired by seed', () => {
    const { arms, comparisons } = study('patient-day');
    const [a, b] = arms;
    // Children with p3: A's daily means (6+9)/2, (5+9)/2, (4+9)/2 fall by 0.5 a day in both seeds.
    expect(a.lbgiSlope.children.perSeed).toEqual([-0.5, -0.5]);
    expect(a.lbgiSlopeWithExclusions!.children.mean).toBeCloseTo(-1, 12);
    // B without p3: slopes −2 and −3 per day.
    expect(b.lbgiSlopeWithExclusions!.children.perSeed).toEqual([-2, -3]);
    expect(b.lbgiSlopeWithExclusions!.children.low).toBeCloseTo(-2.5 - (12.706 * Math.SQRT1_2) / Math.SQRT2, 12);
    const [c] = comparisons;
    expect([c.a, c.b]).toEqual(['B', 'A']);
    // B − A for children without p3: % A+B +1/3 and +2/3 of the days, slope −1 and −2.
    expect(c.percentABWithExclusions!.children.mean).toBeCloseTo(50, 12);
    expect(c.lbgiSlopeWithExclusions!.children.mean).toBeCloseTo(-1.5, 12);
    expect(c.lbgiSlopeWithExclusions!.children.n).toBe(2);
    // Adults are the same in both arms: a difference of exactly 0.
    expect(c.percentAB.adults).toMatchObject({ mean: 0, low: 0, high: 0 });
  });
});
