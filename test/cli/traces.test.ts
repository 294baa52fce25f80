/**
 * `glucosim run --traces none|csv`: without traces a run writes the same
 * summary and report, byte for byte, and no traces/ folder; --force replaces
 * such a run; a format that does not exist is refused before anything runs.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { directorySnapshot, expectInputFailure, makeTempDir, randomisedJson, removeTempDirs, runCli, writeScenario } from './helpers.js';

const dir = makeTempDir('traces');
afterAll(removeTempDirs);
const scenario = writeScenario(dir, 'two-days.json', { ...randomisedJson(), days: 2 });
const COHORT = 'adult#002,child#004';

describe('run --traces', () => {
  it('none: no traces, and every other file the same bytes as with csv (but the time stamp)', () => {
    const withCsv = join(dir, 'csv');
    const without = join(dir, 'none');
    expect(runCli(['run', scenario, '--cohort', COHORT, '--out', withCsv, '--quiet', '--traces', 'csv']).status).toBe(0);
    const r = runCli(['run', scenario, '--cohort', COHORT, '--out', without, '--quiet', '--traces', 'none']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(join(withCsv, 'traces', 'child#004.csv'))).toBe(true);
    expect(existsSync(join(without, 'traces'))).toBe(false);
    const a = directorySnapshot(withCsv);
    const b = directorySnapshot(without);
    const stamp = /^ {2}"createdAt": .*\n/m;
    expect(Object.keys(b)).toEqual(Object.keys(a).filter((f) => !f.startsWith('traces/')));
    for (const name of Object.keys(b)) expect(b[name].replace(stamp, ''), name).toBe(a[name].replace(stamp, ''));
    // A run without traces is still a run's output: --force replaces it.
    expect(runCli(['run', scenario, '--cohort', COHORT, '--out', without, '--quiet', '--traces', 'none', '--force']).status).toBe(0);
    rmSync(withCsv, { recursive: true });
  });

  it("--force does not take an experiment's output (it has a summary.json too) for a run's", () => {
    const experiment = join(dir, 'experiment-output');
    mkdirSync(experiment);
    writeFileSync(join(experiment, 'summary.json'), '{}\n');
    writeFileSync(join(experiment, 'table1.csv'), 'arm\n');
    expectInputFailure(
      runCli(['run', scenario, '--cohort', COHORT, '--out', experiment, '--traces', 'none', '--force']),
      `--out: ${experiment} is not an output of this command (it has table1.csv, another command's)`,
      /; --force replaces only those, or an empty directory$/,
    );
    expect(readFileSync(join(experiment, 'table1.csv'), 'utf8')).toBe('arm\n');
  });

  it('refuses a format it does not write, naming the option and the formats', () => {
    const out = join(dir, 'parquet');
    expectInputFailure(runCli(['run', scenario, '--cohort', COHORT, '--out', out, '--traces', 'parquet']), '--traces: ', /^must be one of csv, none, got 'parquet'$/);
    expect(existsSync(out)).toBe(false);
  });
});
