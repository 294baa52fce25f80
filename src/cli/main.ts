#!/usr/bin/env node
/** The `glucosim` command line: thin yargs commands over the pipeline. */
import { InputError } from '../io/errors.js';
import { knownExitCode } from './exitCode.js';
import { FORCE_OPTION } from './outputDir.js';
import { attachSeedValues } from './seedArguments.js';
import { GLUCOSIM_VERSION } from './version.js';

// Each command's module is imported by its handler (and the ppopi group's by its builder), only when
// that command runs: together they load the model, the controllers, the crypto and network code, which
// `--version`, `--help` and any one command should not pay for at start-up.

// `glucosim --version` alone, printed as yargs prints it, without loading yargs: its ~40 modules (and
// string-width's Intl.Segmenter) cost more than all the rest of `--version`.
if (process.argv.length === 3 && process.argv[2] === '--version') {
  process.stdout.write(`${GLUCOSIM_VERSION}\n`);
  process.exit(0);
}

const [{ default: yargs }, { hideBin }] = await Promise.all([import('yargs'), import('yargs/helpers')]);

/** `--shard K/N` of run and experiment. */
const SHARD_OPTION = { type: 'string', describe: 'run only shard K of N (e.g. 2/4) into a shard directory, for glucosim merge (default: the whole study)' } as const;

