import { describe, expect, it } from 'vitest';
import { BUILT_IN_CONTROLLERS } from '../../src/control/registry.js';
import { mealBolusU, STANDARD_THERAPY_DEFAULTS, StandardTherapy, standardTherapyEntry } from '../../src/control/standardTherapy.js';
import type { AnnouncedMeal, Observation, TherapySettings } from '../../src/control/types.js';
import { InputError } from '../../src/io/errors.js';

const therapy: TherapySettings = {
  patient: 'adult#001',
  basalRateUPerMin: 0.02,
  carbRatioGPerU: 10,
  correctionFactorMgDlPerU: 20,
  bodyWeightKg: 100,
};

function observation(timeMin: number, glucoseMgDl: number, meals: AnnouncedMeal[]): Observation {
  return { timeMin, day: 1, timeOfDayMin: timeMin, glucoseMgDl, glucoseTimeMin: timeMin, announcedMeals: meals, controlPeriodMin: 5 };
}

describe('standard therapy (docs/model.md §2)', () => {
  it('meal bolus = CHO/CR, plus (G − 140)/CF only above 150 mg/dL', () => {
    expect(mealBolusU(therapy, STANDARD_THERAPY_DEFAULTS, 60, 150)).toBeCloseTo(6, 12);
    expect(mealBolusU(therapy, STANDARD_THERAPY_DEFAULTS, 60, 151)).toBeCloseTo(6 + 11 / 20, 12);
    expect(mealBolusU(therapy, STANDARD_THERAPY_DEFAULTS, 60, 240)).toBeCloseTo(6 + 5, 12);
    expect(mealBolusU(therapy, { ...STANDARD_THERAPY_DEFAULTS, correction: false }, 60, 240)).toBeCloseTo(6, 12);
  });

  it('basal every period; each announced meal bolused once, at the last control instant before intake', () => {
    const c = new StandardTherapy(therapy);
    const meal = (now: number): AnnouncedMeal => ({ id: 3, intakeMin: 100, estimatedCarbsG: 45, leadMin: 100 - now });
    expect(c.decide(observation(70, 120, [meal(70)]))).toEqual({ basalUPerMin: 0.02, bolusU: 0 });
    expect(c.decide(observation(95, 120, [meal(95)])).bolusU).toBe(0);
    expect(c.decide(observation(100, 120, [meal(100)])).bolusU).toBeCloseTo(4.5, 12);
    expect(c.decide(observation(105, 120, [meal(105)])).bolusU).toBe(0);
  });

  it('a meal between control instants is bolused at the instant before it', () => {
    const c = new StandardTherapy(therapy);
    expect(c.decide(observation(95, 120, [{ id: 1, intakeMin: 98, estimatedCarbsG: 20, leadMin: 3 }])).bolusU).toBeCloseTo(2, 12);
  });

  it('pre-bolus option moves the bolus earlier', () => {
    const c = new StandardTherapy(therapy, { ...STANDARD_THERAPY_DEFAULTS, preBolusMin: 15 });
    expect(c.decide(observation(80, 120, [{ id: 1, intakeMin: 100, estimatedCarbsG: 20, leadMin: 20 }])).bolusU).toBe(0);
    expect(c.decide(observation(85, 120, [{ id: 1, intakeMin: 100, estimatedCarbsG: 20, leadMin: 15 }])).bolusU).toBeCloseTo(2, 12);
  });

  it('bolus at announcement: at the first control instant that sees the meal', () => {
    const c = new StandardTherapy(therapy, { ...STANDARD_THERAPY_DEFAULTS, bolusTiming: 'announcement' });
    const meal = (now: number): AnnouncedMeal => ({ id: 4, intakeMin: 130, estimatedCarbsG: 30, leadMin: 130 - now });
    expect(c.decide(observation(100, 120, [meal(100)])).bolusU).toBeCloseTo(3, 12);
    expect(c.decide(observation(125, 120, [meal(125)])).bolusU).toBe(0);
  });

  it('registry validates names and options with the field path', () => {
    expect(BUILT_IN_CONTROLLERS.names).toContain('standard-therapy');
    expect(() => BUILT_IN_CONTROLLERS.get('mpc', 's.json')).toThrow(/s\.json: controller\.name: unknown controller 'mpc'/);
    const entry = BUILT_IN_CONTROLLERS.get('standard-therapy', 's.json');
    expect(entry).toBe(standardTherapyEntry);
    const source = { file: 's.json', field: 'controller.options' };
    const parse = (o: Record<string, unknown>) => BUILT_IN_CONTROLLERS.parseOptions('standard-therapy', o, source);
    expect(() => parse({ target: 120 })).toThrow(/controller\.options\.target: unknown property/);
    expect(() => parse({ targetMgDl: '120' })).toThrow(InputError);
    expect(() => parse({ preBolusMin: -5 })).toThrow(/controller\.options\.preBolusMin: must be ≥ 0/);
    expect(() => parse({ carbRatioGPerU: 0 })).toThrow(/controller\.options\.carbRatioGPerU: must be > 0/);
    expect(parse({ targetMgDl: 120, correction: false })).toEqual({ ...STANDARD_THERAPY_DEFAULTS, targetMgDl: 120, correction: false });
    // A pre-bolus is timed from intake; with announcement timing it would be silently ignored.
    expect(() => parse({ bolusTiming: 'announcement', preBolusMin: 10 })).toThrow(/controller\.options\.preBolusMin: a pre-bolus is timed from intake/);
  });
});
