/**
 * `glucosim experiment <file.json> [--out dir] [--seeds n] [--seed s] [--cohort list] [--workers n] [--concurrency-per-worker n]`:
 * an experiment's arms × seeds × patients on all cores, written atomically
 * as a directory (summary.json, table1.csv, phases.csv, patients.csv, paths.csv, figures,
 * report.html).
 */
import { basename } from 'node:path';
import { buildDirectoryAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { type JobOutcome, jobOutcome, writeExperimentReport } from '../report/experimentReport.js';
import { runJobs } from '../sim/cohortRun.js';
import { loadExperiment, planExperiment } from '../sim/experiment.js';
import { newOutputDirectory } from './outputDir.js';
import { parallelism } from './parallelism.js';
import { progressReporter } from './progress.js';
import { parseSeed } from './run.js';
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
}

export async function experimentCommand(args: ExperimentArguments): Promise<string> {
  const loaded = loadExperiment(args.file);
  if (args.seed !== undefined && args.seed.trim() === '') throw new InputError('--seed', '', 'must not be empty');
  const seeded = args.seed !== undefined ? { ...loaded, scenario: { ...loaded.scenario, seed: parseSeed(args.seed) } } : loaded;
  const experiment = args.cohort !== undefined ? { ...seeded, cohort: args.cohort } : seeded;
  if (args.seeds !== undefined && !(Number.isInteger(args.seeds) && args.seeds >= 1)) {
    throw new InputError('--seeds', '', `must be a whole number ≥ 1, got ${args.seeds}`);
  }
  const { workers, concurrencyPerWorker } = parallelism(args);
  const plan = planExperiment(experiment, args.seeds ?? experiment.seeds);
  const out = newOutputDirectory(args.out, experiment.name);

  const carbRatio = new Map(plan.patients.map((p) => [p.name, p.carbRatioGPerU]));
  const outcomes = new Array<JobOutcome>(plan.jobs.length);
  const progress = args.quiet ? undefined : progressReporter(`experiment ${basename(args.file)}`);
  const started = performance.now();
  await buildDirectoryAtomic(out, async (dir) => {
    await runJobs({
      scenarios: plan.scenarios,
      jobs: plan.jobs,
      workers,
      concurrencyPerWorker,
      // Each trace is folded into what the report needs as it arrives, then dropped.
      onTrace: (job, trace) => (outcomes[job] = jobOutcome(trace, experiment, carbRatio.get(plan.jobs[job].patient), plan.phases[plan.jobs[job].arm])),
      onProgress: progress?.update,
    });
    progress?.finish();
    writeExperimentReport(dir, experiment, plan, outcomes, {
      glucosimVersion: GLUCOSIM_VERSION,
      file: experiment.file,
      cohort: plan.patients.map((p) => p.name),
      seconds: (performance.now() - started) / 1000,
      createdAt: new Date().toISOString(),
    });
  });
  return out;
}