/** Print an error and exit: one line and its status for an error a user can act on (knownExitCode), else its stack and 1. */
async function fail(err: unknown): Promise<never> {
  const exitCode = await knownExitCode(err);
  if (exitCode !== undefined) {
    process.stderr.write(`glucosim: ${(err as Error).message}\n`);
    process.exit(exitCode);
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

await yargs(attachSeedValues(hideBin(process.argv)))
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
        .option('force', FORCE_OPTION)
        .option('workers', { type: 'number', describe: 'worker threads (default: all cores)' })
        .option('concurrency-per-worker', { type: 'number', describe: 'patients a worker runs at once (default 1; more overlaps the waits of remote controllers)' })
        .option('seed', { type: 'string', describe: 'override the scenario seed: any text; one that reads as a whole number (-1, 007) is that number' })
        .option('quiet', { type: 'boolean', default: false, describe: 'no progress line on stderr' })
        .option('window-days', { type: 'number', describe: 'metrics, CVGA and report over the last N days (default: all days)' })
        .option('report', { type: 'boolean', default: true, describe: 'write metrics, plots and report.html (--no-report: traces and summary only)' })
        .option('traces', { type: 'string', describe: 'trace files: csv (traces/<patient>.csv) or none (default: csv)' })
        .option('cvga-points', { type: 'string', describe: 'CVGA plot and summary: one point per patient over the window (patient, default) or per patient and day (patient-day)' })
        .option('shard', SHARD_OPTION),
    async (argv) => {
      try {
        const { runCommand } = await import('./run.js');
        const out = await runCommand({
          scenario: argv.scenario,
          cohort: once(argv.cohort, 'cohort'),
          out: once(argv.out, 'out'),
          workers: once(argv.workers, 'workers'),
          concurrencyPerWorker: once(argv['concurrency-per-worker'], 'concurrency-per-worker'),
          seed: once(argv.seed, 'seed'),
          quiet: argv.quiet,
          force: argv.force,
          windowDays: once(argv['window-days'], 'window-days'),
          report: argv.report,
          traces: once(argv.traces, 'traces'),
          cvgaPoints: once(argv['cvga-points'], 'cvga-points'),
          shard: once(argv.shard, 'shard'),
        });
        process.stdout.write(`${out}\n`);
      } catch (err) {
        await fail(err);
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
        .option('force', FORCE_OPTION)
        .option('eat-rate', { type: 'number', describe: 'eating rate, g/min (default 5, as the reference)' }),
    async (argv) => {
      try {
        const out = once(argv.out, 'out');
        const { replayCommand } = await import('./replay.js');
        const csv = replayCommand({
          patient: once(argv.patient, 'patient')!,
          inputs: once(argv.inputs, 'inputs')!,
          out,
          eatRate: once(argv['eat-rate'], 'eat-rate'),
          force: argv.force,
        });
        if (!out) process.stdout.write(csv);
      } catch (err) {
        await fail(err);
      }
    },
  )
  .command(
    'metrics <file>',
    'Every glucose metric, CVGA point and zone per subject of a CGM export (CSV with subject, time and glucose columns)',
    (y) =>
      y
        .positional('file', { type: 'string', demandOption: true, describe: 'CGM CSV file' })
        .option('id', { type: 'string', describe: 'subject column (default id)' })
        .option('time', { type: 'string', describe: 'time column, wall clock YYYY-MM-DD HH:MM[:SS] (default time)' })
        .option('glucose', { type: 'string', describe: 'glucose column (default gl)' })
        .option('unit', { type: 'string', describe: 'glucose unit of the file: mg/dL (default) or mmol/L, exactly' })
        .option('unit-check', { type: 'boolean', default: true, describe: 'refuse a file whose values look like the other unit: a subject never above 35 mg/dL, or above 600 mg/dL nearly always (--no-unit-check: keep such data)' })
        .option('duplicates', { type: 'string', describe: 'readings of a subject at the same time: refuse (default) or average' })
        .option('format', { type: 'string', describe: 'json (default) or csv' })
        .option('cvga-points', { type: 'string', describe: 'CVGA: one point per subject (patient, default), or also one per subject and wall-clock day (patient-day), the zone shares then over those' })
        .option('out', { type: 'string', describe: 'output file (default: stdout)' })
        .option('force', FORCE_OPTION),
    async (argv) => {
      try {
        const out = once(argv.out, 'out');
        const { metricsCommand } = await import('./metrics.js');
        const { text, note } = metricsCommand({
          file: argv.file,
          id: once(argv.id, 'id'),
          time: once(argv.time, 'time'),
          glucose: once(argv.glucose, 'glucose'),
          unit: once(argv.unit, 'unit'),
          unitCheck: argv['unit-check'],
          duplicates: once(argv.duplicates, 'duplicates'),
          format: once(argv.format, 'format'),
          cvgaPoints: once(argv['cvga-points'], 'cvga-points'),
          out,
          force: argv.force,
        });
        if (note) process.stderr.write(`glucosim: ${note}\n`);
        if (!out) process.stdout.write(text);
      } catch (err) {
        await fail(err);
      }
    },
  )
  .command(
    'baseline <dir>',
    "Write a baseline of a run's glucose metrics, for later regression checks",
    (y) =>
      y
        .positional('dir', { type: 'string', demandOption: true, describe: 'run directory (with metrics.json)' })
        .option('out', { type: 'string', describe: 'baseline file (default: <dir>/baseline.json)' })
        .option('tolerance', { type: 'number', describe: 'relative tolerance of every metric (default 0.001 = 0.1 %)' })
        .option('strict', { type: 'boolean', default: false, describe: 'flag changes in either direction, improvements too (golden runs)' })
        .option('force', FORCE_OPTION),
    async (argv) => {
      try {
        const { baselineCommand } = await import('./check.js');
        process.stdout.write(`${baselineCommand({ dir: argv.dir, out: once(argv.out, 'out'), tolerance: once(argv.tolerance, 'tolerance'), strict: argv.strict, force: argv.force })}\n`);
      } catch (err) {
        await fail(err);
      }
    },
  )
  .command(
    'check <dir>',
    "Compare a run's glucose metrics with a baseline; exit 1 naming each regression",
    (y) =>
      y
        .positional('dir', { type: 'string', demandOption: true, describe: 'run directory (with metrics.json)' })
        .option('baseline', { type: 'string', demandOption: true, describe: 'baseline file (glucosim baseline)' })
        .option('tolerance', { type: 'number', describe: "relative tolerance overriding the baseline's rules" }),
    async (argv) => {
      try {
        const { checkCommand } = await import('./check.js');
        const { result, lines } = checkCommand({ dir: argv.dir, baseline: once(argv.baseline, 'baseline')!, tolerance: once(argv.tolerance, 'tolerance') });
        if (lines.length > 0) {
          process.stderr.write(`glucosim check: ${lines.length} regression(s) against ${argv.baseline}:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
          process.exit(1);
        }
        process.stdout.write(`glucosim check: ${result.compared} values within tolerance of ${argv.baseline}\n`);
      } catch (err) {
        await fail(err);
      }
    },
  )
  .command(
    'cohort <action>',
    'Generate a virtual cohort file (cohort generate --type t2dm --n 100 --seed 7 --out patients/t2dm-100.json)',
    (y) =>
      y
        .positional('action', { type: 'string', choices: ['generate'], demandOption: true })
        .option('type', { type: 'string', describe: 'cohort type: t2dm' })
        .option('n', { type: 'string', describe: 'number of subjects' })
        .option('seed', { type: 'string', describe: 'seed of the draws, any text as for run (default 1)' })
        .option('out', { type: 'string', describe: 'cohort file to write (JSON)' })
        .option('force', FORCE_OPTION),
    async (argv) => {
      try {
        const { cohortGenerateCommand } = await import('./cohort.js');
        const out = cohortGenerateCommand({ type: once(argv.type, 'type'), n: once(argv.n, 'n'), seed: once(argv.seed, 'seed'), out: once(argv.out, 'out'), force: argv.force });
        process.stdout.write(`${out}\n`);
      } catch (err) {
        await fail(err);
      }
    },
  )
  .command(
    'optimise-therapy',
    "Each S2008 subject's simulator-optimised basal rate and carb ratio (least LBGI + HBGI on a standard day), written as optimised-therapy.csv",
    (y) =>
      y
        .option('cohort', { type: 'string', describe: 'patients: names (adult#001), groups (adolescents, adults, children) or all, comma-separated (default all)' })
        .option('out', { type: 'string', describe: 'CSV to write (default: patients/uva-padova-s2008/optimised-therapy.csv, which the cohort reads)' })
        .option('force', FORCE_OPTION)
        .option('workers', { type: 'number', describe: 'worker threads (default: all cores)' })
        .option('scenario', { type: 'string', describe: 'scenario whose meal protocol, at the middle of its ranges, makes the standard day (default scenarios/randomised-10day.json)' })
        .option('refinements', { type: 'number', describe: 'halvings of the 0.1 grid step around the best point (default 3: to 0.0125; 0: the coarse grid only)' })
        .option('correction', { type: 'boolean', default: false, describe: "add the standard therapy's correction bolus on the standard day" })
        .option('quiet', { type: 'boolean', default: false, describe: 'no progress line or summary on stderr' }),
    async (argv) => {
      try {
        const { optimiseTherapyCommand } = await import('./optimiseTherapy.js');
        const { out } = await optimiseTherapyCommand({
          cohort: once(argv.cohort, 'cohort'),
          out: once(argv.out, 'out'),
          force: argv.force,
          workers: once(argv.workers, 'workers'),
          scenario: once(argv.scenario, 'scenario'),
          refinements: once(argv.refinements, 'refinements'),
          correction: argv.correction,
          quiet: argv.quiet,
        });
        process.stdout.write(`${out}\n`);
      } catch (err) {
        await fail(err);
      }
    },
  )
  .command(
    'experiment <file>',
    'Run an experiment: a cohort × scenario × controller arms × seeds, with tables, figures and report',
    (y) =>
      y
        .positional('file', { type: 'string', demandOption: true, describe: 'experiment JSON file (see experiments/)' })
        .option('out', { type: 'string', describe: 'directory to create (default: results/<experiment>-<timestamp>/)' })
        .option('force', FORCE_OPTION)
        .option('seeds', { type: 'number', describe: "number of seeds (default: the file's)" })
        .option('seed', { type: 'string', describe: "first seed, any text as for run; seed i is this + i − 1, or for a text: the text, then <text>-2, <text>-3 … (default: the scenario's seed)" })
        .option('cohort', { type: 'string', describe: "patients: names, groups or all (default: the file's)" })
        .option('workers', { type: 'number', describe: 'worker threads (default: all cores)' })
        .option('concurrency-per-worker', { type: 'number', describe: 'jobs a worker runs at once (default 1; more overlaps the waits of remote controllers)' })
        .option('quiet', { type: 'boolean', default: false, describe: 'no progress line on stderr' })
        .option('shard', SHARD_OPTION),
    async (argv) => {
      try {
        const { experimentCommand } = await import('./experiment.js');
        const out = await experimentCommand({
          file: argv.file,
          out: once(argv.out, 'out'),
          seeds: once(argv.seeds, 'seeds'),
          seed: once(argv.seed, 'seed'),
          cohort: once(argv.cohort, 'cohort'),
          workers: once(argv.workers, 'workers'),
          concurrencyPerWorker: once(argv['concurrency-per-worker'], 'concurrency-per-worker'),
          quiet: argv.quiet,
          force: argv.force,
          shard: once(argv.shard, 'shard'),
        });
        process.stdout.write(`${out}\n`);
      } catch (err) {
        await fail(err);
      }
    },
  )
  .command(
    'slurm <study>',
    'Write (and with --submit submit) the Slurm batch scripts of a study: a job array of N shards and a merge job after it',
    (y) =>
      y
        .positional('study', { type: 'string', demandOption: true, describe: 'scenario file (as run) or experiment file (as experiment)' })
        .option('shards', { type: 'number', demandOption: true, describe: 'number of shards N: array tasks 1…N' })
        .option('out', { type: 'string', describe: 'merged result directory (default: results/<study>-<timestamp>/); scripts, logs and shards go to <out>-slurm/' })
        .option('force', FORCE_OPTION)
        .option('cohort', { type: 'string', describe: 'patients, as for run and experiment' })
        .option('seed', { type: 'string', describe: 'seed, as for run and experiment' })
        .option('seeds', { type: 'number', describe: 'experiment: number of seeds' })
        .option('window-days', { type: 'number', describe: 'run: metrics over the last N days' })
        .option('report', { type: 'boolean', default: true, describe: 'run: write the report (--no-report: traces and summary only)' })
        .option('traces', { type: 'string', describe: 'run: trace files, csv or none (default: csv)' })
        .option('cvga-points', { type: 'string', describe: 'run: CVGA points per patient (default) or patient-day' })
        .option('partition', { type: 'string', describe: 'Slurm partition (sbatch --partition)' })
        .option('time', { type: 'string', describe: 'time limit per job, Slurm format (sbatch --time, e.g. 2:00:00)' })
        .option('mem', { type: 'string', describe: 'memory per job (sbatch --mem, e.g. 4G)' })
        .option('cpus-per-task', { type: 'number', describe: 'CPUs per shard, its worker threads (default 1)' })
        .option('submit', { type: 'boolean', default: false, describe: 'submit with sbatch now' }),
    async (argv) => {
      try {
        const { slurmCommand } = await import('./slurm.js');
        const outcome = await slurmCommand({
          study: argv.study,
          shards: once(argv.shards, 'shards')!,
          out: once(argv.out, 'out'),
          force: argv.force,
          cohort: once(argv.cohort, 'cohort'),
          seed: once(argv.seed, 'seed'),
          seeds: once(argv.seeds, 'seeds'),
          windowDays: once(argv['window-days'], 'window-days'),
          report: argv.report,
          traces: once(argv.traces, 'traces'),
          cvgaPoints: once(argv['cvga-points'], 'cvga-points'),
          partition: once(argv.partition, 'partition'),
          time: once(argv.time, 'time'),
          mem: once(argv.mem, 'mem'),
          cpusPerTask: once(argv['cpus-per-task'], 'cpus-per-task'),
          submit: argv.submit,
        });
        process.stdout.write(`${outcome.slurmDir}\n${outcome.lines.join('\n')}\n`);
      } catch (err) {
        await fail(err);
      }
    },
  )
  .command(
    'merge <shards..>',
    'Merge the shard directories of one study (run or experiment --shard K/N) into the directory a single machine gives',
    (y) =>
      y
        .positional('shards', { type: 'string', array: true, demandOption: true, describe: 'shard directories, all N of one split' })
        .option('out', { type: 'string', describe: 'directory to create (default: results/<study>-<timestamp>/)' })
        .option('force', FORCE_OPTION)
        .option('quiet', { type: 'boolean', default: false, describe: 'no summary line on stderr' }),
    async (argv) => {
      try {
        const { mergeCommand } = await import('./merge.js');
        const out = await mergeCommand({ shards: argv.shards, out: once(argv.out, 'out'), force: argv.force, quiet: argv.quiet });
        process.stdout.write(`${out}\n`);
      } catch (err) {
        await fail(err);
      }
    },
  )
  .command(
    'import <format> <files..>',
    'Import patient records into records.csv and import-summary.json: aim94, files of the UCI "Diabetes" (AIM-94) data set; run, a glucosim run directory (pen therapy) as the records its patients would have kept',
    (y) =>
      y
        .positional('format', { type: 'string', choices: ['aim94', 'run'], demandOption: true, describe: 'source format' })
        .positional('files', { type: 'string', array: true, demandOption: true, describe: 'aim94: data files (data-01 … data-70), each a patient named by its file name; run: one run directory (glucosim run --out)' })
        .option('out', { type: 'string', describe: 'directory to create (default: results/aim94-records-<timestamp>/)' })
        .option('force', FORCE_OPTION),
    async (argv) => {
      try {
        const { importRecordsCommand } = await import('./importRecords.js');
        const { out, table } = await importRecordsCommand({ format: argv.format, files: argv.files, out: once(argv.out, 'out'), force: argv.force });
        process.stdout.write(`${table}${out}\n`);
      } catch (err) {
        await fail(err);
      }
    },
  )
  .command(
    'mdp',
    'The insulin-regimen MDP (Shifrin & Siegelmann 2017): mdp learn <records.csv> learns its transition model and optimal policy from measurement records',
    (y) =>
      y
        .command(
          'learn <records>',
          'Learn the MDP\'s transition model and optimal policy from a records file (glucosim import): policy.json, policy.svg, policy.csv, learn-summary.json',
          (yl) =>
            yl
              .positional('records', { type: 'string', demandOption: true, describe: 'records file (records.csv, docs/records.md)' })
              .option('patient', { type: 'string', describe: 'patients to learn from, comma-separated, pooled (default: every patient in the file)' })
              .option('gl-min', { type: 'string', describe: 'gl_min, the bottom of the glucose axis, mg/dL (default 40)' })
              .option('gl-max', { type: 'string', describe: 'gl_max, the top of the glucose axis, mg/dL (default 400)' })
              .option('bfc', { type: 'string', describe: 'BFC, the width of a glucose level, mg/dL; (gl_max − gl_min)/bfc must be whole (default 20)' })
              .option('slots', { type: 'string', describe: 'times of day as name=HH:MM,… (default morning=07:00,noon=12:00,afternoon=16:00,evening=19:00,night=22:00)' })
              .option('regular-doses', { type: 'string', describe: 'regular-insulin doses, U, comma-separated, starting with 0 (default 0,1,…,40)' })
              .option('nph-doses', { type: 'string', describe: 'NPH doses, U, as above (default 0,1,…,40)' })
              .option('long-doses', { type: 'string', describe: 'long-acting doses, U, as above; ultralente records count as long (default 0,1,…,40)' })
              .option('target', { type: 'string', describe: 'gl_h, the healthiest glucose of the reward, mg/dL (default 110)' })
              .option('hypo-levels', { type: 'string', describe: 'L^c, the lowest levels fined as close to hypoglycaemia (default 1)' })
              .option('gamma', { type: 'string', describe: 'discount factor γ, 0 < γ < 1 (default 0.9)' })
              .option('discount-per', { type: 'string', describe: 'discount per measurement or per day (default day)' })
              .option('min-visits', { type: 'string', describe: 'visits a (state, action) pair needs to be used (default 1)' })
              .option('tolerance', { type: 'string', describe: 'value iteration stops when ‖V − V*‖∞ is within this (default 1e-6)' })
              .option('dose-lead-min', { type: 'string', describe: 'doses logged up to this many minutes before a reading belong to it (default 15)' })
              .option('max-gap-hours', { type: 'string', describe: 'no transition between readings further apart than this (default 24)' })
              .option('out', { type: 'string', describe: 'directory to create (default: results/mdp-learn-<timestamp>/)' })
              .option('force', FORCE_OPTION),
          async (argv) => {
            try {
              const { mdpLearnCommand } = await import('./mdpLearn.js');
              const { summary } = await mdpLearnCommand({
                records: argv.records,
                patient: once(argv.patient, 'patient'),
                glMin: once(argv['gl-min'], 'gl-min'),
                glMax: once(argv['gl-max'], 'gl-max'),
                bfc: once(argv.bfc, 'bfc'),
                slots: once(argv.slots, 'slots'),
                regularDoses: once(argv['regular-doses'], 'regular-doses'),
                nphDoses: once(argv['nph-doses'], 'nph-doses'),
                longDoses: once(argv['long-doses'], 'long-doses'),
                target: once(argv.target, 'target'),
                hypoLevels: once(argv['hypo-levels'], 'hypo-levels'),
                gamma: once(argv.gamma, 'gamma'),
                discountPer: once(argv['discount-per'], 'discount-per'),
                minVisits: once(argv['min-visits'], 'min-visits'),
                tolerance: once(argv.tolerance, 'tolerance'),
                doseLeadMin: once(argv['dose-lead-min'], 'dose-lead-min'),
                maxGapHours: once(argv['max-gap-hours'], 'max-gap-hours'),
                out: once(argv.out, 'out'),
                force: argv.force,
              });
              process.stdout.write(summary);
            } catch (err) {
              await fail(err);
            }
          },
        )
        .demandCommand(1, 'give a subcommand: learn'),
    () => {},
  )
  .command(
    'q-learning',
    'Plain fixed-point Q-learning (OIDPR): q-learning train <records.csv> --out table.json trains a Q-table from records for the q-learning controller (startFrom)',
    (y) =>
      y
        .command(
          'train <records>',
          'Train a Q-table by batch Q-learning on the records (glucosim import), in the clear; write it as a Q-table file (glucosim-qtable/1)',
          (yt) =>
            yt
              .positional('records', { type: 'string', demandOption: true, describe: 'records file (records.csv, docs/records.md)' })
              .option('patient', { type: 'string', describe: 'patients to learn from, comma-separated (default: all)' })
              .option('definition', { type: 'string', describe: 'Q-learning definition JSON (default: docs/privacy.md §8)' })
              .option('batch-size', { type: 'number', describe: 'τ, records per batch (default: the definition\'s, 10)' })
              .option('rounds', { type: 'number', describe: 'Rmax, passes over the batches (default: the definition\'s, 2)' })
              .option('out', { type: 'string', demandOption: true, describe: 'the Q-table file to write (refused if it exists, unless --force)' })
              .option('force', FORCE_OPTION),
          async (argv) => {
            try {
              const { qLearningTrainCommand } = await import('./qLearningTrain.js');
              process.stdout.write(
                qLearningTrainCommand({
                  records: argv.records,
                  patient: once(argv.patient, 'patient'),
                  definition: once(argv.definition, 'definition'),
                  batchSize: once(argv['batch-size'], 'batch-size'),
                  rounds: once(argv.rounds, 'rounds'),
                  out: once(argv.out, 'out')!,
                  force: argv.force,
                }),
              );
            } catch (err) {
              await fail(err);
            }
          },
        )
        .demandCommand(1, 'give a subcommand: train'),
    () => {},
  )
  .command(
    'secure-q',
    'OIDPR secure Q-learning: secure-q train <records.csv> trains a model on secret shares (SecQ-learning); secure-q serve <model> runs it on a local dealer and two edge servers',
    (y) =>
      y
        .command(
          'train <records>',
          'Train a Q-learning dosing model by SecQ-learning on secret shares of records (glucosim import), in process or on running edge servers; check it against plain Q-learning; write model.json and one share file per server',
          (yt) =>
            yt
              .positional('records', { type: 'string', demandOption: true, describe: 'records file (records.csv, docs/records.md)' })
              .option('patient', { type: 'string', describe: 'patients to learn from, comma-separated (default: all, each patient\'s records in time order)' })
              .option('definition', { type: 'string', describe: 'Q-learning definition JSON: glucose levels, slots, doses, reward, alpha, gamma, fractionBits, batchSize, rounds (default: docs/privacy.md)' })
              .option('batch-size', { type: 'number', describe: 'τ, records per batch (default: the definition\'s, 10)' })
              .option('rounds', { type: 'number', describe: 'Rmax, passes over the batches (default: the definition\'s, 2)' })
              .option('es0', { type: 'string', describe: 'HOST:PORT of edge server ES1 (party 0): train there instead of in process' })
              .option('es1', { type: 'string', describe: 'HOST:PORT of edge server ES2 (party 1)' })
              .option('keys', { type: 'string', describe: 'the provider\'s TLS-PSK key file (hcp.psk.json), with --es0/--es1' })
              .option('plaintext', { type: 'boolean', default: false, describe: 'no TLS to the servers (loopback benchmarks only)' })
              .option('out', { type: 'string', describe: 'model directory to create (default: results/secure-q-<timestamp>/)' })
              .option('force', FORCE_OPTION),
          async (argv) => {
            try {
              const { secureQTrainCommand } = await import('./secureQ.js');
              const { summary } = await secureQTrainCommand({
                records: argv.records,
                patient: once(argv.patient, 'patient'),
                definition: once(argv.definition, 'definition'),
                batchSize: once(argv['batch-size'], 'batch-size'),
                rounds: once(argv.rounds, 'rounds'),
                es0: once(argv.es0, 'es0'),
                es1: once(argv.es1, 'es1'),
                keys: once(argv.keys, 'keys'),
                plaintext: argv.plaintext,
                out: once(argv.out, 'out'),
                force: argv.force,
              });
              process.stdout.write(summary);
            } catch (err) {
              await fail(err);
            }
          },
        )
        .command(
          'serve <model>',
          'Run a trained model on the dealer and two edge servers, three processes on loopback, until SIGINT/SIGTERM; prints their addresses as one JSON line',
          (ys) =>
            ys
              .positional('model', { type: 'string', demandOption: true, describe: 'model directory (glucosim secure-q train)' })
              .option('keys', { type: 'string', demandOption: true, describe: 'key directory (glucosim privacy keygen); made here if it has no keys' })
              .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
              .option('state', { type: 'string', describe: 'directory for the servers\' working share files (kept between runs; default: a new temporary directory)' })
              .option('plaintext', { type: 'boolean', default: false, describe: 'no TLS (loopback benchmarks only)' }),
          async (argv) => {
            try {
              const { secureQServeCommand } = await import('./secureQ.js');
              await secureQServeCommand({ model: argv.model, keys: once(argv.keys, 'keys')!, state: once(argv.state, 'state'), host: once(argv.host, 'host'), plaintext: argv.plaintext });
            } catch (err) {
              await fail(err);
            }
          },
        )
        .demandCommand(1, 'give a subcommand: train or serve'),
    () => {},
  )
  .command(
    'ppopi',
    'PPOPI over the BCP cryptosystem (Chen & Ye 2025): ppopi keygen --out DIR makes the KGC\'s parameters and master key',
    async (y) => (await import('./ppopi.js')).ppopiGroup(y, { fail, once }),
    () => {},
  )
  .command(
    'privacy',
    'Keys for the OIDPR deployment: privacy keygen --out DIR writes TLS-PSK key files for es0, es1, the dealer, the provider (hcp) and patient devices',
    (y) =>
      y
        .command(
          'keygen',
          'Write a TLS-PSK key file per identity (es0, es1, dealer, hcp, patients) into a new directory, readable by its owner only',
          (yk) =>
            yk
              .option('out', { type: 'string', demandOption: true, describe: 'directory for the key files (existing key files are refused, unless --force)' })
              .option('force', FORCE_OPTION)
              .option('patients', { type: 'string', describe: 'patient device identities, comma-separated (default: patient)' }),
          async (argv) => {
            try {
              const { keygenCommand } = await import('./edge.js');
              process.stdout.write(keygenCommand({ out: once(argv.out, 'out')!, patients: once(argv.patients, 'patients'), force: argv.force }));
            } catch (err) {
              await fail(err);
            }
          },
        )
        .demandCommand(1, 'give a subcommand: keygen'),
    () => {},
  )
  .command(
    'dealer',
    'Run the OIDPR dealer (the provider\'s correlated-randomness service for the two edge servers) until SIGINT/SIGTERM',
    (y) =>
      y
        .option('listen', { type: 'string', demandOption: true, describe: 'HOST:PORT to listen on (port 0: a free one, printed on stdout)' })
        .option('keys', { type: 'string', describe: 'the dealer\'s TLS-PSK key file (glucosim privacy keygen)' })
        .option('plaintext', { type: 'boolean', default: false, describe: 'no TLS: loopback benchmarks only' }),
    async (argv) => {
      try {
        const { dealerCommand } = await import('./edge.js');
        await dealerCommand({ listen: once(argv.listen, 'listen')!, keys: once(argv.keys, 'keys'), plaintext: argv.plaintext });
      } catch (err) {
        await fail(err);
      }
    },
  )
  .command(
    'edge-server',
    'Run an OIDPR edge server (party 0 = ES1, 1 = ES2): SecRep for patients, SecQ-learning for the provider, on secret shares only, until SIGINT/SIGTERM',
    (y) =>
      y
        .option('party', { type: 'number', demandOption: true, describe: '0 (ES1) or 1 (ES2)' })
        .option('listen', { type: 'string', demandOption: true, describe: 'HOST:PORT for patients, the provider and (party 1) party 0' })
        .option('peer', { type: 'string', describe: 'party 0 only: HOST:PORT of party 1' })
        .option('dealer', { type: 'string', demandOption: true, describe: 'HOST:PORT of the dealer' })
        .option('keys', { type: 'string', describe: 'this server\'s TLS-PSK key file (glucosim privacy keygen)' })
        .option('model', { type: 'string', describe: 'its model share file: loaded if it exists, rewritten (atomically) when the provider loads or trains a model' })
        .option('bench', { type: 'boolean', default: false, describe: 'also run protocols on random inputs for the provider (npm run bench:oidpr)' })
        .option('plaintext', { type: 'boolean', default: false, describe: 'no TLS: loopback benchmarks only' }),
    async (argv) => {
      try {
        const { edgeServerCommand } = await import('./edge.js');
        await edgeServerCommand({
          party: once(argv.party, 'party')!,
          listen: once(argv.listen, 'listen')!,
          peer: once(argv.peer, 'peer'),
          dealer: once(argv.dealer, 'dealer')!,
          keys: once(argv.keys, 'keys'),
          model: once(argv.model, 'model'),
          bench: argv.bench,
          plaintext: argv.plaintext,
        });
      } catch (err) {
        await fail(err);
      }
    },
  )
  .command(
    'controllers',
    'List the controllers a scenario can name, with their options',
    (y) => y.option('json', { type: 'boolean', default: false, describe: 'as JSON, with the option schemas and example option sets' }),
    async (argv) => {
      try {
        const { controllersCommand } = await import('./controllers.js');
        process.stdout.write(controllersCommand({ json: argv.json }));
      } catch (err) {
        await fail(err);
      }
    },
  )
  .demandCommand(1, 'give a command: run, replay, metrics, baseline, check, cohort, optimise-therapy, experiment, import, mdp, q-learning, secure-q, ppopi, privacy, dealer, edge-server or controllers')
  .help()
  .fail((message, err) => {
    // fail() exits once it has classified the error (it may import an error class's module).
    if (err) return void fail(err);
    process.stderr.write(`glucosim: ${message}\n(see glucosim --help)\n`);
    process.exit(2);
  })
  .parseAsync();
