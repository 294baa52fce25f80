/**
 * `glucosim slurm <study> --shards N [--out DIR] [--partition P] [--time T]
 * [--mem M] [--cpus-per-task C] [--submit]`: the batch scripts that run a
 * study (a scenario, as `glucosim run`, or an experiment) on a Slurm cluster
 * as a job array of N shards and a merge job that depends on it. The study
 * is loaded and checked here first, so that bad input fails now, not on the
 * cluster. Writes `<out>-slurm/` (shards.sbatch, merge.sbatch, submit.sh,
 * logs/, and later shards/K) atomically, prints where and how to submit, and
 * with --submit submits with sbatch.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { invocationArgs } from '../cluster/manifest.js';
import { checkShardCount } from '../cluster/shards.js';
import { checkDirectivePaths, checkResources, MERGE_SCRIPT, mergeScript, SHARDS_SCRIPT, type SlurmPlan, shardsScript, submitScript, SUBMIT_SCRIPT } from '../cluster/slurmScripts.js';
import { InputError } from '../io/errors.js';
import { readJsonFile } from '../io/json.js';
import { builtWorkerFile, onPath } from '../io/paths.js';
import { prepareExperimentStudy } from './experiment.js';
import { buildOutputDirectory, newOutputDirectory } from './outputDir.js';
import { checkOutputDirectory } from '../io/outputs.js';
import { prepareRunStudy } from './run.js';
import type { Study } from './study.js';
import { GLUCOSIM_VERSION } from './version.js';

/** The largest array task id under Slurm's default MaxArraySize of 1001 (slurm.conf(5)). */
const SLURM_DEFAULT_MAX_ARRAY_TASK = 1000;

export interface SlurmArguments {
  readonly study: string;
  readonly shards: number;
  /** The merged result directory (default results/<name>-<timestamp>/); the scripts go to `<out>-slurm/`. */
  readonly out?: string;
  readonly force?: boolean;
  readonly cohort?: string;
  readonly seed?: string;
  /** experiment only */
  readonly seeds?: number;
  /** run only */
  readonly windowDays?: number;
  readonly report?: boolean;
  readonly traces?: string;
  readonly cvgaPoints?: string;
  readonly partition?: string;
  readonly time?: string;
  readonly mem?: string;
  readonly cpusPerTask?: number;
  readonly submit?: boolean;
}

/** An experiment file has arms; anything else is taken for a scenario. */
function isExperimentFile(file: string): boolean {
  const json = readJsonFile(file, 'study file');
  return typeof json === 'object' && json !== null && !Array.isArray(json) && 'arms' in json;
}

/** The study the options describe, as `run` or `experiment` would load it; options of the other kind are refused. */
function prepare(args: SlurmArguments): Study<unknown> {
  if (isExperimentFile(args.study)) {
    if (args.windowDays !== undefined) throw new InputError('--window-days', '', `is an option of a run; ${args.study} is an experiment (its windowDays field sets the window)`);
    if (args.report === false) throw new InputError('--no-report', '', `is an option of a run; ${args.study} is an experiment`);
    if (args.traces !== undefined) throw new InputError('--traces', '', `is an option of a run; ${args.study} is an experiment (it writes no traces)`);
    if (args.cvgaPoints !== undefined) throw new InputError('--cvga-points', '', `is an option of a run; ${args.study} is an experiment`);
    return prepareExperimentStudy({ file: args.study, cohort: args.cohort, seed: args.seed, seeds: args.seeds });
  }
  if (args.seeds !== undefined) throw new InputError('--seeds', '', `is an option of an experiment; ${args.study} is a scenario (give --seed for another seed)`);
  return prepareRunStudy({ scenario: args.study, cohort: args.cohort, seed: args.seed, windowDays: args.windowDays, report: args.report, traces: args.traces, cvgaPoints: args.cvgaPoints });
}

export interface SlurmOutcome {
  readonly slurmDir: string;
  readonly resultDir: string;
  /** Lines for the user: how to submit, or the submitted job ids. */
  readonly lines: readonly string[];
}

