#!/usr/bin/env node
/** The `glucosim` command line: thin yargs commands over the pipeline. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { InputError } from '../io/errors.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';
import { GLUCOSIM_VERSION } from './version.js';

function fail(err: unknown): never {
  if (err instanceof InputError) {
    process.stderr.write(`glucosim: ${err.message}\n`);
    process.exit(2);
  }
  // A file-system refusal (EISDIR, EACCES, ENOSPC …) is the user's to fix: one line, no stack.
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (err instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    process.stderr.write(`glucosim: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`glucosim: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}

/**
 * An option given at most once: yargs turns a repeated option (`--seed 1
 * --seed 2`) into an array, which the commands would misuse (a crash, or an
 * array recorded as the seed), so a repeat is bad input.
 */
function once<T>(value: T | readonly T[] | undefined, option: string): T | undefined {
  if (Array.isArray(value)) throw new InputError(`--${option}`, '', `given ${value.length} times; give it once`);
  return value as T | undefined;
}

await yargs(hideBin(process.argv))
  .scriptName('glucosim')
  .version(GLUCOSIM_VERSION)
  .strict()
  .command(
    'run <scenario>',
    'Run a cohort of virtual patients through a scenario file',
    (y) =>
      y
        .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario JSON file (see scenarios/)' })
        .option('cohort', { type: 'string', describe: 'patients: names (adult#001), groups (adolescents, adults, children) or all, comma-separated; default: the scenario\'s cohort' })
        .option('out', { type: 'string', describe: 'run directory to create (default: results/<scenario>-<timestamp>/)' })
        .option('workers', { type: 'number', describe: 'worker threads (default: all cores)' })
        .option('seed', { type: 'string', describe: 'override the scenario seed' })
        .option('quiet', { type: 'boolean', default: false, describe: 'no progress line on stderr' }),
    async (argv) => {
      try {
        const out = await runCommand({
          scenario: argv.scenario,
          cohort: once(argv.cohort, 'cohort'),
          out: once(argv.out, 'out'),
          workers: once(argv.workers, 'workers'),
          seed: once(argv.seed, 'seed'),
          quiet: argv.quiet,
        });
        process.stdout.write(`${out}\n`);
      } catch (err) {
        fail(err);
      }
    },
  )
  .command(
    'replay',
    'Drive one patient with per-minute inputs (minute, carbs_g, insulin_u_per_min) and print minute,bg_mg_dl',
    (y) =>
      y
        .option('patient', { type: 'string', demandOption: true, describe: 'patient name, e.g. adult#001' })
        .option('inputs', { type: 'string', demandOption: true, describe: 'CSV with columns minute, carbs_g, insulin_u_per_min' })
        .option('out', { type: 'string', describe: 'output CSV (default: stdout)' })
        .option('eat-rate', { type: 'number', describe: 'eating rate, g/min (default 5, as the reference)' }),
    (argv) => {
      try {
        const out = once(argv.out, 'out');
        const csv = replayCommand({
          patient: once(argv.patient, 'patient')!,
          inputs: once(argv.inputs, 'inputs')!,
          out,
          eatRate: once(argv['eat-rate'], 'eat-rate'),
        });
        if (!out) process.stdout.write(csv);
      } catch (err) {
        fail(err);
      }
    },
  )
  .demandCommand(1, 'give a command: run or replay')
  .help()
  .fail((message, err) => {
    if (err) fail(err);
    process.stderr.write(`glucosim: ${message}\n(see glucosim --help)\n`);
    process.exit(2);
  })
  .parseAsync();
