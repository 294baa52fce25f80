/**
 * The JSON Schema of a scenario file, and its validator (src/io/schema.ts:
 * shape, types and per-field ranges, errors naming the field by its dotted
 * path, `meals.protocol.meals[2].carbsG.min`). Checks that involve two fields
 * (min ≤ max, from < to, a listed day within the run) and the controller's
 * own options (its schema in the controller registry) are checked in
 * `load.ts`, where the values are converted.
 */
import { CGM_PRESETS, PUMP_PRESETS } from '../devices/presets.js';
import { compileValidator } from '../io/schema.js';
import { END_TIME_OF_DAY_PATTERN, TIME_OF_DAY_PATTERN } from '../io/timeOfDay.js';
import { MAX_MEAL_CARBS_G, MAX_SCENARIO_DAYS } from './limits.js';

/** A scenario file as written (JSON, after validation); times are still "HH:MM". */
export interface ScenarioFile {
  name: string;
  description?: string;
  days: number;
  startTime: string;
  controlPeriodMin: number;
  seed: number | string;
  cohort?: string;
  patients?: string;
  sensor: { model: string; sampleTimeMin?: number; timesOfDay?: string[] };
  pump?: { model: string };
  pen?: { model: string };
  controller: ControllerSpecFile;
  meals: ProtocolMealsFile | ListMealsFile;
}

/** `controller` of a scenario file (and of an experiment's arm). */
export interface ControllerSpecFile {
  name: string;
  options?: Record<string, unknown>;
  timeoutMs?: number;
  latencyMs?: number;
}

export interface ProtocolMealsFile {
  protocol: {
    meals: ProtocolMealFile[];
    durationMin: number;
    announceLeadMin: number;
    estimateError: { min: number; max: number };
  };
}

export interface ProtocolMealFile {
  name: string;
  carbsG: { min: number; max: number };
  time: { from: string; to: string };
  omitProbability: number;
}

export interface ListMealsFile {
  list: ListMealFile[];
  durationMin: number;
  announceLeadMin: number;
}

export interface ListMealFile {
  day: number;
  time: string;
  carbsG: number;
  estimatedCarbsG?: number;
  durationMin?: number;
}

/** Device models a scenario may name: the S2008 presets, or the error-free `ideal`. */
export const SENSOR_MODELS: readonly string[] = [...Object.keys(CGM_PRESETS), 'ideal', 'smbg'];
export const PUMP_MODELS: readonly string[] = [...Object.keys(PUMP_PRESETS), 'ideal'];
/** Insulin pens: dialled in whole or in half units. */
export const PEN_MODELS: readonly string[] = ['whole-unit', 'half-unit'];

const minutesAtLeast1 = { type: 'integer', minimum: 1 } as const;

/** Default deadline of each asynchronous controller call, ms (`controller.timeoutMs`). */
export const DEFAULT_CONTROLLER_TIMEOUT_MS = 10_000;

/**
 * `controller` of a scenario file and of an experiment's arm. The options
 * belong to the controller: the registry validates them against the
 * controller's own schema (src/control/registry.ts).
 */
export const CONTROLLER_SPEC_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 },
    options: { type: 'object' },
    // A deadline for each asynchronous call (decide, delivered, endOfDay,
    // start, close): a remote controller that stops answering fails the run
    // instead of hanging it. At most an hour: a longer wait is a hang.
    timeoutMs: { type: 'integer', minimum: 1, maximum: 3_600_000 },
    // Wall-clock delay added to every call during the run (decide, delivered,
    // endOfDay), as a controller across a network would answer; simulated
    // time does not move. For testing deadlines and --concurrency-per-worker
    // without a network.
    latencyMs: { type: 'integer', minimum: 0, maximum: 60_000 },
  },
} as const;
const minutesAtLeast0 = { type: 'integer', minimum: 0 } as const;

/**
 * JSON Schema draft-07 (ajv's default dialect). Every object is closed
 * (`additionalProperties: false`) so a misspelt key is an error rather than a
 * silently ignored setting. Meal durations and lead times are whole minutes
 * because the simulation advances on a one-minute grid (src/model/mealIntake.ts).
 */
