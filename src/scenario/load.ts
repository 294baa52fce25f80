/**
 * Reading a scenario file: JSON → schema check → the checks that relate two
 * fields and the controller's options (against its own schema) → a
 * `Scenario` with times in minutes and defaults filled in.
 * Every problem is an InputError naming the file and the field.
 */
import { parseSeed } from '../random/streams.js';
import { BUILT_IN_CONTROLLERS, type ControllerRegistry } from '../control/registry.js';
import { InputError } from '../io/errors.js';
import type { PenSpec, SensorSpec } from '../devices/types.js';
import { readJsonFile } from '../io/json.js';
import { parseTimeOfDay } from '../io/timeOfDay.js';
import {
  type ControllerSpecFile,
  DEFAULT_CONTROLLER_TIMEOUT_MS,
  type ListMealsFile,
  type ProtocolMealsFile,
  type ScenarioFile,
  validateScenarioFile,
} from './schema.js';
import type { ControllerSpec, ListedMeal, MealList, MealProtocol, ProtocolMeal, Range, Scenario } from './types.js';

/** Read, validate and convert a scenario file; its controller is looked up in `registry`. */
export function loadScenario(file: string, registry: ControllerRegistry = BUILT_IN_CONTROLLERS): Scenario {
  return parseScenario(readJsonFile(file, 'scenario file'), file, registry);
}

/** Validate and convert an already parsed scenario (`file` names it in errors). */
/**
 * A seed every command reads back as itself: a whole number within ±(2^53 − 1)
 * (beyond, two seeds would be one double), or a text that is not blank (as
 * `--seed` refuses one).
 */
function checkSeed(seed: number | string, file: string): void {
  if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
    throw new InputError(file, 'seed', `${seed} is beyond the largest exact whole number (${Number.MAX_SAFE_INTEGER}): give a smaller one, or write it as a text ("${seed}")`);
  }
  if (typeof seed === 'string' && seed.trim() === '') throw new InputError(file, 'seed', 'must not be blank');
}

export function parseScenario(json: unknown, file: string, registry: ControllerRegistry = BUILT_IN_CONTROLLERS): Scenario {
  const raw: ScenarioFile = validateScenarioFile(json, file);
  const startTimeOfDayMin = parseTimeOfDay(raw.startTime, file, 'startTime');
  const sensor = parseSensor(raw.sensor, file);
  if (!raw.pump && !raw.pen) throw new InputError(file, 'pump', 'a scenario needs a pump, a pen, or both (neither is given)');
  checkSeed(raw.seed, file);
  return {
    file,
    name: raw.name,
    description: raw.description ?? '',
    days: raw.days,
    startTimeOfDayMin,
    controlPeriodMin: raw.controlPeriodMin,
    // "7" and "007" are the seed 7, as on the command line (--seed 007), in a run and in an experiment alike.
    seed: typeof raw.seed === 'string' ? parseSeed(raw.seed) : raw.seed,
    cohort: raw.cohort ?? 'all',
    patients: raw.patients ?? DEFAULT_POPULATION,
    sensor,
    ...(raw.pump ? { pump: { model: raw.pump.model } } : {}),
    ...(raw.pen ? { pen: { model: raw.pen.model as PenSpec['model'] } } : {}),
    controller: controllerSpec(raw.controller, file, 'controller', registry),
    meals: 'protocol' in raw.meals
      ? toProtocol(raw.meals, file)
      : toList(raw.meals, raw.days, startTimeOfDayMin, file),
  };
}

/**
 * A controller as a scenario or an experiment's arm names it (`field`: where
 * in `file`), its options checked against the controller's schema; nothing is
 * constructed.
 */
export function controllerSpec(raw: ControllerSpecFile, file: string, field: string, registry: ControllerRegistry): ControllerSpec {
  const options = raw.options ?? {};
  registry.parseOptions(raw.name, options, { file, field: `${field}.options`, nameField: `${field}.name` });
  return { name: raw.name, options, file, field, timeoutMs: raw.timeoutMs ?? DEFAULT_CONTROLLER_TIMEOUT_MS, latencyMs: raw.latencyMs ?? 0 };
}

/** The 30 subjects of the S2008 simulator (patients/uva-padova-s2008/). */
export const DEFAULT_POPULATION = 'uva-padova-s2008';

function parseSensor(raw: ScenarioFile['sensor'], file: string): SensorSpec {
  if (raw.model === 'smbg') {
    if (raw.sampleTimeMin !== undefined) throw new InputError(file, 'sensor.sampleTimeMin', 'a meter (smbg) measures at timesOfDay, not every sampleTimeMin');
    if (raw.timesOfDay === undefined) return { model: raw.model };
    return { model: raw.model, timesOfDayMin: raw.timesOfDay.map((t, i) => parseTimeOfDay(t, file, `sensor.timesOfDay[${i}]`)) };
  }
  if (raw.timesOfDay !== undefined) throw new InputError(file, 'sensor.timesOfDay', `only a meter (smbg) measures at times of day, not ${raw.model}`);
  return raw.sampleTimeMin === undefined ? { model: raw.model } : { model: raw.model, sampleTimeMin: raw.sampleTimeMin };
}

function toProtocol(raw: ProtocolMealsFile, file: string): MealProtocol {
  const p = raw.protocol;
  const meals = p.meals.map((m, i): ProtocolMeal => {
    const field = `meals.protocol.meals[${i}]`;
    const fromMin = parseTimeOfDay(m.time.from, file, `${field}.time.from`);
    const toMin = parseTimeOfDay(m.time.to, file, `${field}.time.to`, true);
    if (fromMin >= toMin) {
      throw new InputError(file, `${field}.time`, `from ${m.time.from} must be before to ${m.time.to} (a window cannot cross midnight)`);
    }
    return { name: m.name, carbsG: range(m.carbsG, file, `${field}.carbsG`), fromMin, toMin, omitProbability: m.omitProbability };
  });
  return {
    kind: 'protocol',
    meals,
    durationMin: p.durationMin,
    announceLeadMin: p.announceLeadMin,
    estimateError: range(p.estimateError, file, 'meals.protocol.estimateError'),
  };
}

function toList(raw: ListMealsFile, days: number, startTimeOfDayMin: number, file: string): MealList {
  const meals = raw.list.map((m, i): ListedMeal => {
    const field = `meals.list[${i}]`;
    if (m.day > days) throw new InputError(file, `${field}.day`, `must be ≤ ${days}, the scenario's days (got ${m.day})`);
    const timeMin = parseTimeOfDay(m.time, file, `${field}.time`);
    // A meal before the start on day 1 would never be eaten: say so rather than drop it.
    if (m.day === 1 && timeMin < startTimeOfDayMin) {
      throw new InputError(file, `${field}.time`, `${m.time} on day 1 is before the scenario's startTime`);
    }
    return {
      day: m.day,
      timeMin,
      carbsG: m.carbsG,
      estimatedCarbsG: m.estimatedCarbsG ?? m.carbsG,
      durationMin: m.durationMin ?? raw.durationMin,
    };
  });
  return { kind: 'list', meals, durationMin: raw.durationMin, announceLeadMin: raw.announceLeadMin };
}

function range(r: { min: number; max: number }, file: string, field: string): Range {
  if (r.min > r.max) throw new InputError(file, field, `min (${r.min}) must be ≤ max (${r.max})`);
  return { min: r.min, max: r.max };
}
