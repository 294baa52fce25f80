import { describe, expect, it } from 'vitest';
import { MultipleDailyInjections, multipleDailyInjectionsEntry, parseMdiOptions, slidingScaleUnits } from '../../src/control/multipleDailyInjections.js';
import { BUILT_IN_CONTROLLERS } from '../../src/control/registry.js';
import type { AnnouncedMeal, Observation, TherapySettings } from '../../src/control/types.js';

const therapy: TherapySettings = { patient: 't2dm#001', basalRateUPerMin: 0, carbRatioGPerU: NaN, correctionFactorMgDlPerU: NaN, bodyWeightKg: 90 };
const t1dTherapy: TherapySettings = { patient: 'adult#001', basalRateUPerMin: 0.02, carbRatioGPerU: 10, correctionFactorMgDlPerU: 20, bodyWeightKg: 100 };

function obs(timeMin: number, glucoseMgDl = NaN, glucoseTimeMin = -1, meals: AnnouncedMeal[] = []): Observation {
  return { timeMin, day: Math.floor(timeMin / 1440) + 1, timeOfDayMin: timeMin % 1440, glucoseMgDl, glucoseTimeMin, announcedMeals: meals, controlPeriodMin: 5 };
}

const source = { file: 's.json', field: 'controller.options' };
const options = parseMdiOptions(
  {
    doses: [
      { time: '07:00', preparation: 'nph', unitsPerKg: 0.1 },
      { time: '07:02', preparation: 'regular', units: 4 },
      { time: '19:00', preparation: 'nph', units: 5 },
    ],
    slidingScale: { preparation: 'regular', steps: [{ aboveMgDl: 150, units: 2 }, { aboveMgDl: 250, units: 4 }] },
  },
  source,
);

describe('multiple daily injections', () => {
  it('injects each dose once a day at the control instant whose period holds its time', () => {
    const c = new MultipleDailyInjections(therapy, options);
    const given: string[] = [];
    for (let t = 0; t < 2 * 1440; t += 5) {
      for (const inj of c.decide(obs(t)).injections ?? []) given.push(`${t}:${inj.preparation}:${inj.units}`);
    }
    expect(given).toEqual(['420:nph:9', '420:regular:4', '1140:nph:5', '1860:nph:9', '1860:regular:4', '2580:nph:5']);
  });

  it('asks for no pump insulin', () => {
    expect(new MultipleDailyInjections(therapy, options).decide(obs(420))).toMatchObject({ basalUPerMin: 0, bolusU: 0 });
  });

  it('adds the sliding scale at dose times from a recent reading only', () => {
    expect(slidingScaleUnits(options.slidingScale!.steps, 140)).toBe(0);
    expect(slidingScaleUnits(options.slidingScale!.steps, 151)).toBe(2);
    expect(slidingScaleUnits(options.slidingScale!.steps, 300)).toBe(4);
    const c = new MultipleDailyInjections(therapy, options);
    const at7 = c.decide(obs(420, 260, 415)).injections!;
    expect(at7.filter((i) => i.preparation === 'regular').map((i) => i.units)).toEqual([4, 4]);
    const stale = new MultipleDailyInjections(therapy, options).decide(obs(420, 260, 300)).injections!;
    expect(stale.filter((i) => i.preparation === 'regular').map((i) => i.units)).toEqual([4]);
    // Not at other times, however high.
    expect(c.decide(obs(600, 300, 600)).injections).toEqual([]);
  });

  it('gives rapid meal boluses from the carbohydrate ratio when asked', () => {
    const c = new MultipleDailyInjections(t1dTherapy, parseMdiOptions({ doses: [{ time: '22:00', preparation: 'long', units: 20 }], mealBolus: true }, source));
    const meal: AnnouncedMeal = { id: 1, intakeMin: 482, estimatedCarbsG: 60, leadMin: 2 };
    expect(c.decide(obs(480, 120, 480, [meal])).injections).toEqual([{ preparation: 'rapid', units: 6 }]);
    expect(c.decide(obs(485, 120, 485, [{ ...meal, leadMin: -3 }])).injections).toEqual([]);
    expect(() => new MultipleDailyInjections(therapy, parseMdiOptions({ doses: [{ time: '22:00', preparation: 'long', units: 1 }], mealBolus: true }, source))).toThrow(/carbohydrate ratio/);
    // The registry says so for a patient without constructing the controller.
    expect(multipleDailyInjectionsEntry.patientProblem!(parseMdiOptions({ doses: [{ time: '22:00', preparation: 'long', units: 1 }], mealBolus: true }, source), therapy)).toMatch(
      /carbohydrate ratio/,
    );
  });

  it('validates options with the field path', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{}, /s\.json: controller\.options\.doses: required field is missing/],
      [{ doses: [] }, /s\.json: controller\.options\.doses: must have at least 1 item/],
      [{ doses: [{ time: '7:00', preparation: 'nph', units: 1 }] }, /controller\.options\.doses\[0\]\.time: must be a time of day/],
      [{ doses: [{ time: '07:00', preparation: 'lente', units: 1 }] }, /controller\.options\.doses\[0\]\.preparation: must be one of rapid, regular, nph, long/],
      [{ doses: [{ time: '07:00', preparation: 'nph', units: 1, unitsPerKg: 0.1 }] }, /controller\.options\.doses\[0\]: give exactly one of units and unitsPerKg/],
      [{ doses: [{ time: '07:00', preparation: 'nph', units: -1 }] }, /doses\[0\]\.units: must be ≥ 0 \(got -1\)/],
      [{ doses: [{ time: '07:00', preparation: 'nph', units: 1 }], slidingScale: { preparation: 'regular', steps: [] } }, /slidingScale\.steps: must have at least 1 item/],
      [{ doses: [{ time: '07:00', preparation: 'nph', units: 1 }], extra: 1 }, /controller\.options\.extra: unknown property/],
      [{ doses: [{ time: '07:00', preparation: 'nph', units: 1 }], bolusTiming: 'announcement' }, /controller\.options\.bolusTiming: only meal boluses have a timing/],
    ];
    const parse = (o: Record<string, unknown>, where = source) => BUILT_IN_CONTROLLERS.parseOptions('multiple-daily-injections', o, where);
    for (const [o, message] of bad) expect(() => parse(o)).toThrow(message);
    // An experiment's arm is named in the field.
    expect(() => parse({}, { file: 'e.json', field: 'arms[2].controller.options' })).toThrow(
      /e\.json: arms\[2\]\.controller\.options\.doses: required field is missing/,
    );
  });
});
