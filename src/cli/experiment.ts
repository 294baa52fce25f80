/**
 * `glucosim experiment <file.json> [--out dir] [--force] [--seeds n] [--seed s] [--cohort list] [--workers n] [--concurrency-per-worker n] [--quiet]`:
 * an experiment's arms × seeds × patients on all cores, written atomically
 * as a directory (summary.json, table1.csv, phases.csv, patients.csv, paths.csv, figures,
 * report.html).
 */
import { basename } from 'node:path';
import { InputError } from '../io/errors.js';
import { type JobOutcome, jobOutcome, writeExperimentReport } from '../report/experimentReport.js';
import { runJobs } from '../sim/cohortRun.js';
import { loadExperiment, planExperiment } from '../sim/experiment.js';
import { buildOutputDirectory, newOutputDirectory } from './outputDir.js';
import { interruptible } from './interrupt.js';
import { parallelism } from './parallelism.js';
import { progressReporter } from './progress.js';
import { seedOption } from './seed.js';
import { GLUCOSIM_VERSION } from './version.js';

export interface ExperimentArguments {
  readonly file: string;
  readonly out?: string;
  readonly seeds?: number;
  /** First seed, instead of the scenario's (e.g. to check a result on other seeds than the study's). */
  readonly seed?: string;
  readonly cohort?: string;
  readonly workers?: number;
  readonly concurrencyPerWorker?: number;
  readonly quiet?: boolean;
  /** Replace an existing output directory. */
  readonly force?: boolean;
}

export async function experimentCommand(args: ExperimentArguments): Promise<string> {
  const loaded = loadExperiment(args.file);
  const seed = seedOption(args.seed);
  const seeded = seed !== undefined ? { ...loaded, scenario: { ...loaded.scenario, seed } } : loaded;
  const cohortOf = args.cohort !== undefined ? { ...seeded, cohort: args.cohort } : seeded;
  if (args.seeds !== undefined && !(Number.isInteger(args.seeds) && args.seeds >= 1)) {
    throw new InputError('--seeds', '', `must be a whole number ≥ 1, got ${args.seeds}`);
  }
  const { workers, concurrencyPerWorker } = parallelism(args);
  const plan = planExperiment(cohortOf, args.seeds ?? cohortOf.seeds);
  // Reported with the exclusions that apply to the patients run.
  const experiment = { ...cohortOf, exclude: plan.exclude };
  const out = newOutputDirectory(args.out, experiment.name, args.force, { marker: 'table1.csv', inputs: [args.file] });
  const label = `experiment ${basename(args.file)}`;
  if (plan.droppedExclusions.length > 0) {
    process.stderr.write(`${label}: exclusion of ${plan.droppedExclusions.join(', ')} dropped: not in the cohort (${experiment.cohort})\n`);
  }
  // Text seeds quoted, so that `-1e400` (text) is not read as a number.
  if (!args.quiet) process.stderr.write(`${label}: seeds ${plan.seeds.map((s) => (typeof s === 'number' ? String(s) : JSON.stringify(s))).join(', ')}\n`);

  const carbRatio = new Map(plan.patients.map((p) => [p.name, p.carbRatioGPerU]));
  const outcomes = new Array<JobOutcome>(plan.jobs.length);
  const progress = args.quiet ? undefined : progressReporter(label);
  const started = performance.now();
  const writeExperiment = async (dir: string, signal: AbortSignal) => {
    await runJobs({
      scenarios: plan.scenarios,
      jobs: plan.jobs,
      workers,
      concurrencyPerWorker,
      // Each trace is folded into what the report needs as it arrives, then dropped.
      onTrace: (job, trace) => (outcomes[job] = jobOutcome(trace, experiment, carbRatio.get(plan.jobs[job].patient), plan.phases[plan.jobs[job].arm])),
      onProgress: progress?.update,
      signal,
    }).finally(() => progress?.finish()); // also before a failure's or a stop's line
    writeExperimentReport(dir, experiment, plan, outcomes, {
      glucosimVersion: GLUCOSIM_VERSION,
      file: experiment.file,
      cohort: plan.patients.map((p) => p.name),
      seconds: (performance.now() - started) / 1000,
      createdAt: new Date().toISOString(),
    });
  };
  await interruptible('the experiment', (signal) => buildOutputDirectory(out, args.force, (dir) => writeExperiment(dir, signal), signal));
  return out;
}
