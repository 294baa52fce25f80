/**
 * Controllers that answer like remote ones (`controller.latencyMs`, a real
 * timer per call) through the command line: the same traces as the
 * synchronous controller with four patients in one worker at
 * --concurrency-per-worker 4, and a deadline that fails the run cleanly.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectInputFailure, listDir, makeTempDir, randomisedJson, removeTempDirs, runCli, writeScenario } from './helpers.js';

const dir = makeTempDir('async');
afterAll(removeTempDirs);
const cohort = 'adult#001,adult#002,adolescent#003,child#001';

function scenario(name: string, controller: Record<string, unknown>): string {
  return writeScenario(dir, `${name}.json`, { ...randomisedJson(), name, days: 1, controller: { name: 'standard-therapy', options: {}, ...controller } });
}

describe('asynchronous controllers through glucosim run', () => {
  it('a controller answering after a real timer gives the same traces as its synchronous twin, four patients in one worker', () => {
    const sync = runCli(['run', scenario('sync', {}), '--cohort', cohort, '--out', join(dir, 'sync'), '--workers', '1', '--no-report', '--quiet']);
    expect(sync.stderr).toBe('');
    expect(sync.status).toBe(0);
    const remote = runCli([
      'run', scenario('remote', { latencyMs: 1 }), '--cohort', cohort, '--out', join(dir, 'remote'),
      '--workers', '1', '--concurrency-per-worker', '4', '--no-report', '--quiet',
    ]);
    expect(remote.stderr).toBe('');
    expect(remote.status).toBe(0);
    const traces = listDir(join(dir, 'sync', 'traces'));
    expect(traces).toHaveLength(4);
    expect(listDir(join(dir, 'remote', 'traces'))).toEqual(traces);
    for (const t of traces) expect(readFileSync(join(dir, 'remote', 'traces', t), 'utf8')).toBe(readFileSync(join(dir, 'sync', 'traces', t), 'utf8'));
    const summary = JSON.parse(readFileSync(join(dir, 'remote', 'summary.json'), 'utf8'));
    expect(summary.scenario.controller).toMatchObject({ latencyMs: 1, timeoutMs: 10_000 });
  });

  it('a decision that misses its deadline fails the run in one line naming controller, patient and minute, and leaves nothing', () => {
    const out = join(dir, 'late');
    const r = runCli(['run', scenario('late', { latencyMs: 400, timeoutMs: 100 }), '--cohort', 'adult#001,adult#002', '--out', out, '--workers', '1', '--quiet']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "glucosim: controller 'standard-therapy' did not answer decide within 100 ms (controller.timeoutMs) for patient adult#001 at minute 0 (day 1, 00:00)\n",
    );
    expect(existsSync(out)).toBe(false);
    // No temporary run directory is left beside it either.
    expect(readdirSync(dir).filter((f) => f.includes('late') && !f.endsWith('.json'))).toEqual([]);
  });

  it('refuses a concurrency per worker that is not a whole number ≥ 1', () => {
    const r = runCli(['run', scenario('bad', {}), '--concurrency-per-worker', '0', '--out', join(dir, 'bad')]);
    expectInputFailure(r, '--concurrency-per-worker: ', /must be a whole number from 1 to 1000, got 0/);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });
});
