/**
 * glucosim on a real Slurm (a one-node cluster from Debian's slurm-wlm and
 * munge, started here: bench/localSlurm.ts): `glucosim slurm --submit` runs a
 * study as a 4-task job array and a dependent merge job, whose result is the
 * single-machine run byte for byte; a failed task leaves the merge cancelled,
 * and resubmitting that task alone, then the merge, completes the study.
 * Needs root and the packages (.ci/run installs them); otherwise skipped
 * with one line saying why.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalSlurm } from '../../bench/localSlurm.js';
import { CLI, expectSameStudyOutput, makeTempDir, randomisedJson, removeTempDirs, writeScenario } from '../cli/helpers.js';

const started = await startLocalSlurm({ cpus: 2 });
const skip = 'skip' in started ? started.skip : undefined;
if (skip !== undefined) console.warn(`slurmCluster.test: skipping glucosim on a local Slurm: ${skip}`);
const cluster = 'skip' in started ? undefined : started;

afterAll(async () => {
  await cluster?.stop();
  removeTempDirs();
});

const COHORT = 'adult#001,adult#002,adolescent#003,adolescent#004,child#005,child#006,adult#007,child#008';

function glucosim(args: readonly string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: cluster!.env });
  expect(r.status, `glucosim ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe.skipIf(skip !== undefined)('glucosim on a local Slurm cluster', () => {
  it('runs a 4-shard study as a job array and a merge job, giving the single-machine bytes', async () => {
    const dir = makeTempDir('slurm-cluster');
    writeScenario(dir, 'two-days.json', { ...randomisedJson(), name: 'two-days', days: 2 });
    const out = glucosim(['slurm', 'two-days.json', '--shards', '4', '--cohort', COHORT, '--out', 'result', '--time', '10', '--submit'], dir);
    const ids = /submitted: shards job (\d+) \(array tasks 1-4\), merge job (\d+) after all shards succeed/.exec(out);
    expect(ids, out).not.toBeNull();
    const states = await cluster!.waitForJobs([ids![1], ids![2]], 180_000);
    expect(states[ids![1]]).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(states[ids![2]]).toEqual(['COMPLETED']);
    expect(readdirSync(join(dir, 'result-slurm', 'logs')).filter((f) => f.startsWith('shard-')).length).toBe(4);
    glucosim(['run', 'two-days.json', '--cohort', COHORT, '--out', 'single', '--quiet'], dir);
    expectSameStudyOutput(join(dir, 'result'), join(dir, 'single'));
  }, 240_000);

  it('after a failed task, the merge is cancelled; resubmitting that task alone and the merge completes the study', async () => {
    const dir = makeTempDir('slurm-cluster-failure');
    writeScenario(dir, 'two-days.json', { ...randomisedJson(), name: 'two-days', days: 2 });
    glucosim(['slurm', 'two-days.json', '--shards', '4', '--cohort', COHORT, '--out', 'result'], dir);
    const slurmDir = join(dir, 'result-slurm');
    // A file where shard 2's directory must go: its task fails (exit 2) and writes nothing.
    writeFileSync(join(slurmDir, 'shards', '2'), 'in the way\n');
    const submitted = spawnSync('bash', [join(slurmDir, 'submit.sh')], { encoding: 'utf8', env: cluster!.env });
    expect(submitted.status, submitted.stderr).toBe(0);
    const ids = /shards: job (\d+) \(array tasks 1-4\); merge: job (\d+), after all shards succeed/.exec(submitted.stdout);
    expect(ids, submitted.stdout).not.toBeNull();
    const states = await cluster!.waitForJobs([ids![1], ids![2]], 180_000);
    expect([...states[ids![1]]].sort()).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'FAILED']);
    expect(states[ids![2]]).toEqual(['CANCELLED']);
    expect(existsSync(join(dir, 'result'))).toBe(false);
    // The recovery docs/cluster.md gives.
    rmSync(join(slurmDir, 'shards', '2'));
    const again = cluster!.sbatch(['--array=2', 'shards.sbatch'], slurmDir);
    const merge = cluster!.sbatch([`--dependency=afterok:${again}`, 'merge.sbatch'], slurmDir);
    const retried = await cluster!.waitForJobs([again, merge], 180_000);
    expect(retried[again]).toEqual(['COMPLETED']);
    expect(retried[merge]).toEqual(['COMPLETED']);
    glucosim(['run', 'two-days.json', '--cohort', COHORT, '--out', 'single', '--quiet'], dir);
    expectSameStudyOutput(join(dir, 'result'), join(dir, 'single'));
  }, 240_000);
});
