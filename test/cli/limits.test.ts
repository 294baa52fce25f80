/**
 * Absurd inputs are refused before anything runs, each naming the field and
 * the limit, with exit 2 and no output: a run of a million days (which grew
 * memory until the machine ran out), meals of a million grams (a maximum BG
 * of 56 million mg/dL, exit 0), a pen dose no pen dials, a replay beyond the
 * longest run (a raw odex stack trace) or with doses no pump gives.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PEN_DOSE_U, MAX_PEN_DOSE_U_PER_KG } from '../../src/devices/pen.js';
import { MAX_PUMP_BASAL_U_PER_H, MAX_PUMP_BOLUS_U } from '../../src/devices/presets.js';
import { MAX_MEAL_CARBS_G, MAX_SCENARIO_DAYS, MAX_SCENARIO_MINUTES } from '../../src/scenario/limits.js';
import { expectInputFailure, makeTempDir, randomisedJson, removeTempDirs, ROOT, runCli, writeScenario } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir('limits');
});
afterAll(removeTempDirs);

/** Run a scenario changed by `edit`; expect the one-line refusal and no run directory. */
function expectScenarioRefused(name: string, edit: (s: Record<string, any>) => void, base: Record<string, any>, field: string, reason: RegExp): void {
  edit(base);
  const file = writeScenario(dir, `${name}.json`, base);
  const out = join(dir, `${name}-out`);
  expectInputFailure(runCli(['run', file, '--out', out, '--quiet']), `${file}: ${field}: `, reason);
  expect(existsSync(out)).toBe(false);
}

const smbgJson = () => JSON.parse(readFileSync(join(ROOT, 'scenarios', 't2dm-smbg-14day.json'), 'utf8')) as Record<string, any>;

describe('scenario limits', () => {
  it(`days ≤ ${MAX_SCENARIO_DAYS}`, () => {
    expectScenarioRefused('million-days', (s) => (s.days = 1e6), randomisedJson(), 'days', new RegExp(`^must be ≤ ${MAX_SCENARIO_DAYS} \\(got 1000000\\)$`));
  });

  it(`a protocol meal's carbs ≤ ${MAX_MEAL_CARBS_G} g`, () => {
    expectScenarioRefused('huge-meal', (s) => (s.meals.protocol.meals[1].carbsG.max = 1e7), randomisedJson(), 'meals.protocol.meals[1].carbsG.max', /^must be ≤ 500 \(got 10000000\)$/);
  });

  it(`a listed meal's carbs and estimate ≤ ${MAX_MEAL_CARBS_G} g`, () => {
    const listed = (carbs: Record<string, number>) => (s: Record<string, any>) =>
      (s.meals = { list: [{ day: 1, time: '08:00', ...carbs }], durationMin: 15, announceLeadMin: 30 });
    expectScenarioRefused('listed-meal', listed({ carbsG: 501 }), randomisedJson(), 'meals.list[0].carbsG', /^must be ≤ 500 \(got 501\)$/);
    expectScenarioRefused('listed-estimate', listed({ carbsG: 50, estimatedCarbsG: 1e6 }), randomisedJson(), 'meals.list[0].estimatedCarbsG', /^must be ≤ 500 \(got 1000000\)$/);
  });

  it(`a pen dose ≤ ${MAX_PEN_DOSE_U} U and ≤ ${MAX_PEN_DOSE_U_PER_KG} U/kg, sliding scale included`, () => {
    expectScenarioRefused('dose-per-kg', (s) => (s.controller.options.doses[0].unitsPerKg = 3), smbgJson(), 'controller.options.doses[0].unitsPerKg', /^must be ≤ 1 \(got 3\)$/);
    expectScenarioRefused(
      'dose-units',
      (s) => (s.controller.options.doses[1] = { time: '07:00', preparation: 'regular', units: 500 }),
      smbgJson(),
      'controller.options.doses[1].units',
      /^must be ≤ 80 \(got 500\)$/,
    );
    expectScenarioRefused('scale-units', (s) => (s.controller.options.slidingScale.steps[3].units = 81), smbgJson(), 'controller.options.slidingScale.steps[3].units', /^must be ≤ 80 \(got 81\)$/);
  });

  it(`a standard-therapy basal rate ≤ ${MAX_PUMP_BASAL_U_PER_H} U/h (the highest any preset pump programs)`, () => {
    expect(MAX_PUMP_BASAL_U_PER_H).toBe(35);
    const base = randomisedJson();
    expect(base.controller.name).toBe('standard-therapy');
    expectScenarioRefused('basal-rate', (s) => (s.controller.options.basalUPerH = 36), base, 'controller.options.basalUPerH', /^must be ≤ 35 \(got 36\)$/);
  });
});

