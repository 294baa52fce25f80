import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, randomisedJson, removeTempDirs, runCli, writeScenario } from './helpers.js';

afterAll(removeTempDirs);

describe('check refuses a baseline of another run setting', () => {
  const dir = makeTempDir('guards');
  const scenario = writeScenario(dir, 'one-day.json', { ...randomisedJson(), days: 1 });
  const run = (out: string, seed: string) => runCli(['run', scenario, '--cohort', 'adult#001', '--seed', seed, '--out', join(dir, out), '--quiet']);

  it('names the baseline file and the field that differs', () => {
    expect(run('a', '1').status).toBe(0);
    expect(run('b', '2').status).toBe(0);
    expect(runCli(['baseline', join(dir, 'a'), '--out', join(dir, 'base.json')]).status).toBe(0);
    expect(runCli(['check', join(dir, 'a'), '--baseline', join(dir, 'base.json')]).status).toBe(0);
    const r = runCli(['check', join(dir, 'b'), '--baseline', join(dir, 'base.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/base\.json: source\.seed: the baseline is of 1, the run in .* of 2/);
  });
});
