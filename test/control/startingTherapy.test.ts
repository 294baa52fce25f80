import { describe, expect, it } from 'vitest';
import { loadPopulation } from '../../src/cohort/population.js';
import { BUILT_IN_CONTROLLERS } from '../../src/control/registry.js';
import { STANDARD_THERAPY_DEFAULTS, StandardTherapy, standardTherapyEntry, type StandardTherapyOptions } from '../../src/control/standardTherapy.js';
import { optimisedTherapyProblem, startingTherapy } from '../../src/control/startingTherapy.js';
import type { TherapySettings } from '../../src/control/types.js';
import { parseScenario } from '../../src/scenario/load.js';
import { checkCohortFitsController, runPatient, therapySettings } from '../../src/sim/patientRun.js';

const FILE = 'patients/uva-padova-s2008/optimised-therapy.csv';
const THERAPY: TherapySettings = {
  patient: 'adult#001',
  basalRateUPerMin: 0.02,
  carbRatioGPerU: 10,
  correctionFactorMgDlPerU: 20,
  bodyWeightKg: 100,
  optimised: { basalRateUPerMin: 0.015, carbRatioGPerU: 7.5 },
  optimisedTherapyFile: FILE,
};
const { optimised: _dropped, ...WITHOUT } = THERAPY;

