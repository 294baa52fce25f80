/** The Slurm batch scripts as text: directives, quoting, and the options refused before sbatch sees them. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { attachSeedValues } from '../../src/cli/seed.js';
import { invocationArgs } from '../../src/cluster/manifest.js';
import { checkDirectivePaths, checkResources, mergeScript, shardsScript, shellQuote, type SlurmPlan, submitScript } from '../../src/cluster/slurmScripts.js';

/** The parser yargs uses (as main.ts configures it for these options). */
const parseArgs = createRequire(import.meta.url)('yargs-parser') as (args: string[], options: Record<string, string[]>) => Record<string, unknown>;

const PLAN: SlurmPlan = {
  glucosimVersion: '9.9.9',
  name: 'ten days',
  shards: 4,
  node: '/usr/bin/node',
  glucosim: '/opt/glucosim/dist/src/cli/main.js',
  workDir: '/home/ann/study-one',
  studyArgs: ['run', 'scenarios/x y.json', '--cohort', 'adults', '--seed=-1'],
  slurmDir: '/home/ann/results/x-slurm',
  resultDir: '/home/ann/results/x',
  forceResult: false,
  resources: { partition: 'short', time: '1-02:00:00', mem: '4G', cpusPerTask: 8 },
};

function bashSyntaxOk(script: string): boolean {
  return spawnSync('bash', ['-n'], { input: script }).status === 0;
}

describe('shellQuote', () => {
  it('leaves plain words alone and single-quotes the rest', () => {
    expect(shellQuote('scenarios/a.json')).toBe('scenarios/a.json');
    expect(shellQuote('--seed=-1')).toBe('--seed=-1');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
    expect(spawnSync('bash', ['-c', `printf %s ${shellQuote("it's $HOME `x` \"y\"")}`], { encoding: 'utf8' }).stdout).toBe("it's $HOME `x` \"y\"");
  });
});

