/**
 * The build's precompiled validators (scripts/buildValidators.mjs, in
 * dist/src/io/validators/): every schema given to compileValidator has one
 * that is current (its schemaKey names a file), and it gives the verdict and
 * the error message ajv's run-time compilation gives, on the project's JSON
 * files, the controllers' examples, a sample made from each schema, and
 * mutations of whatever each schema accepts. Runs the BUILT modules, as the
 * CLI does (`npm test` builds first).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/io/paths.js';
import type * as SchemaModule from '../../src/io/schema.js';
import type * as RegistryModule from '../../src/control/registry.js';

type JsonSchema = SchemaModule.JsonSchema;

const DIST_SRC = join(PROJECT_ROOT, 'dist', 'src');

/** Files under `dir` whose name passes `keep`, sorted. */
function files(dir: string, keep: (name: string) => boolean): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...files(path, keep));
    else if (keep(entry.name)) found.push(path);
  }
  return found;
}

/** The built modules of the sources that call compileValidator (found in src/, independently of the build's search of dist/). */
function callersOfCompileValidator(): string[] {
  const src = join(PROJECT_ROOT, 'src');
  return files(src, (name) => name.endsWith('.ts'))
    .filter((path) => !path.endsWith(join('io', 'schema.ts')) && /\bcompileValidator\s*[<(]/.test(readFileSync(path, 'utf8')))
    .map((path) => join(DIST_SRC, relative(src, path)).replace(/\.ts$/, '.js'));
}

/** Deterministic values of every kind, to put where a schema expects another. */
const WRONG_VALUES: readonly unknown[] = [null, true, -1, 0.5, 1e6, '', 'x', '-1', [], [1], {}, { zz: 1 }];

/** A value `schema` should accept, made from its keywords; a best effort (a pattern is not followed). */
function sample(schema: unknown, root: Record<string, unknown>, depth = 0): unknown {
  if (typeof schema !== 'object' || schema === null || depth > 12) return null;
  const s = schema as Record<string, unknown>;
  if (typeof s.$ref === 'string' && s.$ref.startsWith('#/')) {
    let target: unknown = root;
    for (const part of s.$ref.slice(2).split('/')) target = (target as Record<string, unknown> | undefined)?.[part];
    return sample(target, root, depth + 1);
  }
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  if (Array.isArray(s.oneOf)) return sample(s.oneOf[0], root, depth + 1);
  if (Array.isArray(s.anyOf)) return sample(s.anyOf[0], root, depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key of (s.required ?? []) as string[]) out[key] = sample(properties[key] ?? {}, root, depth + 1);
      return out;
    }
    case 'array':
      return Array.from({ length: typeof s.minItems === 'number' ? s.minItems : 1 }, () => sample(s.items ?? {}, root, depth + 1));
    case 'string':
      return 'x'.repeat(typeof s.minLength === 'number' ? Math.max(1, s.minLength) : 1);
    case 'integer':
    case 'number': {
      const low = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : 1;
      return type === 'integer' ? Math.ceil(low) : low;
    }
    case 'boolean':
      return true;
    default:
      return {};
  }
}

/** `value` with one change at each of its first `limit` places: a value of another kind, a property removed or one added. */
function mutations(value: unknown, limit = 80): unknown[] {
  const out: unknown[] = [];
  const clone = (): unknown => JSON.parse(JSON.stringify(value)) as unknown;
  const paths: (string | number)[][] = [];
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (paths.length >= limit) return;
    paths.push(path);
    if (Array.isArray(node)) node.slice(0, 3).forEach((item, i) => walk(item, [...path, i]));
    else if (node !== null && typeof node === 'object') for (const [key, item] of Object.entries(node)) walk(item, [...path, key]);
  };
  walk(value, []);
  paths.forEach((path, n) => {
    const at = (doc: unknown, change: (parent: Record<string | number, unknown>, key: string | number) => void): unknown => {
      if (path.length === 0) return doc;
      let parent = doc as Record<string | number, unknown>;
      for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
      change(parent, path[path.length - 1]!);
      return doc;
    };
    // Two wrong values per place, cycling through WRONG_VALUES, keep the count linear in the places.
    for (const wrong of [WRONG_VALUES[n % WRONG_VALUES.length], WRONG_VALUES[(n + 5) % WRONG_VALUES.length]]) {
      out.push(path.length === 0 ? wrong : at(clone(), (parent, key) => (parent[key] = JSON.parse(JSON.stringify(wrong)) as unknown)));
    }
    const target = path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], value);
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
      const added = clone();
      const node = path.reduce<unknown>((d, key) => (d as Record<string | number, unknown>)[key], added) as Record<string, unknown>;
      node.zzUnknown = 1;
      out.push(added);
      for (const key of Object.keys(target).slice(0, 2)) {
        const removed = clone();
        delete (path.reduce<unknown>((d, k) => (d as Record<string | number, unknown>)[k], removed) as Record<string, unknown>)[key];
        out.push(removed);
      }
    }
  });
  return out;
}