describe('startingTherapy (src/control/startingTherapy.ts)', () => {
  it('cohort: the settings as they are; optimised: BR and CR replaced, the rest kept', () => {
    expect(startingTherapy(THERAPY, 'cohort')).toBe(THERAPY);
    expect(startingTherapy(THERAPY, 'optimised')).toEqual({ ...THERAPY, basalRateUPerMin: 0.015, carbRatioGPerU: 7.5 });
  });

  it('optimised without values: an error naming the patient and the file it would come from', () => {
    expect(() => startingTherapy(WITHOUT, 'optimised')).toThrow(`adult#001: no optimised therapy in ${FILE} (the file is missing or has no row for this patient: make it with glucosim optimise-therapy)`);
    const { optimisedTherapyFile: _file, ...noFile } = WITHOUT;
    expect(() => startingTherapy({ ...noFile, patient: 't2dm#001' }, 'optimised')).toThrow(/^t2dm#001: no optimised therapy: its cohort has none/);
    expect(optimisedTherapyProblem(THERAPY)).toBeUndefined();
    // The cohort's own settings need nothing more.
    expect(startingTherapy(WITHOUT, 'cohort')).toBe(WITHOUT);
  });
});

describe("standard-therapy's therapy option", () => {
  const source = { file: 's.json', field: 'controller.options' };
  const parse = (o: Record<string, unknown>) => BUILT_IN_CONTROLLERS.parseOptions('standard-therapy', o, source) as StandardTherapyOptions;

  it('defaults to cohort; takes optimised; refuses anything else, naming the field', () => {
    expect(parse({}).therapy).toBe('cohort');
    expect(parse({ therapy: 'optimised' }).therapy).toBe('optimised');
    expect(() => parse({ therapy: 'optimized' })).toThrow(/s\.json: controller\.options\.therapy: /);
  });

  it('patientProblem refuses optimised for a patient without optimised values, naming the file; explicit BR and CR need none', () => {
    const options = parse({ therapy: 'optimised' });
    expect(standardTherapyEntry.patientProblem!(options, THERAPY)).toBeUndefined();
    expect(standardTherapyEntry.patientProblem!(options, WITHOUT)).toBe(`standard-therapy option therapy 'optimised': no optimised therapy in ${FILE} (the file is missing or has no row for this patient: make it with glucosim optimise-therapy)`);
    expect(standardTherapyEntry.patientProblem!(parse({ therapy: 'optimised', basalUPerH: 1 }), WITHOUT)).toMatch(/no optimised therapy/);
    expect(standardTherapyEntry.patientProblem!(parse({ therapy: 'optimised', basalUPerH: 1, carbRatioGPerU: 9 }), WITHOUT)).toBeUndefined();
    expect(standardTherapyEntry.patientProblem!(parse({}), WITHOUT)).toBeUndefined();
  });

  it('basal and bolus from the optimised values; explicit basalUPerH and carbRatioGPerU still win', () => {
    const meal = [{ id: 0, intakeMin: 30, estimatedCarbsG: 60, leadMin: 30 }];
    const obs = { timeMin: 0, day: 1, timeOfDayMin: 0, glucoseMgDl: 120, glucoseTimeMin: 0, announcedMeals: meal, controlPeriodMin: 5 };
    const announcement = { ...STANDARD_THERAPY_DEFAULTS, bolusTiming: 'announcement' as const };
    expect(new StandardTherapy(THERAPY, { ...announcement, therapy: 'optimised' }).decide(obs)).toEqual({ basalUPerMin: 0.015, bolusU: 8 });
    expect(new StandardTherapy(THERAPY, announcement).decide(obs)).toEqual({ basalUPerMin: 0.02, bolusU: 6 });
    const basalOverride = new StandardTherapy(THERAPY, { ...announcement, therapy: 'optimised', basalUPerH: 0.6 }).decide(obs);
    expect(basalOverride.basalUPerMin).toBeCloseTo(0.01, 15);
    expect(basalOverride.bolusU).toBe(8);
    expect(new StandardTherapy(THERAPY, { ...announcement, therapy: 'optimised', carbRatioGPerU: 12 }).decide(obs)).toEqual({ basalUPerMin: 0.015, bolusU: 5 });
    expect(() => new StandardTherapy(WITHOUT, { ...announcement, therapy: 'optimised' })).toThrow(/^adult#001: no optimised therapy in/);
  });

  it("a run's first basal rate and first bolus are the shipped optimised ones (S2008 adult#001, ideal pump)", async () => {
    const patient = loadPopulation('uva-padova-s2008', 'test').find((p) => p.name === 'adult#001')!;
    const scenario = (therapy: string) =>
      parseScenario(
        {
          name: 'optimised-start',
          days: 1,
          startTime: '06:00',
          controlPeriodMin: 5,
          seed: 1,
          sensor: { model: 'ideal' },
          pump: { model: 'ideal' },
          controller: { name: 'standard-therapy', options: { therapy, bolusTiming: 'announcement', correction: false } },
          meals: { list: [{ day: 1, time: '08:00', carbsG: 60 }], durationMin: 15, announceLeadMin: 30 },
        },
        's.json',
      );
    const first = async (therapy: string) => {
      const trace = await runPatient(scenario(therapy), patient, 1);
      const bolusAt = trace.bolusU.findIndex((u) => u > 0);
      return { basalUPerMin: trace.basalUPerMin[0], bolusU: trace.bolusU[bolusAt], bolusAt };
    };
    const optimised = patient.optimisedTherapy!;
    expect(await first('optimised')).toEqual({ basalUPerMin: optimised.basalRateUPerMin, bolusU: 60 / optimised.carbRatioGPerU, bolusAt: 90 });
    expect(await first('cohort')).toEqual({ basalUPerMin: patient.basalRateUPerMin, bolusU: 60 / patient.carbRatioGPerU!, bolusAt: 90 });
    expect(optimised.basalRateUPerMin).not.toBe(patient.basalRateUPerMin);
    // What the controller is given carries the optimised values and their file.
    expect(therapySettings(patient).optimised).toEqual(optimised);
  });

  it('a run on a cohort without optimised values is refused before it starts, naming the scenario, the patient and why', () => {
    const t2dm = loadPopulation('t2dm-100', 'test').slice(0, 1);
    const controller = { name: 'standard-therapy', options: { therapy: 'optimised', correctionFactorMgDlPerU: 40 }, timeoutMs: 1000, latencyMs: 0 };
    expect(() => checkCohortFitsController(controller, t2dm, { file: 's.json', field: 'controller' })).toThrow(
      /^s\.json: controller: t2dm#001: standard-therapy option therapy 'optimised': no optimised therapy: its cohort has none/,
    );
  });
});
