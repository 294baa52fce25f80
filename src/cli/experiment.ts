/**
 * `glucosim experiment <file.json> [--out dir] [--force] [--seeds n] [--seed s] [--cohort list] [--workers n] [--concurrency-per-worker n] [--shard K/N] [--quiet]`:
 * an experiment's arms × seeds × patients on all cores, written atomically
 * as a directory (summary.json, table1.csv, phases.csv, patients.csv, paths.csv, figures,
 * report.html); with `--shard K/N` only the K-th of N slices of the jobs,
 * into a shard directory that `glucosim merge` joins with the others.
 */
import { basename } from 'node:path';
import { InputError } from '../io/errors.js';
import { type JobOutcome, writeExperimentReport } from '../report/experimentReport.js';
import { partMakerModule } from '../report/studyParts.js';
import { loadExperiment, planExperiment } from '../sim/experiment.js';
import type { StudyInvocation } from '../cluster/manifest.js';
import { parallelism } from './parallelism.js';
import { seedOption } from './seed.js';
import { runStudyShard } from './shard.js';
import { controllerSourceList, populationSourceList, runWholeStudy, type Study } from './study.js';
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
  /** `K/N`: run only shard K of N, into a shard directory. */
  readonly shard?: string;
}

/** The study an experiment's options describe; bad input is refused here, before anything is written. */
export function prepareExperimentStudy(args: Pick<ExperimentArguments, 'file' | 'seeds' | 'seed' | 'cohort'>): Study<JobOutcome> {
  const loaded = loadExperiment(args.file);
  const seed = seedOption(args.seed);
  const seeded = seed !== undefined ? { ...loaded, scenario: { ...loaded.scenario, seed } } : loaded;
  const cohortOf = args.cohort !== undefined ? { ...seeded, cohort: args.cohort } : seeded;
  if (args.seeds !== undefined && !(Number.isInteger(args.seeds) && args.seeds >= 1)) {
    throw new InputError('--seeds', '', `must be a whole number ≥ 1, got ${args.seeds}`);
  }
  const plan = planExperiment(cohortOf, args.seeds ?? cohortOf.seeds);
  // Reported with the exclusions that apply to the patients run.
  const experiment = { ...cohortOf, exclude: plan.exclude };
  // Per arm, each patient's starting carb ratio as the arm's controller takes it (its own option, the
  // optimised therapy, or the cohort's): what the report shows for a controller that logs none.
  const carbRatio = experiment.arms.map((arm) => {
    const o = arm.controller.options;
    return plan.patients.map((p): [string, number | undefined] => [
      p.name,
      typeof o.carbRatioGPerU === 'number' ? o.carbRatioGPerU : o.therapy === 'optimised' ? p.optimisedTherapy?.carbRatioGPerU : p.carbRatioGPerU,
    ]);
  });
  const warnings = plan.droppedExclusions.length > 0 ? [`exclusion of ${plan.droppedExclusions.join(', ')} dropped: not in the cohort (${experiment.cohort})`] : [];
  // Text seeds quoted, so that `-1e400` (text) is not read as a number.
  const notes = [`seeds ${plan.seeds.map((s) => (typeof s === 'number' ? String(s) : JSON.stringify(s))).join(', ')}`];
  // The options in effect, defaults filled in and the seed as read (`007` is 7), so that one study asked for two ways is one study.
  const invocation: StudyInvocation = {
    kind: 'experiment',
    file: args.file,
    cohort: experiment.cohort,
    seed: String(experiment.scenario.seed),
    seeds: plan.seeds.length,
  };
  return {
    invocation,
    name: experiment.name,
    label: `experiment ${basename(args.file)}`,
    guard: { marker: 'table1.csv', inputs: [args.file] },
    scenarios: plan.scenarios,
    jobs: plan.jobs,
    sources: [
      { role: 'experiment', path: experiment.file, file: experiment.file },
      { role: 'scenario', path: experiment.scenario.file, file: experiment.scenario.file },
      ...populationSourceList(experiment.scenario),
      ...controllerSourceList(experiment.arms.map((arm) => arm.controller)),
    ],
    writesTraces: false,
    // Each job's outcome is made in the worker that simulated it.
    parts: { analysis: { module: partMakerModule(), recipe: { kind: 'experiment', experiment, carbRatioGPerU: carbRatio, phases: plan.phases } } },
    warnings,
    notes,
    write: (dir, outcomes, timing) => {
      writeExperimentReport(dir, experiment, plan, outcomes, {
        glucosimVersion: GLUCOSIM_VERSION,
        file: experiment.file,
        cohort: plan.patients.map((p) => p.name),
        seconds: timing.seconds,
        createdAt: timing.createdAt,
      });
    },
  };
}

export async function experimentCommand(args: ExperimentArguments): Promise<string> {
  const options = { ...parallelism(args), quiet: args.quiet };
  const study = prepareExperimentStudy(args);
  return args.shard !== undefined ? runStudyShard(study, args.shard, args.out, args.force, options) : runWholeStudy(study, args.out, args.force, options);
}
