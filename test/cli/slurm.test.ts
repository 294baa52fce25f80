/**
 * `glucosim slurm` through the built CLI, without a cluster: the scripts it
 * writes, run by bash as Slurm would run them (each array task with its
 * SLURM_ARRAY_TASK_ID, then the merge), give the single-machine study; and
 * bad options are refused before anything is written. The same on a real
 * Slurm: test/cluster/slurmCluster.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, expectInputFailure, expectSameStudyOutput, listDir, makeTempDir, randomisedJson, removeTempDirs, ROOT, runCli, writeScenario } from './helpers.js';

let dir: string;
let scenario: string;
let experiment: string;

/** The CLI with `cwd` and extra environment. */
function cli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv) {
  const r = spawnSync('bash', [script], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  expect(r.status, r.stderr).toBe(0);
  return r;
}

beforeAll(() => {
  dir = makeTempDir('slurm');
  scenario = writeScenario(dir, 'two-days.json', { ...randomisedJson(), name: 'two-days', days: 2 });
  experiment = join(dir, 'experiment.json');
  writeFileSync(experiment, JSON.stringify({ name: 'tiny', scenario: 'two-days.json', cohort: 'adult#001,child#002', seeds: 2, runInDays: 1, windowDays: 1, arms: [{ name: 'fixed', controller: { name: 'standard-therapy', options: {} } }] }));
});

afterAll(removeTempDirs);

describe('glucosim slurm', () => {
  it('writes a job array and a merge job that, run as Slurm runs them, give the single-machine run', () => {
    const result = join(dir, 'result');
    const r = cli(['slurm', 'two-days.json', '--shards', '3', '--cohort', 'adults', '--seed', '-5', '--window-days', '1', '--out', result, '--cpus-per-task', '2', '--time', '10'], dir);
    expect(r.status, r.stderr).toBe(0);
    const slurmDir = `${result}-slurm`;
    expect(r.stdout.split('\n')[0]).toBe(slurmDir);
    expect(r.stdout).toBe(
      `${slurmDir}\nsubmit with: ${join(slurmDir, 'submit.sh')}\n` +
        `  (sbatch --parsable ${join(slurmDir, 'shards.sbatch')}, then sbatch --dependency=afterok:<its job id> ${join(slurmDir, 'merge.sbatch')})\n`,
    );
    expect(listDir(slurmDir)).toEqual(['logs', 'merge.sbatch', 'shards', 'shards.sbatch', 'submit.sh']);
    expect(existsSync(result)).toBe(false);
    const shards = readFileSync(join(slurmDir, 'shards.sbatch'), 'utf8');
    expect(shards).toContain(`#SBATCH --chdir=${dir}`);
    expect(shards).toContain('#SBATCH --time=10');
    expect(shards).toContain(`run two-days.json --cohort adults --seed=-5 --window-days 1 --shard "$SLURM_ARRAY_TASK_ID/3"`);
    // bash ignores #SBATCH lines: run from the directory Slurm would (--chdir).
    for (const k of [1, 2, 3]) bash(join(slurmDir, 'shards.sbatch'), dir, { SLURM_ARRAY_TASK_ID: String(k), SLURM_CPUS_PER_TASK: '1' });
    expect(listDir(join(slurmDir, 'shards'))).toEqual(['1', '2', '3']);
    bash(join(slurmDir, 'merge.sbatch'), dir, {});
    const single = join(dir, 'single');
    expect(cli(['run', 'two-days.json', '--cohort', 'adults', '--seed', '-5', '--window-days', '1', '--out', single, '--quiet'], dir).status).toBe(0);
    expectSameStudyOutput(result, single);
  }, 120_000);

  it('does the same for an experiment', () => {
    const result = join(dir, 'experiment-result');
    expect(cli(['slurm', experiment, '--shards', '2', '--out', result], dir).status).toBe(0);
    for (const k of [1, 2]) bash(join(`${result}-slurm`, 'shards.sbatch'), dir, { SLURM_ARRAY_TASK_ID: String(k) });
    bash(join(`${result}-slurm`, 'merge.sbatch'), dir, {});
    const single = join(dir, 'experiment-single');
    expect(cli(['experiment', experiment, '--out', single, '--quiet'], dir).status).toBe(0);
    expectSameStudyOutput(result, single);
  }, 120_000);

  it('refuses bad options before writing anything', () => {
    const out = join(dir, 'refused');
    expectInputFailure(runCli(['slurm', scenario, '--shards', '0', '--out', out]), '--shards: ', /must be a whole number ≥ 1, got 0/);
    expectInputFailure(runCli(['slurm', scenario, '--shards', '31', '--out', out]), '--shards: ', /31 shards for a study of 30 jobs: give at most 30/);
    expectInputFailure(runCli(['slurm', scenario, '--shards', '2', '--seeds', '3', '--out', out]), '--seeds: ', /is an option of an experiment; .* is a scenario/);
    expectInputFailure(runCli(['slurm', experiment, '--shards', '2', '--window-days', '1', '--out', out]), '--window-days: ', /is an option of a run; .* is an experiment/);
    expectInputFailure(runCli(['slurm', scenario, '--shards', '2', '--time', '2h', '--out', out]), '--time: ', /'2h' is not a Slurm time limit/);
    expectInputFailure(runCli(['slurm', scenario, '--shards', '2', '--cohort', 'nobody', '--out', out]), '--cohort: ', /nobody/);
    // No sbatch on PATH (an empty folder; the CLI is started by its full path): refused before the scripts are written.
    expectInputFailure(cli(['slurm', scenario, '--shards', '2', '--submit', '--out', out], ROOT, { PATH: makeTempDir('empty-path') }), '--submit: ', /sbatch is not on PATH/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}-slurm`)).toBe(false);
    // An existing result is refused unless --force.
    const existing = makeTempDir('slurm-existing-result');
    expectInputFailure(cli(['slurm', scenario, '--shards', '2', '--out', existing], dir), '--out: ', /already exists; choose another path or give --force/);
    // A working directory sbatch could not read in an #SBATCH line.
    const spaced = join(makeTempDir('slurm-spaced'), 'my study');
    mkdirSync(spaced);
    expectInputFailure(cli(['slurm', scenario, '--shards', '2', '--out', join(spaced, 'r')], spaced), 'glucosim slurm: ', /the current directory ".*my study", where the jobs run, cannot be written into the scripts/);
    expect(existsSync(join(spaced, 'r-slurm'))).toBe(false);
  });

  it('--submit submits the array, then the merge after it, with the job ids sbatch gives (a stand-in sbatch on PATH)', () => {
    const bin = makeTempDir('fake-sbatch');
    const calls = join(bin, 'calls.txt');
    // Prints "<id>;<cluster>" as sbatch --parsable does on a multi-cluster site.
    writeFileSync(join(bin, 'sbatch'), `#!/bin/bash\necho "$@" >> ${calls}\nn=$(wc -l < ${calls})\necho "$((4100 + n));clusterA"\n`, { mode: 0o755 });
    const result = join(dir, 'submitted');
    const r = cli(['slurm', scenario, '--shards', '2', '--out', result, '--submit'], dir, { PATH: `${bin}:${process.env.PATH}` });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${result}-slurm\nsubmitted: shards job 4101 (array tasks 1-2), merge job 4102 after all shards succeed\nresult: ${result}\n`);
    expect(readFileSync(calls, 'utf8')).toBe(`--parsable ${result}-slurm/shards.sbatch\n--parsable --dependency=afterok:4101 ${result}-slurm/merge.sbatch\n`);
    // sbatch refusing: one line with its reason and what to do; the scripts stay for a later submission.
    writeFileSync(join(bin, 'sbatch'), '#!/bin/bash\necho "sbatch: error: invalid partition specified: short" >&2\nexit 1\n', { mode: 0o755 });
    const refused = join(dir, 'refused-by-sbatch');
    expectInputFailure(cli(['slurm', scenario, '--shards', '2', '--out', refused, '--submit'], dir, { PATH: `${bin}:${process.env.PATH}` }), '--submit: ', /sbatch refused the job: sbatch: error: invalid partition specified: short; the scripts are in .*refused-by-sbatch-slurm: submit them when it is mended/);
  });
});
