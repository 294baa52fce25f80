/**
 * A study — `glucosim run` of a scenario or `glucosim experiment` — as one
 * shape: a list of simulation jobs, what the results keep of each finished
 * job (its part), and how the parts become the output directory. The same
 * study runs whole on this machine, as one shard of N (`--shard K/N`, the
 * parts kept in a shard directory) or from merged shards (`glucosim merge`),
 * and the output is written by the same code from the same parts each way:
 * that is why a merge gives the single machine's bytes.
 */
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { populationSources } from '../cohort/population.js';
import type { StudyInvocation } from '../cluster/manifest.js';
import { type Fingerprint, type StudySource, studyFingerprint } from '../cluster/fingerprint.js';
import { PROJECT_ROOT } from '../io/paths.js';
import type { ReplaceGuard } from '../io/outputs.js';
import type { ControllerSpec, Scenario } from '../scenario/types.js';
import { BUILT_IN_CONTROLLERS, type ControllerRegistry } from '../control/registry.js';
import { runJobs } from '../sim/cohortRun.js';
import type { TraceSummary } from '../sim/trace.js';
import type { PartRecipe } from '../report/studyParts.js';
import type { SimulationJob } from '../sim/workerProtocol.js';
import { buildOutputDirectory, newOutputDirectory } from './outputDir.js';
import { interruptible } from './interrupt.js';
import type { Parallelism } from './parallelism.js';
import { progressReporter } from './progress.js';

/** When the results were made: the only thing in them that differs between a single-machine run and a merge. */
export interface StudyTiming {
  readonly createdAt: string;
  /** Wall time of the simulations, s (of a merge: the shards' times summed). */
  readonly seconds: number;
}

export interface Study<Part> {
  readonly invocation: StudyInvocation;
  /** For the default output directory, `results/<name>-<timestamp>/`. */
  readonly name: string;
  /** For progress and messages: `run randomised-10day.json`. */
  readonly label: string;
  /** What the output directory holds and must not hold (--force). */
  readonly guard: ReplaceGuard;
  readonly scenarios: readonly Scenario[];
  readonly jobs: readonly SimulationJob[];
  /** Files whose bytes define the study (hashed into its fingerprint). */
  readonly sources: readonly StudySource[];
  /** Each job writes `traces/<patient>.csv`. */
  readonly writesTraces: boolean;
  /**
   * How each job's part is made: from its trace, in the worker that
   * simulated it (`analysis`, src/report/studyParts.ts), or from its
   * summary alone (`fromSummary`, a run without report).
   */
  readonly parts: { readonly analysis: { readonly module: string; readonly recipe: PartRecipe } } | { readonly fromSummary: (summary: TraceSummary) => Part };
  /** Lines for stderr before the jobs run, also with --quiet (dropped exclusions). */
  readonly warnings: readonly string[];
  /** Lines for stderr before the jobs run, unless --quiet (the seeds). */
  readonly notes: readonly string[];
  /** Write every output file into `dir` from all parts, in job order. */
  write(dir: string, parts: readonly Part[], timing: StudyTiming): void;
}

export interface ExecutionOptions extends Parallelism {
  readonly quiet?: boolean;
  readonly signal: AbortSignal;
}

/** The study's warnings, and unless `quiet` its notes, on stderr. */
export function printNotes(study: Study<unknown>, label: string, quiet: boolean | undefined): void {
  for (const line of [...study.warnings, ...(quiet ? [] : study.notes)]) process.stderr.write(`${label}: ${line}\n`);
}

/** Simulated patient-days of each job. */
export function jobPatientDays(study: Study<unknown>): number[] {
  return study.jobs.map((j) => study.scenarios[j.scenario].days);
}

export function fingerprintOf(study: Study<unknown>): Fingerprint {
  return studyFingerprint({ invocation: study.invocation, sources: study.sources, scenarios: study.scenarios, jobs: study.jobs });
}

/** The files the controllers' options make them read (a learned policy, a model, keys). */
export function controllerSourceList(specs: readonly ControllerSpec[], registry: ControllerRegistry = BUILT_IN_CONTROLLERS): StudySource[] {
  return specs.flatMap((spec) => {
    const file = spec.file ?? '';
    return (registry.get(spec.name, file).inputFiles?.(spec.options, file) ?? []).map((input) => ({ role: `controller ${spec.name}`, path: relative(process.cwd(), input), file: input }));
  });
}

/** The files of a study's patient population, shown relative to the package. */
export function populationSourceList(scenario: Scenario): StudySource[] {
  return populationSources(scenario.patients, scenario.file).map((file) => ({ role: 'patients', path: relative(PROJECT_ROOT, file), file }));
}

/**
 * Run jobs `selected` (indices into study.jobs) and return their parts,
 * indexed like study.jobs (other entries empty). Traces go to
 * `<dir>/traces/` when the study writes them.
 */
export async function runStudyJobs<Part>(study: Study<Part>, selected: readonly number[], dir: string, options: ExecutionOptions): Promise<Part[]> {
  const parts = new Array<Part>(study.jobs.length);
  let tracesDir: string | undefined;
  if (study.writesTraces) {
    tracesDir = join(dir, 'traces');
    mkdirSync(tracesDir);
  }
  const progress = options.quiet ? undefined : progressReporter(study.label);
  const results = await runJobs({
    scenarios: study.scenarios,
    jobs: selected.map((j) => study.jobs[j]),
    workers: options.workers,
    concurrencyPerWorker: options.concurrencyPerWorker,
    tracesDir,
    analysis: 'analysis' in study.parts ? study.parts.analysis : undefined,
    onProgress: progress?.update,
    signal: options.signal,
  }).finally(() => progress?.finish()); // also before a failure's or a stop's line
  // A worker's part comes back as structured-cloned data of the shape its recipe makes.
  const made = study.parts;
  results.forEach((r, k) => (parts[selected[k]] = 'fromSummary' in made ? made.fromSummary(r.summary) : (r.part as Part)));
  return parts;
}

/** The whole study on this machine, written atomically to `out` (default `results/<name>-<timestamp>/`). */
export async function runWholeStudy<Part>(study: Study<Part>, out: string | undefined, force: boolean | undefined, options: Omit<ExecutionOptions, 'signal'>): Promise<string> {
  const dir = newOutputDirectory(out, study.name, force, study.guard);
  printNotes(study, study.label, options.quiet);
  const started = performance.now();
  const all = study.jobs.map((_, j) => j);
  await interruptible(`the ${study.invocation.kind}`, (signal) =>
    buildOutputDirectory(
      dir,
      force,
      async (tmp) => {
        const parts = await runStudyJobs(study, all, tmp, { ...options, signal });
        study.write(tmp, parts, { createdAt: new Date().toISOString(), seconds: (performance.now() - started) / 1000 });
      },
      signal,
    ),
  );
  return dir;
}
