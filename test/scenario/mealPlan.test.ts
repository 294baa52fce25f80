import { describe, expect, it } from 'vitest';
import { randomStream } from '../../src/random/streams.js';
import { loadScenario, parseScenario } from '../../src/scenario/load.js';
import { planMeals } from '../../src/scenario/mealPlan.js';
import type { PlannedMeal, Scenario } from '../../src/scenario/types.js';
import { RANDOMISED_FILE, SINGLE_MEAL_FILE, randomisedJson, singleMealJson } from './helpers.js';

const SEEDS = Array.from({ length: 200 }, (_, i) => i + 1);
const plan = (scenario: Scenario, seed: number | string): PlannedMeal[] =>
  planMeals(scenario, randomStream(seed, 'adult#001', 'meals'));

/** Daskalaki, Diem & Mougiakakou 2014, §3.3.2, ranges, in minutes after midnight. */
const RANGES: Record<string, { carbs: [number, number]; from: number; to: number }> = {
  breakfast: { carbs: [30, 60], from: 7 * 60, to: 11 * 60 },
  lunch: { carbs: [70, 100], from: 13 * 60, to: 16 * 60 },
  dinner: { carbs: [70, 110], from: 20 * 60, to: 22 * 60 },
  snack: { carbs: [20, 40], from: 23 * 60, to: 24 * 60 },
};