describe('the scripts', () => {
  it('shards.sbatch: one array task per shard, K from the task id, workers from the CPUs per task', () => {
    const text = shardsScript(PLAN);
    expect(bashSyntaxOk(text)).toBe(true);
    expect(text.split('\n')).toEqual(
      expect.arrayContaining([
        '#!/bin/bash',
        '#SBATCH --job-name=glucosim-ten_days',
        '#SBATCH --array=1-4',
        '#SBATCH --cpus-per-task=8',
        '#SBATCH --output=/home/ann/results/x-slurm/logs/shard-%a-job-%A.out',
        '#SBATCH --chdir=/home/ann/study-one',
        '#SBATCH --partition=short',
        '#SBATCH --time=1-02:00:00',
        '#SBATCH --mem=4G',
        'set -euo pipefail',
        `exec "$NODE" "$GLUCOSIM" run 'scenarios/x y.json' --cohort adults --seed=-1 --shard "$SLURM_ARRAY_TASK_ID/4" --out "$SHARDS/$SLURM_ARRAY_TASK_ID" --force --workers "\${SLURM_CPUS_PER_TASK:-1}"`,
      ]),
    );
    // Directives must come before the first command, or sbatch ignores them.
    const lines = text.split('\n');
    const firstCommand = lines.findIndex((l) => l !== '' && !l.startsWith('#'));
    expect(lines.slice(firstCommand).some((l) => l.startsWith('#SBATCH'))).toBe(false);
  });

  it('a line break in the study\'s name or arguments cannot end a comment or a directive', () => {
    const text = shardsScript({ ...PLAN, name: 'two\nlines', studyArgs: ['run', 'odd\nname.json'] });
    expect(bashSyntaxOk(text)).toBe(true);
    expect(text).toContain('#SBATCH --job-name=glucosim-two_lines\n');
    expect(text).toContain("shards of `glucosim run 'odd?name.json'`");
    // In the command, bash keeps the line break inside the quotes.
    expect(text).toContain(`exec "$NODE" "$GLUCOSIM" run 'odd\nname.json' --shard`);
    const lines = text.split('\n');
    const firstCommand = lines.findIndex((l) => l !== '' && !l.startsWith('#'));
    expect(lines[firstCommand]).toBe('set -euo pipefail');
  });

  it('paths in #SBATCH lines are plain: sbatch, not bash, reads them', () => {
    expect(() => checkDirectivePaths(PLAN)).not.toThrow();
    expect(() => checkDirectivePaths({ ...PLAN, workDir: '/home/ann/my study' })).toThrow(/^glucosim slurm: the current directory "\/home\/ann\/my study", where the jobs run, cannot be written into the scripts: .* run from a plainer path/);
    expect(() => checkDirectivePaths({ ...PLAN, slurmDir: '/r/100%-slurm' })).toThrow(/^--out: "\/r\/100%-slurm", the scripts' folder, cannot be written into the scripts/);
    expect(() => checkDirectivePaths({ ...PLAN, slurmDir: '/r/a\\b' })).toThrow(/^--out: /);
    expect(() => checkDirectivePaths({ ...PLAN, slurmDir: '/r/a\nb' })).toThrow(/^--out: /);
  });

  it('merge.sbatch: every shard directory in order, cancelled by Slurm if a shard fails', () => {
    const text = mergeScript({ ...PLAN, forceResult: true });
    expect(bashSyntaxOk(text)).toBe(true);
    expect(text).toContain('#SBATCH --kill-on-invalid-dep=yes');
    expect(text).toContain('for k in $(seq 1 4); do shards+=("$SHARDS/$k"); done');
    expect(text).toContain('merge "${shards[@]}" --out /home/ann/results/x --force');
    expect(mergeScript(PLAN)).not.toContain('--force');
  });

  it('submit.sh: the array, then the merge after it', () => {
    const text = submitScript(PLAN);
    expect(bashSyntaxOk(text)).toBe(true);
    expect(text).toContain('array=$(sbatch --parsable shards.sbatch)');
    expect(text).toContain('merge=$(sbatch --parsable --dependency=afterok:"$array" merge.sbatch)');
  });
});

describe('invocationArgs', () => {
  // yargs strips quotes around an attached value (`--seed="q"` is q): the command line must give back every seed as recorded.
  it.each(['"q"', "'q'", '-1e400', '-5', '007', 'a b', 'x=y'])('gives back the seed %s through the command-line parser', (seed) => {
    const args = invocationArgs({ kind: 'run', file: 's.json', cohort: 'adults', seed, windowDays: 2, report: false });
    const parsed = parseArgs(attachSeedValues(args.slice(2)), { string: ['seed', 'cohort'], number: ['window-days'], boolean: ['report'] });
    expect(parsed.seed).toBe(seed);
    expect(parsed.cohort).toBe('adults');
    expect(parsed['window-days']).toBe(2);
    expect(parsed.report).toBe(false);
  });

  it('gives back --cvga-points, and only when the run departs from the default', () => {
    expect(invocationArgs({ kind: 'run', file: 's.json', cvgaPoints: 'patient-day' })).toEqual(['run', 's.json', '--cvga-points', 'patient-day']);
    expect(invocationArgs({ kind: 'run', file: 's.json' })).not.toContain('--cvga-points');
  });
});

describe('checkResources', () => {
  it('accepts what sbatch accepts', () => {
    for (const time of ['30', '30:00', '2:00:00', '1-0', '1-02:00', '1-02:00:00', 'UNLIMITED']) expect(() => checkResources({ time, cpusPerTask: 1 })).not.toThrow();
    expect(() => checkResources({ partition: 'short,long', mem: '512M', cpusPerTask: 64 })).not.toThrow();
  });

  it.each([
    [{ partition: 'a b', cpusPerTask: 1 }, /^--partition: 'a b' is not a partition name/],
    [{ time: '2h', cpusPerTask: 1 }, /^--time: '2h' is not a Slurm time limit/],
    [{ mem: '4GB', cpusPerTask: 1 }, /^--mem: '4GB' is not a memory size/],
    [{ mem: '0', cpusPerTask: 1 }, /^--mem: '0' is not a memory size/],
    [{ cpusPerTask: 0 }, /^--cpus-per-task: must be a whole number from 1 to 1024, got 0/],
    [{ cpusPerTask: 1.5 }, /^--cpus-per-task: must be a whole number/],
  ])('refuses %o', (resources, reason) => {
    expect(() => checkResources(resources)).toThrow(reason);
  });
});
