import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario } from '../../src/scenario/load.js';
import { parseTimeOfDay } from '../../src/io/timeOfDay.js';
import { InputError } from '../../src/io/errors.js';
import { RANDOMISED_FILE, SINGLE_MEAL_FILE, expectInputError, randomisedJson, singleMealJson } from './helpers.js';

describe('shipped scenarios', () => {
  it('randomised-10day is the protocol of Daskalaki, Diem & Mougiakakou 2014', () => {
    const s = loadScenario(RANDOMISED_FILE);
    expect(s.file).toBe(RANDOMISED_FILE);
    expect(s.name).toBe('randomised-10day');
    expect(s.description).toMatch(/without a rate/);
    expect(s).toMatchObject({
      days: 10,
      startTimeOfDayMin: 0,
      controlPeriodMin: 5,
      seed: 1,
      cohort: 'all',
      sensor: { model: 'Dexcom' },
      pump: { model: 'Insulet' },
      controller: { name: 'standard-therapy', options: {} },
    });
    expect(s.meals).toEqual({
      kind: 'protocol',
      meals: [
        { name: 'breakfast', carbsG: { min: 30, max: 60 }, fromMin: 420, toMin: 660, omitProbability: 0 },
        { name: 'lunch', carbsG: { min: 70, max: 100 }, fromMin: 780, toMin: 960, omitProbability: 0 },
        { name: 'dinner', carbsG: { min: 70, max: 110 }, fromMin: 1200, toMin: 1320, omitProbability: 0.2 },
        { name: 'snack', carbsG: { min: 20, max: 40 }, fromMin: 1380, toMin: 1440, omitProbability: 0.2 },
      ],
      durationMin: 15,
      announceLeadMin: 30,
      estimateError: { min: -0.5, max: 0.5 },
    });
  });

  it('single-meal-1day lists one perfectly estimated 50 g meal at 08:00', () => {
    const s = loadScenario(SINGLE_MEAL_FILE);
    expect(s).toMatchObject({ days: 1, sensor: { model: 'ideal', sampleTimeMin: 5 }, pump: { model: 'Insulet' } });
    expect(s.controller).toEqual({ name: 'standard-therapy', options: {}, file: s.file, field: 'controller', timeoutMs: 10_000, latencyMs: 0 });
    expect(s.meals).toEqual({
      kind: 'list',
      meals: [{ day: 1, timeMin: 480, carbsG: 50, estimatedCarbsG: 50, durationMin: 10 }],
      durationMin: 10,
      announceLeadMin: 0,
    });
  });
});

describe('parseScenario', () => {
  it('fills the defaults of optional fields', () => {
    const json = randomisedJson();
    delete json.description;
    delete json.cohort;
    delete json.controller.options;
    const s = parseScenario(json, 'x.json');
    expect(s.description).toBe('');
    expect(s.cohort).toBe('all');
    expect(s.controller.options).toEqual({});
    expect(s.sensor).toEqual({ model: 'Dexcom' });
  });

  it('accepts a string seed and keeps it as written', () => {
    const json = randomisedJson();
    json.seed = 'trial-7';
    expect(parseScenario(json, 'x.json').seed).toBe('trial-7');
  });

  it('refuses a seed that would not read back as itself: a whole number beyond 2^53 − 1, a blank text', () => {
    const json = randomisedJson();
    json.seed = 9007199254740993;
    expectInputError(() => parseScenario(json, 'x.json'), 'x.json', 'seed', /9007199254740992 is beyond the largest exact whole number \(9007199254740991\): give a smaller one, or write it as a text/);
    json.seed = 1e20;
    expectInputError(() => parseScenario(json, 'x.json'), 'x.json', 'seed', /is beyond the largest exact whole number/);
    json.seed = '   ';
    expectInputError(() => parseScenario(json, 'x.json'), 'x.json', 'seed', /must not be blank/);
    json.seed = '9007199254740993';
    expect(parseScenario(json, 'x.json').seed).toBe('9007199254740993');
    json.seed = -9007199254740991;
    expect(parseScenario(json, 'x.json').seed).toBe(-9007199254740991);
  });

  it('defaults a listed meal to a perfect estimate and the list duration', () => {
    const json = singleMealJson();
    json.meals.list = [{ day: 1, time: '12:15', carbsG: 30 }];
    json.meals.durationMin = 20;
    const s = parseScenario(json, 'x.json');
    expect(s.meals.meals).toEqual([{ day: 1, timeMin: 735, carbsG: 30, estimatedCarbsG: 30, durationMin: 20 }]);
  });

  it("checks controller options against the controller's schema and keeps them as written", () => {
    const json = randomisedJson();
    json.controller.options = { targetMgDl: 110, bolusTiming: 'announcement' };
    // It remembers where it was read, so errors and relative paths in options refer to that file.
    expect(parseScenario(json, 'x.json').controller).toEqual({ name: 'standard-therapy', options: { targetMgDl: 110, bolusTiming: 'announcement' }, file: 'x.json', field: 'controller', timeoutMs: 10_000, latencyMs: 0 });
    json.controller.options = { targetMgDl: 110, nested: { a: [1, 2] } };
    expect(() => parseScenario(json, 'x.json')).toThrow(/x\.json: controller\.options\.nested: unknown property/);
    json.controller.options = { bolusTiming: 'later' };
    expect(() => parseScenario(json, 'x.json')).toThrow(/x\.json: controller\.options\.bolusTiming: must be one of intake, announcement \(got "later"\)/);
  });

  it('takes a deadline and a latency for the controller, within bounds', () => {
    const json = randomisedJson();
    Object.assign(json.controller, { timeoutMs: 250, latencyMs: 3 });
    expect(parseScenario(json, 'x.json').controller).toMatchObject({ timeoutMs: 250, latencyMs: 3 });
    Object.assign(json.controller, { timeoutMs: 0 });
    expect(() => parseScenario(json, 'x.json')).toThrow(/x\.json: controller\.timeoutMs: must be ≥ 1 \(got 0\)/);
    Object.assign(json.controller, { timeoutMs: 250, latencyMs: 1.5 });
    expect(() => parseScenario(json, 'x.json')).toThrow(/x\.json: controller\.latencyMs: must be integer/);
  });
});

describe('parseTimeOfDay', () => {
  it('converts HH:MM to minutes after midnight', () => {
    expect(parseTimeOfDay('00:00', 'f', 't')).toBe(0);
    expect(parseTimeOfDay('07:30', 'f', 't')).toBe(450);
    expect(parseTimeOfDay('23:59', 'f', 't')).toBe(1439);
    expect(parseTimeOfDay('24:00', 'f', 't', true)).toBe(1440);
  });

  it('rejects what is not a time of day, naming the field', () => {
    for (const bad of ['7:30', '24:00', '12:60', '25:00', '12-30', '', '12:30 ', 'noon']) {
      expectInputError(() => parseTimeOfDay(bad, 'f.json', 'startTime'), 'f.json', 'startTime', /must be a time of day "HH:MM" from 00:00 to 23:59/);
    }
    expectInputError(() => parseTimeOfDay('24:01', 'f.json', 'to', true), 'f.json', 'to', /from 00:00 to 24:00 \(got "24:01"\)/);
  });

  it('throws InputError, not another error type', () => {
    expect(() => parseTimeOfDay('x', 'f', 'g')).toThrow(InputError);
  });
});
