import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario, parseScenario } from '../../src/scenario/load.js';
import { expectInputError, randomisedJson, singleMealJson } from './helpers.js';

const F = 'bad.json';

/** parseScenario on the shipped randomised scenario after `edit`, expecting an InputError at `field`. */
function rejectsRandomised(edit: (json: Record<string, any>) => void, field: string, reason: RegExp): string {
  const json = randomisedJson();
  edit(json);
  return expectInputError(() => parseScenario(json, F), F, field, reason).message;
}

function rejectsList(edit: (json: Record<string, any>) => void, field: string, reason: RegExp): string {
  const json = singleMealJson();
  edit(json);
  return expectInputError(() => parseScenario(json, F), F, field, reason).message;
}

describe('schema errors name the field', () => {
  it('missing days', () => {
    const message = rejectsRandomised((j) => delete j.days, 'days', /^required field is missing$/);
    expect(message).toBe('bad.json: days: required field is missing');
  });

  it('days as a string', () => {
    const message = rejectsRandomised((j) => (j.days = '10'), 'days', /^must be integer \(got "10"\)$/);
    expect(message).toBe('bad.json: days: must be integer (got "10")');
  });

  it('days below 1, fractional days, fractional control period', () => {
    rejectsRandomised((j) => (j.days = 0), 'days', /^must be ≥ 1 \(got 0\)$/);
    rejectsRandomised((j) => (j.days = 2.5), 'days', /^must be integer/);
    rejectsRandomised((j) => (j.controlPeriodMin = 0.5), 'controlPeriodMin', /^must be integer/);
  });

  it('negative carbs min', () => {
    rejectsRandomised((j) => (j.meals.protocol.meals[2].carbsG.min = -10), 'meals.protocol.meals[2].carbsG.min', /^must be ≥ 0 \(got -10\)$/);
  });

  it('unknown sensor model, quoted, with the known ones', () => {
    const message = rejectsRandomised((j) => (j.sensor.model = 'Libre'), 'sensor.model', /^must be one of Dexcom, GuardianRT, Navigator, ideal, smbg \(got "Libre"\)$/);
    expect(message).toBe('bad.json: sensor.model: must be one of Dexcom, GuardianRT, Navigator, ideal, smbg (got "Libre")');
  });

  it('unknown pump model', () => {
    rejectsRandomised((j) => (j.pump.model = 'Omnipod'), 'pump.model', /^must be one of Cozmo, Insulet, ideal \(got "Omnipod"\)$/);
  });

  it('unknown property, at the top and nested', () => {
    rejectsRandomised((j) => (j.controlPeriod = 5), 'controlPeriod', /^unknown property \(allowed: name, description, days, /);
    rejectsRandomised((j) => (j.meals.protocol.meals[1].carbs = 5), 'meals.protocol.meals[1].carbs', /^unknown property \(allowed: name, carbsG, time, omitProbability\)$/);
    rejectsRandomised((j) => (j.sensor.noise = false), 'sensor.noise', /^unknown property/);
  });

  it('bad "HH:MM"', () => {
    rejectsRandomised((j) => (j.startTime = '7:00'), 'startTime', /^must be a time of day "HH:MM" from 00:00 to 23:59 \(got "7:00"\)$/);
    rejectsRandomised((j) => (j.startTime = '24:00'), 'startTime', /from 00:00 to 23:59/);
    rejectsRandomised((j) => (j.meals.protocol.meals[0].time.from = '24:00'), 'meals.protocol.meals[0].time.from', /from 00:00 to 23:59/);
    rejectsRandomised((j) => (j.meals.protocol.meals[3].time.to = '24:30'), 'meals.protocol.meals[3].time.to', /from 00:00 to 24:00 \(got "24:30"\)/);
    rejectsList((j) => (j.meals.list[0].time = '08:60'), 'meals.list[0].time', /must be a time of day/);
  });

  it('wrong type of a whole section', () => {
    rejectsRandomised((j) => (j.sensor = 'Dexcom'), 'sensor', /^must be object \(got "Dexcom"\)$/);
    rejectsRandomised((j) => (j.seed = 1.5), 'seed', /^must be integer or string/);
    rejectsRandomised((j) => (j.controller.options = []), 'controller.options', /^must be object/);
  });

  it('the root must be an object', () => {
    expectInputError(() => parseScenario([1, 2], F), F, '', /^must be object/);
  });

  it('empty strings', () => {
    rejectsRandomised((j) => (j.name = ''), 'name', /^must not be empty$/);
    rejectsRandomised((j) => (j.cohort = ''), 'cohort', /^must not be empty$/);
  });

  it('meals need a protocol or a list, not both', () => {
    rejectsRandomised((j) => (j.meals = {}), 'meals.list', /^required field is missing \(meals need a protocol or a list\)$/);
    rejectsRandomised((j) => (j.meals.list = []), 'meals.list', /^unknown property \(allowed: protocol\)$/);
    rejectsRandomised((j) => delete j.meals.protocol.estimateError, 'meals.protocol.estimateError', /^required field is missing$/);
  });

  it('omitProbability outside [0, 1]', () => {
    rejectsRandomised((j) => (j.meals.protocol.meals[2].omitProbability = 1.5), 'meals.protocol.meals[2].omitProbability', /^must be ≤ 1 \(got 1.5\)$/);
    rejectsRandomised((j) => (j.meals.protocol.meals[2].omitProbability = -0.1), 'meals.protocol.meals[2].omitProbability', /^must be ≥ 0/);
  });

  it('estimate error at or below −100 %', () => {
    rejectsRandomised((j) => (j.meals.protocol.estimateError.min = -1), 'meals.protocol.estimateError.min', /^must be > -1 \(got -1\)$/);
  });

  it('durations and leads', () => {
    rejectsRandomised((j) => (j.meals.protocol.durationMin = 0), 'meals.protocol.durationMin', /^must be ≥ 1/);
    rejectsRandomised((j) => (j.meals.protocol.announceLeadMin = -5), 'meals.protocol.announceLeadMin', /^must be ≥ 0/);
    rejectsList((j) => (j.meals.durationMin = 0), 'meals.durationMin', /^must be ≥ 1/);
    rejectsList((j) => (j.meals.list[0].durationMin = 0), 'meals.list[0].durationMin', /^must be ≥ 1/);
    rejectsList((j) => (j.sensor.sampleTimeMin = 0), 'sensor.sampleTimeMin', /^must be ≥ 1/);
  });

  it('listed carbs must be > 0 and estimates ≥ 0', () => {
    rejectsList((j) => (j.meals.list[0].carbsG = 0), 'meals.list[0].carbsG', /^must be > 0 \(got 0\)$/);
    rejectsList((j) => (j.meals.list[0].estimatedCarbsG = -1), 'meals.list[0].estimatedCarbsG', /^must be ≥ 0/);
  });
});

describe('checks across fields', () => {
  it('from ≥ to', () => {
    rejectsRandomised((j) => (j.meals.protocol.meals[0].time = { from: '11:00', to: '07:00' }), 'meals.protocol.meals[0].time', /^from 11:00 must be before to 07:00/);
    rejectsRandomised((j) => (j.meals.protocol.meals[1].time = { from: '13:00', to: '13:00' }), 'meals.protocol.meals[1].time', /^from 13:00 must be before to 13:00/);
  });

  it('carbs min > max', () => {
    rejectsRandomised((j) => (j.meals.protocol.meals[1].carbsG = { min: 100, max: 70 }), 'meals.protocol.meals[1].carbsG', /^min \(100\) must be ≤ max \(70\)$/);
  });

  it('estimate error min > max', () => {
    rejectsRandomised((j) => (j.meals.protocol.estimateError = { min: 0.5, max: -0.5 }), 'meals.protocol.estimateError', /^min \(0.5\) must be ≤ max \(-0.5\)$/);
  });

  it('listed meal after the last day', () => {
    rejectsList((j) => (j.meals.list[0].day = 2), 'meals.list[0].day', /^must be ≤ 1, the scenario's days \(got 2\)$/);
  });

  it('listed meal before the start on day 1', () => {
    rejectsList((j) => (j.startTime = '09:00'), 'meals.list[0].time', /^08:00 on day 1 is before the scenario's startTime$/);
  });
});

describe('loadScenario file errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glucosim-scenario-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function write(name: string, text: string): string {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  }

  it('missing file', () => {
    const file = join(dir, 'nope.json');
    const message = expectInputError(() => loadScenario(file), file, '', /^file not found$/).message;
    expect(message).toBe(`${file}: file not found`);
  });

  it('a directory', () => {
    expectInputError(() => loadScenario(dir), dir, '', /is a directory/);
  });

  it('invalid JSON gives line and column', () => {
    const trailingComma = write('comma.json', '{\n  "name": "x",\n  "days": 1,\n}\n');
    expectInputError(() => loadScenario(trailingComma), trailingComma, '', /^invalid JSON at line 4, column 1: Expected double-quoted property name$/);
    const misspelt = write('literal.json', '{\n  "name": "x",\n  "ok": tru\n}');
    expectInputError(() => loadScenario(misspelt), misspelt, '', /^invalid JSON at line 3, column 12: Unexpected token/);
    const arrayComma = write('array.json', '{"a": [1, 2,]}');
    expectInputError(() => loadScenario(arrayComma), arrayComma, '', /^invalid JSON at line 1, column 13: /);
    const truncated = write('truncated.json', '{\n  "name": "x');
    expectInputError(() => loadScenario(truncated), truncated, '', /^invalid JSON at line 2, column 13: Unterminated string$/);
    const empty = write('empty.json', '');
    expectInputError(() => loadScenario(empty), empty, '', /^invalid JSON at line 1, column 1: Unexpected end of JSON input$/);
  });

  it('a valid file behind a byte-order mark loads', () => {
    const file = write('bom.json', '\uFEFF' + JSON.stringify(singleMealJson()));
    expect(loadScenario(file).name).toBe('single-meal-1day');
  });

  it('schema errors from a file name the file', () => {
    const json = randomisedJson();
    json.pump.model = 'Tandem';
    const file = write('pump.json', JSON.stringify(json));
    expectInputError(() => loadScenario(file), file, 'pump.model', /"Tandem"/);
  });
});