export async function slurmCommand(args: SlurmArguments): Promise<SlurmOutcome> {
  if (!Number.isInteger(args.shards) || args.shards < 1) throw new InputError('--shards', '', `must be a whole number ≥ 1, got ${args.shards}`);
  const resources = { partition: args.partition, time: args.time, mem: args.mem, cpusPerTask: args.cpusPerTask ?? 1 };
  checkResources(resources);
  const study = prepare(args);
  if (args.submit && !onPath('sbatch')) throw new InputError('--submit', '', 'sbatch is not on PATH: run glucosim slurm on a Slurm login node, or leave out --submit and submit the scripts there');
  checkShardCount(args.shards, study.jobs.length, '--shards');
  if (args.shards > SLURM_DEFAULT_MAX_ARRAY_TASK) {
    process.stderr.write(`glucosim slurm: warning: ${args.shards} array tasks; Slurm's default MaxArraySize (1001) allows task ids up to ${SLURM_DEFAULT_MAX_ARRAY_TASK}: check your cluster's (scontrol show config | grep MaxArraySize)\n`);
  }
  const resultDir = newOutputDirectory(args.out, study.name, args.force, study.guard);
  const slurmDir = `${resultDir}-slurm`;
  checkOutputDirectory(slurmDir, args.force ?? false, { marker: SHARDS_SCRIPT, inputs: [args.study] });
  const plan: SlurmPlan = {
    glucosimVersion: GLUCOSIM_VERSION,
    name: study.name,
    shards: args.shards,
    node: process.execPath,
    glucosim: builtWorkerFile(import.meta.url, 'src/cli/main.js'),
    workDir: process.cwd(),
    // The options in effect, as the shards' manifests record them.
    studyArgs: invocationArgs(study.invocation),
    slurmDir,
    resultDir,
    forceResult: args.force ?? false,
    resources,
  };
  checkDirectivePaths(plan);
  await buildOutputDirectory(slurmDir, args.force, async (dir) => {
    mkdirSync(join(dir, 'logs'));
    mkdirSync(join(dir, 'shards'));
    for (const [name, text] of [
      [SHARDS_SCRIPT, shardsScript(plan)],
      [MERGE_SCRIPT, mergeScript(plan)],
      [SUBMIT_SCRIPT, submitScript(plan)],
    ] as const) {
      writeFileSync(join(dir, name), text);
      chmodSync(join(dir, name), 0o755);
    }
  });
  if (!args.submit) {
    return {
      slurmDir,
      resultDir,
      lines: [`submit with: ${join(slurmDir, SUBMIT_SCRIPT)}`, `  (sbatch --parsable ${join(slurmDir, SHARDS_SCRIPT)}, then sbatch --dependency=afterok:<its job id> ${join(slurmDir, MERGE_SCRIPT)})`],
    };
  }
  const array = sbatch([join(slurmDir, SHARDS_SCRIPT)], `the scripts are in ${slurmDir}: submit them when it is mended`);
  const merge = sbatch(
    [`--dependency=afterok:${array}`, join(slurmDir, MERGE_SCRIPT)],
    `the shards were submitted as job ${array}; submit the merge when it is mended: sbatch --dependency=afterok:${array} ${join(slurmDir, MERGE_SCRIPT)}`,
  );
  return {
    slurmDir,
    resultDir,
    lines: [`submitted: shards job ${array} (array tasks 1-${args.shards}), merge job ${merge} after all shards succeed`, `result: ${resultDir}`],
  };
}

/** sbatch --parsable …: the job id (without a cluster name). */
function sbatch(args: readonly string[], then: string): string {
  try {
    return execFileSync('sbatch', ['--parsable', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split(';')[0];
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    throw new InputError('--submit', '', `sbatch refused the job: ${(e.stderr ?? e.message).trim().split('\n').join(' ')}; ${then}`);
  }
}
