/**
 * The JSON Schema of a scenario file, and its validator: checks the shape,
 * types and per-field ranges, and turns the first, most specific ajv error
 * into a one-line InputError naming the field by its dotted path
 * (`meals.protocol.meals[2].carbsG.min`). Checks that involve two fields
 * (min ≤ max, from < to, a listed day within the run) are made in `load.ts`,
 * where the values are converted.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { CGM_PRESETS, PUMP_PRESETS } from '../devices/presets.js';
import { InputError } from '../io/errors.js';

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
  controller: { name: string; options?: Record<string, unknown> };
  meals: ProtocolMealsFile | ListMealsFile;
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

/** "HH:MM", 00:00–23:59: a start time of day. */
export const TIME_OF_DAY_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
/** "HH:MM", 00:00–24:00: the end of a time window, where 24:00 is the midnight that ends the day. */
export const END_TIME_OF_DAY_PATTERN = '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';

/** Why `text` is not a time of day; shared with `parseTimeOfDay` so both say the same. */
export function timeOfDayReason(text: unknown, allowEndOfDay: boolean): string {
  const last = allowEndOfDay ? '24:00' : '23:59';
  return `must be a time of day "HH:MM" from 00:00 to ${last} (got ${JSON.stringify(text)})`;
}

/** Device models a scenario may name: the S2008 presets, or the error-free `ideal`. */
export const SENSOR_MODELS: readonly string[] = [...Object.keys(CGM_PRESETS), 'ideal', 'smbg'];
export const PUMP_MODELS: readonly string[] = [...Object.keys(PUMP_PRESETS), 'ideal'];
/** Insulin pens: dialled in whole or in half units. */
export const PEN_MODELS: readonly string[] = ['whole-unit', 'half-unit'];

const minutesAtLeast1 = { type: 'integer', minimum: 1 } as const;
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
    days: { type: 'integer', minimum: 1 },
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
    controller: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1 },
        // Contents belong to the controller, which validates them itself.
        options: { type: 'object' },
      },
    },
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
          properties: { min: { type: 'number', minimum: 0 }, max: { type: 'number', minimum: 0 } },
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
        carbsG: { type: 'number', exclusiveMinimum: 0 },
        estimatedCarbsG: { type: 'number', minimum: 0 },
        durationMin: minutesAtLeast1,
      },
    },
  },
} as const;

// strict: a mistake in this schema fails at start-up instead of being logged;
// allErrors so the most specific error can be chosen; verbose for the schema
// beside each error (the allowed keys of an unknown property).
const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true, verbose: true });
const validate = ajv.compile<ScenarioFile>(SCENARIO_SCHEMA);

/** Validate a parsed scenario file against the schema; throws an InputError naming the first bad field. */
export function validateScenarioFile(json: unknown, file: string): ScenarioFile {
  if (validate(json)) return json;
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
  const described = errors.map((e) => describe(e, json));
  // Most specific = deepest path; among equals, ajv's order (schema order).
  let best = described[0];
  for (const d of described) if (best === undefined || d.depth > best.depth) best = d;
  if (best === undefined) throw new InputError(file, '', 'does not match the scenario schema');
  throw new InputError(file, best.field, best.reason);
}

interface Described {
  readonly field: string;
  readonly depth: number;
  readonly reason: string;
}

/** An ajv error as a dotted field path and a human reason. */
function describe(error: ErrorObject, root: unknown): Described {
  const segments = pointerSegments(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const value = error.data;
  const got = ` (got ${JSON.stringify(value)})`;
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      const path = [...segments, missing];
      const hint = error.instancePath === '/meals' && missing === 'list' ? ' (meals need a protocol or a list)' : '';
      return { field: dotted(path, root), depth: path.length, reason: `required field is missing${hint}` };
    }
    case 'additionalProperties': {
      const path = [...segments, String(params.additionalProperty)];
      const allowed = Object.keys((error.parentSchema?.properties ?? {}) as object);
      return { field: dotted(path, root), depth: path.length, reason: `unknown property (allowed: ${allowed.join(', ')})` };
    }
    case 'type': {
      const types = Array.isArray(params.type) ? params.type.join(' or ') : String(params.type);
      return at(segments, root, `must be ${types}${got}`);
    }
    case 'enum':
      return at(segments, root, `must be one of ${(params.allowedValues as unknown[]).join(', ')}${got}`);
    case 'pattern':
      return at(segments, root, timeOfDayReason(value, params.pattern === END_TIME_OF_DAY_PATTERN));
    case 'minimum':
      return at(segments, root, `must be ≥ ${String(params.limit)}${got}`);
    case 'maximum':
      return at(segments, root, `must be ≤ ${String(params.limit)}${got}`);
    case 'exclusiveMinimum':
      return at(segments, root, `must be > ${String(params.limit)}${got}`);
    case 'minLength':
      return at(segments, root, 'must not be empty');
    case 'minItems':
      return at(segments, root, `must have at least ${String(params.limit)} item(s)`);
    default:
      return at(segments, root, error.message ?? `fails the schema keyword ${error.keyword}`);
  }
}

function at(segments: readonly string[], root: unknown, reason: string): Described {
  return { field: dotted(segments, root), depth: segments.length, reason };
}

/** The reference tokens of a JSON Pointer (RFC 6901: ~1 is '/', ~0 is '~'). */
function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `meals.protocol.meals[2].carbsG.min`: indices of arrays in brackets, decided by walking the data. */
function dotted(segments: readonly string[], root: unknown): string {
  let out = '';
  let node: unknown = root;
  for (const s of segments) {
    if (Array.isArray(node)) out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[s] : undefined;
  }
  return out;
}
