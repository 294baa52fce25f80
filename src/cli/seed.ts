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

/**
 * The command line with a value starting with '-' attached to the `--seed`
 * before it (`--seed -1e400` → `--seed=-1e400`): yargs would read such a
 * value as short options (`-1 -e …`).
 * Tokens after `--` are left alone.
 */
export function attachSeedValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') return [...out, ...args.slice(i)];
    // Only a value that starts with one '-' (`-1`, `-1e400`): `--seed --force` is a missing seed
    // (refused as empty), not a seed "--force" that silently drops the option.
    if (args[i] === '--seed' && i + 1 < args.length && /^-(?!-)/.test(args[i + 1])) out.push(`--seed=${args[++i]}`);
    else out.push(args[i]);
  }
  return out;
}