export const SCENARIO_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'glucosim scenario',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'days', 'startTime', 'controlPeriodMin', 'seed', 'sensor', 'controller', 'meals'],
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    days: { type: 'integer', minimum: 1, maximum: MAX_SCENARIO_DAYS },
    startTime: { type: 'string', pattern: TIME_OF_DAY_PATTERN },
    controlPeriodMin: minutesAtLeast1,
    seed: { type: ['integer', 'string'], minLength: 1 },
    cohort: { type: 'string', minLength: 1, description: 'comma-separated patient names or groups; default "all"' },
    patients: { type: 'string', minLength: 1, description: 'the virtual population: uva-padova-s2008 (default) or a cohort file in patients/' },
    sensor: {
      type: 'object',
      additionalProperties: false,
      required: ['model'],
      properties: {
        model: { type: 'string', enum: SENSOR_MODELS },
        sampleTimeMin: minutesAtLeast1,
        timesOfDay: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: TIME_OF_DAY_PATTERN } },
      },
    },
    pump: {
      type: 'object',
      additionalProperties: false,
      required: ['model'],
      properties: { model: { type: 'string', enum: PUMP_MODELS } },
    },
    pen: {
      type: 'object',
      additionalProperties: false,
      required: ['model'],
      properties: { model: { type: 'string', enum: PEN_MODELS } },
    },
    controller: CONTROLLER_SPEC_SCHEMA,
    meals: {
      type: 'object',
      // A discriminating if/then/else rather than oneOf: ajv then reports the
      // errors of the branch the user meant, not of both alternatives.
      if: { properties: { protocol: true }, required: ['protocol'] },
      then: {
        additionalProperties: false,
        properties: { protocol: { $ref: '#/definitions/protocol' } },
      },
      else: {
        additionalProperties: false,
        required: ['list', 'durationMin', 'announceLeadMin'],
        properties: {
          list: { type: 'array', items: { $ref: '#/definitions/listedMeal' } },
          durationMin: minutesAtLeast1,
          announceLeadMin: minutesAtLeast0,
        },
      },
    },
  },
  definitions: {
    range: {
      type: 'object',
      additionalProperties: false,
      required: ['min', 'max'],
      properties: { min: { type: 'number' }, max: { type: 'number' } },
    },
    protocol: {
      type: 'object',
      additionalProperties: false,
      required: ['meals', 'durationMin', 'announceLeadMin', 'estimateError'],
      properties: {
        meals: { type: 'array', minItems: 1, items: { $ref: '#/definitions/protocolMeal' } },
        durationMin: minutesAtLeast1,
        announceLeadMin: minutesAtLeast0,
        estimateError: {
          type: 'object',
          additionalProperties: false,
          required: ['min', 'max'],
          // A relative error of −1 or below would make the estimate zero or negative.
          properties: { min: { type: 'number', exclusiveMinimum: -1 }, max: { type: 'number', exclusiveMinimum: -1 } },
        },
      },
    },
    protocolMeal: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'carbsG', 'time', 'omitProbability'],
      properties: {
        name: { type: 'string', minLength: 1 },
        carbsG: {
          type: 'object',
          additionalProperties: false,
          required: ['min', 'max'],
          properties: { min: { type: 'number', minimum: 0, maximum: MAX_MEAL_CARBS_G }, max: { type: 'number', minimum: 0, maximum: MAX_MEAL_CARBS_G } },
        },
        time: {
          type: 'object',
          additionalProperties: false,
          required: ['from', 'to'],
          properties: {
            from: { type: 'string', pattern: TIME_OF_DAY_PATTERN },
            to: { type: 'string', pattern: END_TIME_OF_DAY_PATTERN },
          },
        },
        omitProbability: { type: 'number', minimum: 0, maximum: 1 },
      },
    },
    listedMeal: {
      type: 'object',
      additionalProperties: false,
      required: ['day', 'time', 'carbsG'],
      properties: {
        day: { type: 'integer', minimum: 1 },
        time: { type: 'string', pattern: TIME_OF_DAY_PATTERN },
        carbsG: { type: 'number', exclusiveMinimum: 0, maximum: MAX_MEAL_CARBS_G },
        estimatedCarbsG: { type: 'number', minimum: 0, maximum: MAX_MEAL_CARBS_G },
        durationMin: minutesAtLeast1,
      },
    },
  },
} as const;

/** Validate a parsed scenario file against the schema; throws an InputError naming the first bad field. */
export const validateScenarioFile = compileValidator<ScenarioFile>(SCENARIO_SCHEMA, {
  requiredHint: (path, missing) => (path === '/meals' && missing === 'list' ? ' (meals need a protocol or a list)' : ''),
});
