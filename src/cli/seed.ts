/**
 * Seeds on the command line (`--seed S`): any text. A seed that reads as a
 * whole number (`7`, `-1`, `007`) is that number, anything else (`abc`,
 * `-1e400`) is used as text; seeds key the random streams as text, so `7`
 * and `007` are the same seed.
 */
import { InputError } from '../io/errors.js';

/** A seed from the command line: an integer if it reads as one, else the text. */
export function parseSeed(text: string): number | string {
  return /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : text;
}

/** The `--seed` option's value, parsed; undefined if not given. */
export function seedOption(text: string | undefined): number | string | undefined {
  if (text === undefined) return undefined;
  // As in a scenario file (schema: minLength 1), an empty seed is a mistake, e.g. `--seed "$UNSET"`.
  if (text.trim() === '') throw new InputError('--seed', '', 'must not be empty');
  return parseSeed(text);
}

/**
 * The command line with the token after every `--seed` attached to it
 * (`--seed -1e400` → `--seed=-1e400`): yargs would read a value starting
 * with '-' that is not a plain number as short options (`-1 -e …`).
 * Tokens after `--` are left alone.
 */
export function attachSeedValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') return [...out, ...args.slice(i)];
    if (args[i] === '--seed' && i + 1 < args.length) out.push(`--seed=${args[++i]}`);
    else out.push(args[i]);
  }
  return out;
}
