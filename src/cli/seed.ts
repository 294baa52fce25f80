/**
 * Seeds on the command line (`--seed S`): any text. A seed that reads as a
 * whole number (`7`, `-1`, `007`) is that number, anything else (`abc`,
 * `-1e400`) is used as text (src/random/streams.ts parseSeed), so `7` and
 * `007` are the same seed.
 */
import { InputError } from '../io/errors.js';
import { parseSeed } from '../random/streams.js';

/** The `--seed` option's value, parsed; undefined if not given. */
export function seedOption(text: string | undefined): number | string | undefined {
  if (text === undefined) return undefined;
  // As in a scenario file (schema: minLength 1), an empty seed is a mistake, e.g. `--seed "$UNSET"`.
  if (text.trim() === '') throw new InputError('--seed', '', 'must not be empty');
  return parseSeed(text);
}

export { attachSeedValues } from './seedArguments.js';
