/**
 * `glucosim cohort generate --type t2dm --n 100 --seed 7 --out patients/t2dm-100.json`:
 * draw a virtual cohort (src/cohort/t2dm.ts) and write it atomically.
 */
import { generateT2dmCohort, t2dmCohortJson } from '../cohort/t2dm.js';
import { writeFileAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { checkOutputFile } from './outputDir.js';
import { seedOption } from './seed.js';
import { GLUCOSIM_VERSION } from './version.js';

/** Cohort types the generator knows. */
export const COHORT_TYPES = ['t2dm'] as const;

/** Largest cohort one command draws (a guard against a mistyped --n). */
export const MAX_COHORT_SIZE = 100_000;

export interface CohortGenerateArguments {
  /** Cohort type; only 't2dm'. */
  readonly type?: string;
  /** Number of subjects, a whole number ≥ 1 (a string from the command line is parsed strictly). */
  readonly n?: number | string;
  /** Seed of the random streams: a number, or any text as `glucosim run --seed` takes it (default 1). */
  readonly seed?: number | string;
  /** Output file (JSON). */
  readonly out?: string;
  /** Replace an existing output file. */
  readonly force?: boolean;
}

/** A whole number from an option, or an InputError naming it. */
function wholeNumber(value: number | string | undefined, option: string, min: number, max: number): number {
  const text = typeof value === 'string' ? value.trim() : value;
  const n = typeof text === 'string' ? (/^[+-]?\d+$/.test(text) ? Number(text) : NaN) : text;
  if (n === undefined || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new InputError(`--${option}`, '', `must be a whole number from ${min} to ${max}, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
  }
  return n;
}

/** `text` as one shell word, so that the file's generatedBy is a command that makes it again. */
function shellWord(text: string): string {
  // A leading '#' would start a shell comment.
  return /^[\w.+-][\w.#+-]*$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

/** Why `out` cannot be written, in a user's words. */
function writeFailure(out: string, err: unknown): InputError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'ENOTDIR' ? 'a parent of it is a file, not a directory'
      : code === 'EISDIR' ? 'is a directory; give a file name'
        : code === 'EROFS' ? 'read-only file system'
          : code === 'ENOSPC' ? 'no space left on the device'
            : (err as Error).message;
  return new InputError('--out', '', `cannot write ${out}: ${reason}`);
}

/**
 * Generate the cohort and write it to `args.out` (atomically: a failed
 * write leaves nothing under that name). Returns the path written.
 */
export function cohortGenerateCommand(args: CohortGenerateArguments): string {
  if (args.type === undefined) throw new InputError('--type', '', `missing; give one of: ${COHORT_TYPES.join(', ')}`);
  if (!(COHORT_TYPES as readonly string[]).includes(args.type)) {
    throw new InputError('--type', '', `unknown cohort type '${args.type}' (known: ${COHORT_TYPES.join(', ')})`);
  }
  const n = wholeNumber(args.n, 'n', 1, MAX_COHORT_SIZE);
  const seed = seedOption(args.seed === undefined ? undefined : String(args.seed)) ?? 1;
  const out = args.out;
  if (out === undefined || out.trim() === '') throw new InputError('--out', '', 'missing; give the cohort file to write, e.g. patients/t2dm-100.json');
  checkOutputFile(out, args.force);
  const cohort = generateT2dmCohort(n, seed);
  const json = t2dmCohortJson(cohort, `glucosim ${GLUCOSIM_VERSION} cohort generate --type ${args.type} --n ${n} --seed ${shellWord(String(seed))}`);
  try {
    writeFileAtomic(out, json);
  } catch (err) {
    throw writeFailure(out, err);
  }
  return out;
}
