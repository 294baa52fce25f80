/** Shared fixtures of the scenario tests: the shipped files and a way to expect an InputError. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { InputError } from '../../src/io/errors.js';

export const RANDOMISED_FILE = fileURLToPath(new URL('../../scenarios/randomised-10day.json', import.meta.url));
export const SINGLE_MEAL_FILE = fileURLToPath(new URL('../../scenarios/single-meal-1day.json', import.meta.url));

/** A fresh, mutable copy of the shipped randomised scenario's JSON. */
export function randomisedJson(): Record<string, any> {
  return JSON.parse(readFileSync(RANDOMISED_FILE, 'utf8')) as Record<string, any>;
}

/** A fresh, mutable copy of the shipped single-meal scenario's JSON. */
export function singleMealJson(): Record<string, any> {
  return JSON.parse(readFileSync(SINGLE_MEAL_FILE, 'utf8')) as Record<string, any>;
}

/** Run `action`, expect an InputError for `file` at `field` whose reason matches `reason`; return it. */
export function expectInputError(action: () => unknown, file: string, field: string, reason: RegExp): InputError {
  let caught: unknown;
  try {
    action();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an InputError').toBeInstanceOf(InputError);
  const error = caught as InputError;
  expect(error.file).toBe(file);
  expect(error.field).toBe(field);
  expect(error.reason).toMatch(reason);
  expect(error.message).not.toContain('\n');
  return error;
}
