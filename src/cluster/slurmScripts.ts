/**
 * The batch scripts of a study on a Slurm cluster: a job array with one task
 * per shard (`$SLURM_ARRAY_TASK_ID` is K, `$SLURM_CPUS_PER_TASK` the
 * shard's worker threads), a merge job that runs once every task succeeded
 * (`--dependency=afterok`), and `submit.sh`, which submits both. Pure: text
 * from the plan, so it is tested without a cluster. The paths in #SBATCH
 * lines must pass checkDirectivePaths first.
 */
import { InputError } from '../io/errors.js';

export interface SlurmResources {
  readonly partition?: string;
  /** Slurm's time format: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
  readonly time?: string;
  /** Memory per node, e.g. 4G (Slurm's --mem). */
  readonly mem?: string;
  readonly cpusPerTask: number;
}

export interface SlurmPlan {
  readonly glucosimVersion: string;
  /** `<name>` of the study, for job names. */
  readonly name: string;
  readonly shards: number;
  /** The node binary and glucosim's main.js to run (absolute). */
  readonly node: string;
  readonly glucosim: string;
  /** Where the jobs run (the study's paths are relative to it). */
  readonly workDir: string;
  /** The study command and its arguments, without --shard, --out, --workers, --force: `['run', 'scen.json', '--cohort', 'adults']`. */
  readonly studyArgs: readonly string[];
  /** Absolute: the scripts' directory (logs/ and shards/ inside it), and the merged result. */
  readonly slurmDir: string;
  readonly resultDir: string;
  /** Let the merge replace an existing result (`--force`). */
  readonly forceResult: boolean;
  readonly resources: SlurmResources;
}

export const SHARDS_SCRIPT = 'shards.sbatch';
export const MERGE_SCRIPT = 'merge.sbatch';
export const SUBMIT_SCRIPT = 'submit.sh';

/** A word for bash, in single quotes unless it is plainly safe. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Characters a path may have in an `#SBATCH` line. sbatch reads those lines
 * itself, not through bash: it has its own quoting, `%` starts a file-name
 * pattern in --output, and a newline ends the directive. So such paths are
 * kept plain rather than quoted.
 */
const DIRECTIVE_PATH = /^[A-Za-z0-9._/+@=,:~-]+$/;

/** The paths that go into #SBATCH lines (the working directory, the scripts' folder) are plain, or refused naming which. */
export function checkDirectivePaths(plan: Pick<SlurmPlan, 'workDir' | 'slurmDir'>): void {
  const plain = 'an #SBATCH line holds only letters, digits and . _ / + @ = , : ~ - (no spaces, quotes, % or \\)';
  if (!DIRECTIVE_PATH.test(plan.workDir)) throw new InputError('glucosim slurm', '', `the current directory ${JSON.stringify(plan.workDir)}, where the jobs run, cannot be written into the scripts: ${plain}; run from a plainer path`);
  if (!DIRECTIVE_PATH.test(plan.slurmDir)) throw new InputError('--out', '', `${JSON.stringify(plan.slurmDir)}, the scripts' folder, cannot be written into the scripts: ${plain}; choose a plainer --out`);
}

/** A job name sbatch reads as written. */
function jobName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Text for a `#` comment line: no line break can end it early. */
function commentText(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, '?');
}

const TIME_PATTERN = /^(\d+|\d+:\d{2}|\d+:\d{2}:\d{2}|\d+-\d+|\d+-\d+:\d{2}|\d+-\d+:\d{2}:\d{2}|UNLIMITED|INFINITE)$/;

/** The options as Slurm would read them, refused here rather than by sbatch on the cluster. */
export function checkResources(resources: SlurmResources): void {
  if (resources.partition !== undefined && !/^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/.test(resources.partition)) {
    throw new InputError('--partition', '', `'${resources.partition}' is not a partition name (letters, digits, . _ -; several separated by commas)`);
  }
  if (resources.time !== undefined && !TIME_PATTERN.test(resources.time)) {
    throw new InputError('--time', '', `'${resources.time}' is not a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)`);
  }
  if (resources.mem !== undefined && !/^[1-9]\d*[KMGT]?$/.test(resources.mem)) {
    throw new InputError('--mem', '', `'${resources.mem}' is not a memory size (a whole number with an optional K, M, G or T suffix, e.g. 4G)`);
  }
  if (!Number.isInteger(resources.cpusPerTask) || resources.cpusPerTask < 1 || resources.cpusPerTask > 1024) {
    throw new InputError('--cpus-per-task', '', `must be a whole number from 1 to 1024, got ${resources.cpusPerTask}`);
  }
}