/** What a validator makes of `json`: 'valid', or the error's class and message. */
function outcome(validate: SchemaModule.Validator<unknown>, json: unknown): string {
  try {
    validate(json, 'file.json', 'field');
    return 'valid';
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

describe('the precompiled validators', () => {
  let schema: typeof SchemaModule;
  const given: JsonSchema[] = [];
  const documents: unknown[] = [];

  beforeAll(async () => {
    if (!existsSync(join(DIST_SRC, 'io', 'validators'))) throw new Error("dist/src/io/validators is missing: run 'npm run build' first (npm test does)");
    schema = (await import(pathToFileURL(join(DIST_SRC, 'io', 'schema.js')).href)) as typeof SchemaModule;
    schema.onSchemaGiven((s) => given.push(s));
    try {
      for (const module of callersOfCompileValidator()) await import(pathToFileURL(module).href);
    } finally {
      schema.onSchemaGiven(undefined);
    }
    const registry = (await import(pathToFileURL(join(DIST_SRC, 'control', 'registry.js')).href)) as typeof RegistryModule;
    for (const entry of registry.BUILT_IN_CONTROLLERS.entries) for (const example of entry.examples) documents.push(example.options);
    for (const dir of ['scenarios', 'experiments', 'patients', join('test', 'fixtures')]) {
      for (const file of files(join(PROJECT_ROOT, dir), (name) => name.endsWith('.json'))) documents.push(JSON.parse(readFileSync(file, 'utf8')) as unknown);
    }
  });

  it('exist and are current for every schema given to compileValidator', () => {
    // The scenario, experiment, controller options, key and share files, wire messages …: dozens.
    expect(given.length).toBeGreaterThan(30);
    const missing = given.filter((s) => schema.precompiledValidator(s) === undefined).map((s) => JSON.stringify(s).slice(0, 120));
    expect(missing, "schemas without a current precompiled validator: run 'npm run build'").toEqual([]);
  });

  it('give the verdict and the message of ajv at run time', () => {
    const accepting = new Set<JsonSchema>();
    let compared = 0;
    for (const s of given) {
      const precompiled = schema.compileValidator(s);
      const runTime = schema.compileValidatorAtRunTime(s);
      const own = sample(s, s as Record<string, unknown>);
      for (const json of [own, ...documents, ...WRONG_VALUES]) {
        const verdict = outcome(runTime, json);
        expect(outcome(precompiled, json)).toBe(verdict);
        compared++;
        if (verdict !== 'valid') continue;
        // Deeper errors: mutations of what this schema accepts.
        accepting.add(s);
        for (const changed of mutations(json)) {
          expect(outcome(precompiled, changed)).toBe(outcome(runTime, changed));
          compared++;
        }
      }
    }
    // Most schemas accept their sample or one of the files, so the mutations reach their nested fields.
    expect(accepting.size).toBeGreaterThan(given.length / 2);
    expect(compared).toBeGreaterThan(4_000);
  });

  it('are found only for the schema they were made from', () => {
    const s = given.find((g) => Object.keys(g).length >= 2)!;
    expect(schema.precompiledValidator(s)).toBeTypeOf('function');
    // A schema changed since the build (here: one more keyword) has another key and no precompiled validator.
    const changed = { ...s, description: 'changed since the build' };
    expect(schema.schemaKey(changed)).not.toBe(schema.schemaKey(s));
    expect(schema.precompiledValidator(changed)).toBeUndefined();
    // The order of properties is part of the key: it decides which of several errors is reported.
    const reordered = Object.fromEntries(Object.entries(s).reverse());
    expect(schema.schemaKey(reordered)).not.toBe(schema.schemaKey(s));
    // A schema JSON cannot represent exactly is never looked up.
    expect(schema.schemaKey({ type: 'number', maximum: Number.POSITIVE_INFINITY })).toBeUndefined();
    expect(schema.schemaKey({ type: 'number', description: undefined })).toBeUndefined();
  });
});
