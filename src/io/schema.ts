/**
 * One validation style for every input file: a JSON Schema (draft-07,
 * checked by ajv) per kind of input — scenario files, experiment files,
 * controller options — and one error format. The first, most specific ajv
 * error becomes a one-line InputError naming the file and the field by its
 * dotted path (`meals.protocol.meals[2].carbsG.min`,
 * `arms[1].controller.options.maxDailyIncrease`). Checks that relate two
 * fields are made by the caller after the schema, in the same format.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
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

/**
 * ajv's options, here and in the build step that precompiles the schemas
 * (scripts/buildValidators.mjs). strict: a mistake in a schema fails when it
 * is compiled instead of being logged; allErrors so the most specific error
 * can be chosen; verbose for the schema beside each error (the allowed keys
 * of an unknown property).
 */
export const AJV_OPTIONS = Object.freeze({ strict: true, allowUnionTypes: true, allErrors: true, verbose: true });

/**
 * The folder beside this module where the build writes the precompiled
 * validators, one module `<schemaKey>.cjs` each: a command loads only the
 * ones it uses (all of them are ~0.9 MB of code, as costly to load as ajv).
 */
export const PRECOMPILED_DIRECTORY = 'validators';

const requireHere = createRequire(import.meta.url);

let shared: AjvInstance | undefined;

/**
 * The process's one ajv instance (compiled schemas are cached per instance),
 * loaded on first use, for a schema the build did not precompile (a
 * controller defined outside glucosim; a build without its last step):
 * loading ajv and compiling costs ~70 ms.
 */
function ajv(): AjvInstance {
  if (!shared) {
    const { Ajv } = requireHere('ajv') as typeof import('ajv');
    shared = new Ajv(AJV_OPTIONS);
  }
  return shared;
}

let ajvVersion: string | undefined;

/**
 * What a compiled validator depends on: ajv's version, its options and the
 * schema as JSON in its own key order (the order of ajv's errors, hence the
 * error reported, follows it), hashed; undefined for a schema that JSON does
 * not represent exactly (a function, undefined, NaN …), never precompiled.
 * A precompiled validator is used only under its key, so one from an older
 * schema or ajv is never used.
 */
export function schemaKey(schema: JsonSchema): string | undefined {
  let exact = true;
  const json = JSON.stringify(schema, (_key, value: unknown) => {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint' || (typeof value === 'number' && !Number.isFinite(value))) exact = false;
    else if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) exact = false;
    return exact ? value : null;
  });
  if (!exact) return undefined;
  ajvVersion ??= (requireHere('ajv/package.json') as { version: string }).version;
  return createHash('sha256').update(JSON.stringify([ajvVersion, AJV_OPTIONS])).update('\0').update(json).digest('hex');
}

/** The build's validator of `schema`, or undefined: none is current (a schema changed since the build, tsc alone, the sources under vitest). */
export function precompiledValidator<T>(schema: JsonSchema): ValidateFunction<T> | undefined {
  const key = schemaKey(schema);
  if (key === undefined) return undefined;
  const file = new URL(`${PRECOMPILED_DIRECTORY}/${key}.cjs`, import.meta.url);
  return existsSync(file) ? (requireHere(fileURLToPath(file)) as ValidateFunction<T>) : undefined;
}

let schemaListener: ((schema: JsonSchema) => void) | undefined;

/** Be told of every schema given to compileValidator from now on: the build step's (and its test's) census of the schemas. */
export function onSchemaGiven(listener: ((schema: JsonSchema) => void) | undefined): void {
  schemaListener = listener;
}

/**
 * A validator with the project's error format. The schema's validate
 * function is looked up on the first call: the build's precompiled one
 * (loading ajv's compiler costs ~70 ms), else compiled by ajv.
 */
export function compileValidator<T>(schema: JsonSchema, options: ValidatorOptions = {}): Validator<T> {
  schemaListener?.(schema);
  let validate: ValidateFunction<T> | undefined;
  return (json, file, field = '') => {
    validate ??= precompiledValidator<T>(schema) ?? ajv().compile<T>(schema);
    return validateWith(validate, json, file, field, options);
  };
}

/** Compiled by ajv, never precompiled: what the precompiled validators are checked against. */
export function compileValidatorAtRunTime<T>(schema: JsonSchema, options: ValidatorOptions = {}): Validator<T> {
  let validate: ValidateFunction<T> | undefined;
  return (json, file, field = '') => {
    validate ??= ajv().compile<T>(schema);
    return validateWith(validate, json, file, field, options);
  };
}

function validateWith<T>(validate: ValidateFunction<T>, json: unknown, file: string, field: string, options: ValidatorOptions): T {
  if (validate(json)) return json;
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
  const described = errors.map((e) => describe(e, json, options));
  // Most specific = deepest path; among equals, ajv's order (schema order).
  let best = described[0];
  for (const d of described) if (best === undefined || d.depth > best.depth) best = d;
  if (best === undefined) throw new InputError(file, field, 'does not match its schema');
  throw new InputError(file, joinField(field, best.field), best.reason);
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