function header(plan: SlurmPlan, lines: readonly string[]): string[] {
  const r = plan.resources;
  return [
    '#!/bin/bash',
    ...lines,
    `#SBATCH --chdir=${plan.workDir}`,
    ...(r.partition !== undefined ? [`#SBATCH --partition=${r.partition}`] : []),
    ...(r.time !== undefined ? [`#SBATCH --time=${r.time}`] : []),
    ...(r.mem !== undefined ? [`#SBATCH --mem=${r.mem}`] : []),
  ];
}

function preamble(plan: SlurmPlan): string[] {
  return [
    'set -euo pipefail',
    `NODE=${shellQuote(plan.node)}`,
    `GLUCOSIM=${shellQuote(plan.glucosim)}`,
    `SHARDS=${shellQuote(`${plan.slurmDir}/shards`)}`,
  ];
}

/** The job array: task K runs shard K/N into shards/K (replacing what a failed earlier try of K left). */
export function shardsScript(plan: SlurmPlan): string {
  const n = plan.shards;
  return [
    ...header(plan, [
      commentText(`# glucosim ${plan.glucosimVersion}: ${n} shards of \`glucosim ${plan.studyArgs.map(shellQuote).join(' ')}\`, one array task each.`),
      `# Resubmit failed tasks alone with: sbatch --array=<K,…> ${SHARDS_SCRIPT} (then the merge again).`,
      `#SBATCH --job-name=${jobName(`glucosim-${plan.name}`)}`,
      `#SBATCH --array=1-${n}`,
      `#SBATCH --cpus-per-task=${plan.resources.cpusPerTask}`,
      `#SBATCH --output=${plan.slurmDir}/logs/shard-%a-job-%A.out`,
    ]),
    ...preamble(plan),
    `exec "$NODE" "$GLUCOSIM" ${plan.studyArgs.map(shellQuote).join(' ')} --shard "$SLURM_ARRAY_TASK_ID/${n}" --out "$SHARDS/$SLURM_ARRAY_TASK_ID" --force --workers "\${SLURM_CPUS_PER_TASK:-1}"`,
    '',
  ].join('\n');
}

/** The merge: every shards/K into the result; Slurm cancels it if a shard task fails (kill-on-invalid-dep). */
export function mergeScript(plan: SlurmPlan): string {
  return [
    ...header(plan, [
      commentText(`# glucosim ${plan.glucosimVersion}: merges the ${plan.shards} shards into ${plan.resultDir}.`),
      `#SBATCH --job-name=${jobName(`glucosim-${plan.name}-merge`)}`,
      '#SBATCH --cpus-per-task=1',
      '#SBATCH --kill-on-invalid-dep=yes',
      `#SBATCH --output=${plan.slurmDir}/logs/merge-job-%j.out`,
    ]),
    ...preamble(plan),
    'shards=()',
    `for k in $(seq 1 ${plan.shards}); do shards+=("$SHARDS/$k"); done`,
    `exec "$NODE" "$GLUCOSIM" merge "\${shards[@]}" --out ${shellQuote(plan.resultDir)}${plan.forceResult ? ' --force' : ''}`,
    '',
  ].join('\n');
}

/** Submits the array, then the merge to run after it; prints both job ids. */
export function submitScript(plan: SlurmPlan): string {
  return [
    '#!/bin/bash',
    `# glucosim ${plan.glucosimVersion}: submit the shards as a job array, then the merge, which runs once all of them succeeded.`,
    'set -euo pipefail',
    'cd "$(dirname "$0")"',
    `array=$(sbatch --parsable ${SHARDS_SCRIPT})`,
    'array=${array%%;*}',
    `merge=$(sbatch --parsable --dependency=afterok:"$array" ${MERGE_SCRIPT})`,
    'merge=${merge%%;*}',
    `echo "shards: job $array (array tasks 1-${plan.shards}); merge: job $merge, after all shards succeed; result: "${shellQuote(plan.resultDir)}`,
    '',
  ].join('\n');
}
