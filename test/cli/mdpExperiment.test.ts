/**
 * The MDP experiment, reduced (30 of the 100 T2DM patients, 36 days, one
 * seed, π0 against 14 days of learning): the phases reported side by side,
 * and the direction of the result the full study (experiments/mdp-t2dm.json)
 * reports — the learned policy raises time in range and the mean MDP reward
 * over π0 once it exploits; in this sample it also gives no more time below
 * 70 mg/dL (the full study: a little more after 7 and 14 days of learning,
 * less after 28; docs/model.md §5.11).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectInputFailure, makeTempDir, removeTempDirs, runCli, writeScenario } from './helpers.js';

afterAll(removeTempDirs);

const ROOT = join(import.meta.dirname, '..', '..');

describe('mdp-t2dm experiment (reduced)', () => {
  const dir = makeTempDir('mdp-experiment');
  const shipped = JSON.parse(readFileSync(join(ROOT, 'experiments', 'mdp-t2dm.json'), 'utf8'));
  const scenario = JSON.parse(readFileSync(join(ROOT, 'scenarios', 't2dm-mdp-60day.json'), 'utf8'));
  const scenarioFile = writeScenario(dir, 't2dm-mdp-36day.json', { ...scenario, days: 36 });
  const file = join(dir, 'mdp-reduced.json');
  const cohort = Array.from({ length: 30 }, (_, i) => `t2dm#${String(i + 1).padStart(3, '0')}`).join(',');
  writeFileSync(
    file,
    JSON.stringify({ ...shipped, scenario: scenarioFile, cohort, seeds: 1, windowDays: 22, arms: [shipped.arms[0], shipped.arms[2]] }),
  );
  const out = join(dir, 'out');
  const run = runCli(['experiment', file, '--out', out, '--quiet'], 300_000);

  it('reports each arm over the common window and the MDP arm per phase', () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const [pi0, mdp] = summary.arms;
    expect(pi0.arm).toBe('pi0-MDI');
    expect(pi0.phases.map((p: { name: string }) => p.name)).toEqual(['last 22 days']);
    expect(mdp.phases.map((p: { name: string; fromDay: number; toDay: number }) => [p.name, p.fromDay, p.toDay])).toEqual([
      ['last 22 days', 15, 36],
      ['learning (π0)', 1, 14],
      ['exploitation (MDP policy)', 15, 36],
    ]);
    expect(existsSync(join(out, 'phases.csv'))).toBe(true);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('Outcomes per phase');
  });

  it('the learned policy raises TIR and the mean reward over π0 in the window', () => {
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const [pi0, mdp] = summary.arms.map((a: { phases: { metrics: Record<string, { mean: number }> }[] }) => a.phases[0].metrics);
    expect(mdp.tir.mean).toBeGreaterThan(pi0.tir.mean);
    expect(mdp.mean_reward.mean).toBeGreaterThan(pi0.mean_reward.mean);
    // In this sample, without more time below 70 mg/dL (the hypoglycaemia guard caps doses at π0's after a low reading).
    expect(mdp.below_70.mean).toBeLessThanOrEqual(pi0.below_70.mean);
    // More insulin is how: π0 leaves these patients high (mean ~180 mg/dL).
    expect(mdp.insulin_u_per_day.mean).toBeGreaterThan(pi0.insulin_u_per_day.mean);
  });
});

describe('glucosim run with the mdp controller and unfit devices', () => {
  const dir = makeTempDir('mdp-devices');
  const scenario = JSON.parse(readFileSync(join(ROOT, 'scenarios', 't2dm-mdp-60day.json'), 'utf8'));

  it('refuses, before anything runs, a meter that leaves one of its slots without a reading', () => {
    // The AIM-94 paper records' times: nothing near 16:00 (afternoon).
    const file = writeScenario(dir, 'four-readings.json', { ...scenario, days: 2, sensor: { model: 'smbg', timesOfDay: ['08:00', '12:00', '18:00', '22:00'] } });
    const out = join(dir, 'out-meter');
    const result = runCli(['run', file, '--cohort', 't2dm#001', '--out', out, '--quiet']);
    expectInputFailure(result, `${file}: controller: `, /^the MDP's slot 'afternoon' \(16:00\) has no meter reading from 30 min before to 90 min after it \(the meter measures at 08:00, 12:00, 18:00, 22:00\): set the controller's slots to the meter's times \(scenario /);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a scenario without a pen', () => {
    const { pen: _pen, ...noPen } = scenario;
    const file = writeScenario(dir, 'pump.json', { ...noPen, days: 2, pump: { model: 'Insulet' } });
    const result = runCli(['run', file, '--cohort', 't2dm#001', '--out', join(dir, 'out-pump'), '--quiet']);
    expectInputFailure(result, `${file}: controller: `, /^the mdp controller injects by pen: give the scenario a pen/);
  });
});
