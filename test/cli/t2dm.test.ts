import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs, runCli } from './helpers.js';

afterAll(removeTempDirs);

describe('glucosim run scenarios/t2dm-smbg-14day.json', () => {
  const dir = makeTempDir('t2dm');
  const out = join(dir, 'run');
  const result = runCli(['run', 'scenarios/t2dm-smbg-14day.json', '--cohort', 't2dm#001,t2dm#002', '--out', out, '--quiet']);

  it('runs the generated T2DM cohort with metrics and report', () => {
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(Object.keys(metrics.patients)).toEqual(['t2dm#001', 't2dm#002']);
    expect(metrics.patients['t2dm#001'].group).toBe('t2dm');
    expect(metrics.patients['t2dm#001'].metrics.mean).toBeGreaterThan(100);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('t2dm#002');
  });

  it('measures five times a day and injects NPH + regular at 07:00 and 19:00', () => {
    const lines = readFileSync(join(out, 'traces', 't2dm#001.csv'), 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    const col = (name: string) => header.indexOf(name);
    const rows = lines.slice(1).map((l) => l.split(','));
    const readings = rows.filter((r) => r[col('cgm_mg_dl')] !== '').map((r) => r[col('time_of_day')]);
    expect(readings.length).toBe(14 * 5);
    expect(new Set(readings)).toEqual(new Set(['07:00', '12:00', '16:00', '19:00', '22:00']));
    const nph = rows.filter((r) => Number(r[col('injected_nph_u')]) > 0).map((r) => r[col('time_of_day')]);
    const regular = rows.filter((r) => Number(r[col('injected_regular_u')]) > 0).map((r) => r[col('time_of_day')]);
    expect(nph.length).toBe(28);
    expect(new Set(nph)).toEqual(new Set(['07:00', '19:00']));
    expect(new Set(regular)).toEqual(new Set(['07:00', '19:00']));
    // Whole-unit pen.
    expect(rows.every((r) => Number.isInteger(Number(r[col('injected_nph_u')])))).toBe(true);
    expect(rows.every((r) => Number(r[col('basal_u_per_h')]) === 0 && Number(r[col('bolus_u')]) === 0)).toBe(true);
  });

  it('a pump-therapy scenario on the T2DM cohort without therapy settings is refused up front', () => {
    const bad = JSON.parse(readFileSync('scenarios/randomised-10day.json', 'utf8'));
    bad.patients = 't2dm-100';
    const file = join(dir, 'pump.json');
    writeFileSync(file, JSON.stringify(bad));
    const r = runCli(['run', file, '--out', join(dir, 'pump-run')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^glucosim: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: controller: .*needs carbRatioGPerU`));
  });
});

describe('glucosim cohort generate', () => {
  const dir = makeTempDir('cohort');
  it('is deterministic per seed and refuses bad arguments', () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    expect(runCli(['cohort', 'generate', '--type', 't2dm', '--n', '3', '--seed', '11', '--out', a]).status).toBe(0);
    expect(runCli(['cohort', 'generate', '--type', 't2dm', '--n', '3', '--seed', '11', '--out', b]).status).toBe(0);
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    for (const args of [
      ['--type', 't2dm', '--n', '0', '--out', join(dir, 'c.json')],
      ['--type', 't3dm', '--n', '3', '--out', join(dir, 'c.json')],
      // A file cannot be a directory: unwritable.
      ['--type', 't2dm', '--n', '3', '--out', join(a, 'c.json')],
    ]) {
      const r = runCli(['cohort', 'generate', ...args]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/^glucosim: --(n|type|out): /);
    }
  });
});
