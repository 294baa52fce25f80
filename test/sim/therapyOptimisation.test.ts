/**
 * The simulator-optimised starting therapy (docs/model.md §2.7): the standard
 * day as defined, and one S2008 subject's search reproducing its row of the
 * shipped patients/uva-padova-s2008/optimised-therapy.csv to the printed
 * precision (the search is deterministic; ~2–5 s on one core).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { optimisedTherapyLine } from '../../src/cohort/optimisedTherapy.js';
import { loadPopulation } from '../../src/cohort/population.js';
import { uvaPadovaFiles } from '../../src/cohort/uvaPadova.js';
import { InputError } from '../../src/io/errors.js';
import { SCENARIOS_DIR } from '../../src/io/paths.js';
import { bgIndicesOf } from '../../src/metrics/risk.js';
import { loadScenario } from '../../src/scenario/load.js';
import { standardDayGlucose, standardDayOf, standardDayScenario } from '../../src/sim/standardDay.js';
import { optimiseTherapy } from '../../src/sim/therapyOptimisation.js';
import { DEFAULT_THERAPY_GRID } from '../../src/sim/therapySearch.js';

const SCENARIO = loadScenario(join(SCENARIOS_DIR, 'randomised-10day.json'));
const DAY = standardDayOf(SCENARIO);
const COHORT = loadPopulation('uva-padova-s2008', 'test', 'patients', { optimisedTherapy: false });

describe('the standard day (src/sim/standardDay.ts)', () => {
  it("is the randomised protocol's meals at the middle of their ranges, 3 days with the last 2 scored, no correction", () => {
    expect(DAY.meals).toEqual([
      { name: 'breakfast', timeOfDayMin: 9 * 60, carbsG: 45 },
      { name: 'lunch', timeOfDayMin: 14 * 60 + 30, carbsG: 85 },
      { name: 'dinner', timeOfDayMin: 21 * 60, carbsG: 90 },
      { name: 'snack', timeOfDayMin: 23 * 60 + 30, carbsG: 30 },
    ]);
    expect(DAY).toMatchObject({ durationMin: 15, announceLeadMin: 30, controlPeriodMin: 5, days: 3, scoredDays: 2, correction: false });
    const scenario = standardDayScenario(DAY, { basalUPerH: 1, carbRatioGPerU: 10 });
    expect(scenario.meals.kind === 'list' && scenario.meals.meals.length).toBe(12);
    expect(scenario.controller.options).toEqual({ bolusTiming: 'announcement', correction: false, basalUPerH: 1, carbRatioGPerU: 10 });
    expect([scenario.sensor.model, scenario.pump?.model]).toEqual(['ideal', 'ideal']);
  });

  it('scores the last two days: 2 × 1440 minutes of true glucose, the same on every call', async () => {
    const adult = COHORT.find((p) => p.name === 'adult#001')!;
    const therapy = { basalUPerH: adult.basalRateUPerMin * 60, carbRatioGPerU: adult.carbRatioGPerU! };
    const a = await standardDayGlucose(adult, DAY, therapy);
    expect(a.length).toBe(2 * 1440);
    expect(await standardDayGlucose(adult, DAY, therapy)).toEqual(a);
  });

  it('is made only from a meal protocol', () => {
    const listed = loadScenario(join(SCENARIOS_DIR, 'single-meal-1day.json'));
    expect(() => standardDayOf(listed)).toThrow(InputError);
    expect(() => standardDayOf(listed)).toThrow(/single-meal-1day\.json: meals: the standard day is made from a meal protocol/);
  });
});

describe('optimiseTherapy (src/sim/therapyOptimisation.ts)', () => {
  it("reproduces adult#001's row of the shipped optimised-therapy.csv", async () => {
    const shipped = readFileSync(uvaPadovaFiles().optimisedTherapyFile, 'utf8').split('\n').find((l) => l.startsWith('adult#001,'));
    let evaluations = 0;
    const optimum = await optimiseTherapy(COHORT.find((p) => p.name === 'adult#001')!, {
      day: DAY,
      grid: DEFAULT_THERAPY_GRID,
      riskOf: bgIndicesOf,
      onEvaluation: () => evaluations++,
    });
    expect(optimisedTherapyLine(optimum)).toBe(shipped);
    expect(optimum.evaluations).toBe(evaluations);
    expect(optimum.atEdge).toEqual([]);
    // Better than where it started, by construction.
    expect(optimum.lbgi + optimum.hbgi).toBeLessThan(optimum.start.lbgi + optimum.start.hbgi);
  }, 60_000);

  it('refuses a patient without a carb ratio, naming it', async () => {
    const t2dm = loadPopulation('t2dm-100', 'test')[0];
    await expect(optimiseTherapy(t2dm, { day: DAY, grid: DEFAULT_THERAPY_GRID, riskOf: bgIndicesOf })).rejects.toThrow(/^t2dm#001: the optimised therapy needs a basal rate and a carb ratio/);
  });
});