describe('randomised protocol over 200 seeds', () => {
  const scenario = loadScenario(RANDOMISED_FILE);
  const plans = SEEDS.map((seed) => plan(scenario, seed));

  it('every meal respects its ranges', () => {
    for (const meals of plans) {
      for (const m of meals) {
        const r = RANGES[m.label];
        expect(r, m.label).toBeDefined();
        expect(Number.isInteger(m.startMin)).toBe(true);
        expect(m.startMin).toBeGreaterThanOrEqual(0);
        expect(m.startMin).toBeLessThan(10 * 1440);
        const timeOfDay = m.startMin % 1440;
        expect(timeOfDay).toBeGreaterThanOrEqual(r!.from);
        expect(timeOfDay).toBeLessThan(r!.to);
        expect(m.carbsG).toBeGreaterThanOrEqual(r!.carbs[0]);
        expect(m.carbsG).toBeLessThanOrEqual(r!.carbs[1]);
        expect(m.estimatedCarbsG).toBeGreaterThanOrEqual(0.5 * m.carbsG - 1e-9);
        expect(m.estimatedCarbsG).toBeLessThanOrEqual(1.5 * m.carbsG + 1e-9);
        expect(m.durationMin).toBe(15);
        expect(m.announceMin).toBe(m.startMin - 30);
      }
    }
  });

  it('is sorted, with at most one meal of each kind a day', () => {
    for (const meals of plans) {
      for (let i = 1; i < meals.length; i++) expect(meals[i]!.startMin).toBeGreaterThanOrEqual(meals[i - 1]!.startMin);
      const keys = meals.map((m) => `${Math.floor(m.startMin / 1440)}:${m.label}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('spreads draws over the whole ranges', () => {
    const all = plans.flat();
    for (const [label, r] of Object.entries(RANGES)) {
      const meals = all.filter((m) => m.label === label);
      const times = meals.map((m) => m.startMin % 1440);
      const carbs = meals.map((m) => m.carbsG);
      // With ≥ 1600 draws per kind, both ends of each range are reached
      // (time: the first and the last minute of the window; carbs within 1 %).
      expect(Math.min(...times)).toBe(r.from);
      expect(Math.max(...times)).toBe(r.to - 1);
      const width = r.carbs[1] - r.carbs[0];
      expect(Math.min(...carbs)).toBeLessThan(r.carbs[0] + 0.01 * width);
      expect(Math.max(...carbs)).toBeGreaterThan(r.carbs[1] - 0.01 * width);
    }
    const errors = all.map((m) => m.estimatedCarbsG / m.carbsG - 1);
    expect(Math.min(...errors)).toBeLessThan(-0.49);
    expect(Math.max(...errors)).toBeGreaterThan(0.49);
    // Uniform on [−0.5, 0.5]: mean 0, sd 1/√12 ≈ 0.289; 4 standard errors.
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    expect(Math.abs(mean)).toBeLessThan((4 * 0.289) / Math.sqrt(errors.length));
  });

  it('never omits breakfast or lunch (probability 0)', () => {
    for (const meals of plans) {
      expect(meals.filter((m) => m.label === 'breakfast')).toHaveLength(10);
      expect(meals.filter((m) => m.label === 'lunch')).toHaveLength(10);
    }
  });

  it('omits dinners and snacks at their probability, 0.2', () => {
    // n = 200 seeds × 10 days = 2000 chances per kind; omissions ~ Binomial(n, p):
    // accept within 4 standard deviations, √(n p (1 − p)) ≈ 17.9, of n p = 400.
    const n = SEEDS.length * 10;
    const p = 0.2;
    const tolerance = 4 * Math.sqrt(n * p * (1 - p));
    for (const label of ['dinner', 'snack']) {
      const eaten = plans.reduce((sum, meals) => sum + meals.filter((m) => m.label === label).length, 0);
      expect(Math.abs(n - eaten - n * p), label).toBeLessThanOrEqual(tolerance);
    }
  });

  it('gives the same plan for the same seed and a different one for each other seed', () => {
    expect(plan(scenario, 7)).toEqual(plans[6]);
    expect(plan(scenario, 'seven')).toEqual(plan(scenario, 'seven'));
    expect(new Set(plans.map((p) => JSON.stringify(p))).size).toBe(plans.length);
  });
});

describe('omission', () => {
  function withDinnerOmission(p: number, days: number): Scenario {
    const json = randomisedJson();
    json.days = days;
    json.meals.protocol.meals[2].omitProbability = p;
    return parseScenario(json, 'omit.json');
  }

  it('matches a probability of 0.5 over 3650 days (the longest run) within 4 standard deviations', () => {
    const n = 3650;
    const eaten = plan(withDinnerOmission(0.5, n), 3).filter((m) => m.label === 'dinner').length;
    // sd = √(3650 · 0.25) ≈ 30.2
    expect(Math.abs(n - eaten - n * 0.5)).toBeLessThanOrEqual(4 * Math.sqrt(n * 0.25));
  });

  it('omits every meal of probability 1', () => {
    expect(plan(withDinnerOmission(1, 30), 3).filter((m) => m.label === 'dinner')).toHaveLength(0);
  });

  it('does not shift the draws of the other meals', () => {
    const always = plan(withDinnerOmission(0, 30), 11);
    const never = plan(withDinnerOmission(1, 30), 11);
    expect(never).toEqual(always.filter((m) => m.label !== 'dinner'));
  });
});

describe('scenario start after midnight', () => {
  it('drops meals before the start and draws the morning after the last day', () => {
    const json = randomisedJson();
    json.days = 1;
    json.startTime = '12:00';
    for (const m of json.meals.protocol.meals) m.omitProbability = 0;
    for (const seed of SEEDS.slice(0, 50)) {
      const meals = plan(parseScenario(json, 'noon.json'), seed);
      expect(meals.map((m) => m.label)).toEqual(['lunch', 'dinner', 'snack', 'breakfast']);
      // Lunch 13:00–16:00 on day 1 is 60–240 min after noon; breakfast on day 2 is 1140–1380.
      expect(meals[0]!.startMin).toBeGreaterThanOrEqual(60);
      expect(meals[0]!.startMin).toBeLessThan(240);
      expect(meals[3]!.startMin).toBeGreaterThanOrEqual(1140);
      expect(meals[3]!.startMin).toBeLessThan(1380);
    }
  });
});

describe('meal list', () => {
  it('gives exactly its meals, sorted, with defaults filled', () => {
    const json = singleMealJson();
    json.days = 2;
    json.meals = {
      list: [
        { day: 2, time: '12:00', carbsG: 60, estimatedCarbsG: 40, durationMin: 20 },
        { day: 1, time: '07:30', carbsG: 50 },
      ],
      durationMin: 15,
      announceLeadMin: 30,
    };
    expect(plan(parseScenario(json, 'list.json'), 1)).toEqual([
      { startMin: 450, carbsG: 50, estimatedCarbsG: 50, durationMin: 15, announceMin: 420, label: 'meal' },
      { startMin: 1440 + 720, carbsG: 60, estimatedCarbsG: 40, durationMin: 20, announceMin: 1440 + 690, label: 'meal' },
    ]);
  });

  it('counts list times from the scenario start', () => {
    const json = singleMealJson();
    json.startTime = '06:00';
    expect(plan(parseScenario(json, 'list.json'), 1).map((m) => m.startMin)).toEqual([120]);
  });

  it('the shipped single-meal scenario plans one 50 g meal at 08:00', () => {
    expect(plan(loadScenario(SINGLE_MEAL_FILE), 1)).toEqual([
      { startMin: 480, carbsG: 50, estimatedCarbsG: 50, durationMin: 10, announceMin: 480, label: 'meal' },
    ]);
  });
});
