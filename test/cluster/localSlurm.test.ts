/**
 * The local Slurm harness itself: a job array runs on the one node (two tasks
 * at a time on its two CPUs), a job depending on it with afterok runs only
 * after every task, and a failed task leaves that dependent job cancelled,
 * never run. Needs root and Debian's slurm-wlm and munge (.ci/run installs
 * them); otherwise skipped with a message, not failed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalSlurm } from '../../bench/localSlurm.js';

const started = await startLocalSlurm({ cpus: 2 });
const skip = 'skip' in started ? started.skip : undefined;
if (skip !== undefined) console.warn(`localSlurm.test: skipping the local Slurm cluster tests: ${skip}`);
const cluster = 'skip' in started ? undefined : started;

const work = mkdtempSync(join(tmpdir(), 'glucosim-slurm-test-'));
afterAll(async () => {
  await cluster?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Writes an executable batch script into `dir`; returns its path. */
function script(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/bash\nset -eu\n${body}\n`, { mode: 0o755 });
  return path;
}

/** Seconds since the epoch, as `date +%s.%N` wrote them. */
function times(path: string): number[] {
  return readFileSync(path, 'utf8').trim().split(/\s+/).map(Number);
}

describe.skipIf(skip !== undefined)('a local single-node Slurm cluster', () => {
  it('runs a 4-task array two at a time, then the afterok job that merges its output', async () => {
    const slurm = cluster!;
    const dir = mkdtempSync(join(work, 'ok-'));
    // Each task takes 1 s, so two waves on two CPUs; start/end times show the overlap.
    const task = script(dir, 'task.sh', `start=$(date +%s.%N)\nsleep 1\necho "$SLURM_ARRAY_TASK_ID $SLURM_CPUS_PER_TASK" > "${dir}/part-$SLURM_ARRAY_TASK_ID.txt"\necho "$start $(date +%s.%N)" > "${dir}/time-$SLURM_ARRAY_TASK_ID.txt"`);
    const merge = script(dir, 'merge.sh', `date +%s.%N > "${dir}/merge-time.txt"\ncat "${dir}"/part-{1,2,3,4}.txt > "${dir}/merged.txt"`);
    const arrayId = slurm.sbatch(['--array=1-4', '--cpus-per-task=1', `--output=${dir}/task-%a.log`, task]);
    const mergeId = slurm.sbatch([`--dependency=afterok:${arrayId}`, '--kill-on-invalid-dep=yes', `--output=${dir}/merge.log`, merge]);
    expect(arrayId).toMatch(/^\d+$/);
    expect(mergeId).toMatch(/^\d+$/);

    const states = await slurm.waitForJobs([arrayId, mergeId], 40_000);
    expect(states[arrayId]).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(states[mergeId]).toEqual(['COMPLETED']);

    expect(readFileSync(join(dir, 'merged.txt'), 'utf8')).toBe('1 1\n2 1\n3 1\n4 1\n');
    const spans = [1, 2, 3, 4].map((t) => times(join(dir, `time-${t}.txt`)));
    const [mergeStart] = times(join(dir, 'merge-time.txt'));
    expect(mergeStart).toBeGreaterThanOrEqual(Math.max(...spans.map(([, end]) => end)));
    // Never more tasks at once than the node's CPUs (each task asked for one).
    for (const [start] of spans) {
      const running = spans.filter(([s, e]) => s <= start && start < e).length;
      expect(running).toBeLessThanOrEqual(slurm.cpus);
    }
  });

  it('cancels the afterok job, unrun, when array task 2 exits 1', async () => {
    const slurm = cluster!;
    const dir = mkdtempSync(join(work, 'fail-'));
    const task = script(dir, 'task.sh', `if [ "$SLURM_ARRAY_TASK_ID" = 2 ]; then exit 1; fi\ntouch "${dir}/done-$SLURM_ARRAY_TASK_ID"`);
    const merge = script(dir, 'merge.sh', `touch "${dir}/merged"`);
    const arrayId = slurm.sbatch(['--array=1-3', '--cpus-per-task=1', `--output=${dir}/task-%a.log`, task]);
    const mergeId = slurm.sbatch([`--dependency=afterok:${arrayId}`, '--kill-on-invalid-dep=yes', `--output=${dir}/merge.log`, merge]);

    const states = await slurm.waitForJobs([arrayId, mergeId], 40_000);
    expect(slurm.jobState(`${arrayId}_1`)).toEqual(['COMPLETED']);
    expect(slurm.jobState(`${arrayId}_2`)).toEqual(['FAILED']);
    expect(slurm.jobState(`${arrayId}_3`)).toEqual(['COMPLETED']);
    expect([...states[arrayId]].sort()).toEqual(['COMPLETED', 'COMPLETED', 'FAILED']);
    // Slurm 22.05 cancels a job whose dependency can never be met (kill-on-invalid-dep).
    expect(states[mergeId]).toEqual(['CANCELLED']);
    expect(existsSync(join(dir, 'merged'))).toBe(false);
    expect(existsSync(join(dir, 'merge.log'))).toBe(false);
  });
});