describe('replay limits', () => {
  const replayRefused = (name: string, rows: string, field: string, reason: RegExp) => {
    const inputs = join(dir, `${name}.csv`);
    writeFileSync(inputs, `minute,carbs_g,insulin_u_per_min\n${rows}`);
    const out = join(dir, `${name}-out.csv`);
    expectInputFailure(runCli(['replay', '--patient', 'adult#001', '--inputs', inputs, '--out', out]), `${inputs}: ${field}: `, reason);
    expect(existsSync(out)).toBe(false);
  };

  it('a minute beyond the longest run is refused up front (it was a raw odex stack trace)', () => {
    replayRefused('far', '0,50,0.02\n10000000,0,0.02\n', 'line 3, column minute', new RegExp(`^must be < ${MAX_SCENARIO_MINUTES} \\(${MAX_SCENARIO_DAYS} days, the longest run\\), got 10000000$`));
  });

  it(`carbs ≤ ${MAX_MEAL_CARBS_G} g a row and insulin ≤ ${MAX_PUMP_BOLUS_U} U/min`, () => {
    replayRefused('carbs', '0,1e6,0.02\n', 'line 2, column carbs_g', /^must be from 0 to 500 g \(one meal\), got 1000000$/);
    replayRefused('insulin', '0,0,0.02\n60,0,1000\n', 'line 3, column insulin_u_per_min', /^must be from 0 to 75 U\/min \(the largest pump bolus in one minute\), got 1000$/);
  });
});

describe('a model that cannot be integrated', () => {
  it('run: one line naming the patient, the minute and the likely cause; exit 2; no run directory', () => {
    // A cohort file of the user's own whose subject has kabs (gut absorption) of 10^9 /min instead of ~0.1:
    // every parameter is positive and there is a steady state, but the first meal makes the model too stiff.
    const cohort = JSON.parse(readFileSync(join(ROOT, 'patients', 't2dm-100.json'), 'utf8')) as Record<string, any>;
    cohort.n = 1;
    cohort.subjects = [{ ...cohort.subjects[0], params: { ...cohort.subjects[0].params, kabs: 1e9 } }];
    const name = `test-stiff-${process.pid}`;
    const cohortFile = join(ROOT, 'patients', `${name}.json`);
    writeFileSync(cohortFile, JSON.stringify(cohort));
    try {
      const s = smbgJson();
      s.days = 1;
      s.patients = name;
      const file = writeScenario(dir, 'stiff.json', s);
      const out = join(dir, 'stiff-out');
      const r = runCli(['run', file, '--out', out, '--quiet']);
      expectInputFailure(
        r,
        `patient ${cohort.subjects[0].name} at minute `,
        /^\d+ \(day 1, \d\d:\d\d\): the model could not be integrated \(maximum allowed steps exceeded: 1000000\); likely cause: the model changes too fast for any step size, from patient parameters outside the model's range/,
      );
      expect(existsSync(out)).toBe(false);
    } finally {
      rmSync(cohortFile, { force: true });
    }
  }, 60_000);
});
