/**
 * One validation style for every input file: a JSON Schema (draft-07,
 * checked by ajv) per kind of input — scenario files, experiment files,
 * controller options — and one error format. The first, most specific ajv
 * error becomes a one-line InputError naming the file and the field by its
 * dotted path (`meals.protocol.meals[2].carbsG.min`,
 * `arms[1].controller.options.maxDailyIncrease`). Checks that relate two
 * fields are made by the caller after the schema, in the same format.
 */
import { createRequire } from 'node:module';
import type { Ajv as AjvInstance, ErrorObject, ValidateFunction } from 'ajv';
import { InputError } from './errors.js';
import { END_TIME_OF_DAY_PATTERN, TIME_OF_DAY_PATTERN, timeOfDayReason } from './timeOfDay.js';

/** A JSON Schema object (draft-07); kept loose because schemas are data, checked by ajv at compile time. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/**
 * Checks `json` and returns it typed; throws an InputError naming `file` and
 * the field, its path prefixed by `field` (the place of this value within
 * its file, e.g. `controller.options`; '' at the root).
 */
export type Validator<T> = (json: unknown, file: string, field?: string) => T;

export interface ValidatorOptions {
  /** A hint appended to "required field is missing" for (instance path, missing property). */
  readonly requiredHint?: (instancePath: string, missing: string) => string;
}

let shared: AjvInstance | undefined;

/**
 * The process's one ajv instance (compiled schemas are cached per instance),
 * loaded on first use: loading ajv and compiling the schemas of every input
 * kind costs ~70 ms, which a worker thread that never validates should not
 * pay at start-up. strict: a mistake in a schema fails when it is compiled
 * instead of being logged; allErrors so the most specific error can be
 * chosen; verbose for the schema beside each error (the allowed keys of an
 * unknown property).
 */
function ajv(): AjvInstance {
  if (!shared) {
    const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
    shared = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true, verbose: true });
  }
  return shared;
}

/** A validator with the project's error format; the schema is compiled on the first call. */
export function compileValidator<T>(schema: JsonSchema, options: ValidatorOptions = {}): Validator<T> {
  let validate: ValidateFunction<T> | undefined;
  return (json, file, field = '') => {
    validate ??= ajv().compile<T>(schema);
    if (validate(json)) return json;
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
    const described = errors.map((e) => describe(e, json, options));
    // Most specific = deepest path; among equals, ajv's order (schema order).
    let best = described[0];
    for (const d of described) if (best === undefined || d.depth > best.depth) best = d;
    if (best === undefined) throw new InputError(file, field, 'does not match its schema');
    throw new InputError(file, joinField(field, best.field), best.reason);
  };
}

/** `prefix` + `path`, with array indices kept in brackets (`arms` + `[1].name` → `arms[1].name`). */
export function joinField(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '') return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

interface Described {
  readonly field: string;
  readonly depth: number;
  readonly reason: string;
}

/** An ajv error as a dotted field path and a human reason. */
function describe(error: ErrorObject, root: unknown, options: ValidatorOptions): Described {
  const segments = pointerSegments(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const value = error.data;
  // Made only for the reasons that quote the value: an error whose data is the whole document (an unknown
  // property's) must not stringify it, or a document of k unknown properties costs k times its size.
  const got = (): string => ` (got ${JSON.stringify(value)})`;
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      const path = [...segments, missing];
      const hint = options.requiredHint?.(error.instancePath, missing) ?? '';
      return { field: dotted(path, root), depth: path.length, reason: `required field is missing${hint}` };
    }
    case 'additionalProperties': {
      const path = [...segments, String(params.additionalProperty)];
      const allowed = Object.keys((error.parentSchema?.properties ?? {}) as object);
      return { field: dotted(path, root), depth: path.length, reason: `unknown property (allowed: ${allowed.join(', ')})` };
    }
    case 'type': {
      const types = Array.isArray(params.type) ? params.type.join(' or ') : String(params.type);
      return at(segments, root, `must be ${types}${got()}`);
    }
    case 'enum':
      return at(segments, root, `must be one of ${(params.allowedValues as unknown[]).join(', ')}${got()}`);
    case 'const':
      return at(segments, root, `must be ${JSON.stringify(params.allowedValue)}${got()}`);
    case 'pattern':
      if (params.pattern === TIME_OF_DAY_PATTERN || params.pattern === END_TIME_OF_DAY_PATTERN) {
        return at(segments, root, timeOfDayReason(value, params.pattern === END_TIME_OF_DAY_PATTERN));
      }
      return at(segments, root, `must match ${String(params.pattern)}${got()}`);
    case 'minimum':
      return at(segments, root, `must be ≥ ${String(params.limit)}${got()}`);
    case 'maximum':
      return at(segments, root, `must be ≤ ${String(params.limit)}${got()}`);
    case 'exclusiveMinimum':
      return at(segments, root, `must be > ${String(params.limit)}${got()}`);
    case 'exclusiveMaximum':
      return at(segments, root, `must be < ${String(params.limit)}${got()}`);
    case 'minLength':
      return at(segments, root, 'must not be empty');
    case 'minItems':
      return at(segments, root, `must have at least ${String(params.limit)} item(s)`);
    case 'maxItems':
      return at(segments, root, `must have at most ${String(params.limit)} item(s)`);
    case 'uniqueItems':
      return at(segments, root, `must not repeat an item (items ${String(params.j)} and ${String(params.i)} are equal)`);
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
