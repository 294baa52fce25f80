/**
 * `glucosim ppopi t2dm` end to end on a tiny study (3 patients, 3 learning
 * and 3 evaluation days, one seed, the 512-bit test keys): the directory
 * it writes, the tables the table arms follow, the arms over the common
 * window; and the refusal of malformed study files, naming the field.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMdpDefinition } from '../../src/control/mdp/definitionFile.js';
import { readPolicyTableFile } from '../../src/control/mdp/policyTable.js';
import { stateCount } from '../../src/control/mdp/space.js';
import { expectInputFailure, makeTempDir, removeTempDirs, ROOT, runCli } from './helpers.js';

afterAll(removeTempDirs);

const KEYS = join(ROOT, 'test', 'fixtures', 'bcp', '512');
const shipped = JSON.parse(readFileSync(join(ROOT, 'experiments', 'ppopi-t2dm.json'), 'utf8')) as Record<string, any>;
const SCENARIO = join(ROOT, 'scenarios', 't2dm-mdp-60day.json');

function writeStudy(dir: string, name: string, changes: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ ...shipped, scenario: SCENARIO, cohort: 't2dm#001,t2dm#002,t2dm#003', seeds: 1, learningDays: 3, evaluationDays: 3, ...changes }));
  return file;
}

describe('glucosim ppopi t2dm', () => {
  const dir = makeTempDir('ppopi-t2dm');
  const file = writeStudy(dir, 'tiny.json', {});
  const out = join(dir, 'out');
  const started = performance.now();
  const run = runCli(['ppopi', 't2dm', file, '--out', out, '--keys', KEYS, '--quiet'], 120_000);
  const seconds = (performance.now() - started) / 1000;

  it('writes the study directory in seconds, with the README on stdout', () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.startsWith(`${out}\n`)).toBe(true);
    for (const f of ['README.md', 'pooling.json', 'learning/records-seed-7.csv', 'tables/pooled.json', 'tables/own.json', 'evaluation/summary.json', 'evaluation/phases.csv', 'evaluation/report.html']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('| PPOPI-pooled |');
    expect(seconds).toBeLessThan(30);
  });

  it('pools every patient\'s transitions and answers every encrypted request', () => {
    const pooling = JSON.parse(readFileSync(join(out, 'pooling.json'), 'utf8'));
    const [seed] = pooling.pooling;
    expect(Object.keys(seed.transitionsPerPatient)).toEqual(['t2dm#001', 't2dm#002', 't2dm#003']);
    // Three days of five readings: 14 transitions each.
    expect(Object.values(seed.transitionsPerPatient)).toEqual([14, 14, 14]);
    expect(seed.server.transitions).toBe(42);
    expect(seed.requests).toBe(3 * 50);
    expect(seed.learnedStatesPooled).toBeGreaterThanOrEqual(seed.learnedStatesOwn);
    expect(pooling.keyBits).toBe(512);
  });

  it('writes tables the mdp controller reads, one per patient and seed', () => {
    const definition = parseMdpDefinition(shipped.mdp, file, 'mdp');
    for (const name of ['pooled', 'own']) {
      const tables = readPolicyTableFile(join(out, 'tables', `${name}.json`), definition);
      for (const patient of ['t2dm#001', 't2dm#002', 't2dm#003']) expect(tables.get(7, patient)?.length).toBe(stateCount(definition.space));
      expect(tables.get(8, 't2dm#001')).toBeUndefined();
    }
  });

  it('compares the four arms over the evaluation window, the table arms following their tables after learning', () => {
    const summary = JSON.parse(readFileSync(join(out, 'evaluation', 'summary.json'), 'utf8'));
    expect(summary.arms.map((a: { arm: string }) => a.arm)).toEqual(['pi0', 'MDP-own', 'own-table', 'PPOPI-pooled']);
    const phases = (i: number) => summary.arms[i].phases.map((p: { name: string; fromDay: number; toDay: number }) => [p.name, p.fromDay, p.toDay]);
    expect(phases(0)).toEqual([['last 3 days', 4, 6]]);
    expect(phases(3)).toEqual([
      ['last 3 days', 4, 6],
      ['learning (π0)', 1, 3],
      ['following the policy table', 4, 6],
    ]);
    // The three MDP arms learn alike: the same days under π0 with the same exploration.
    const learning = (i: number) => summary.arms[i].phases[1].metrics.tir.mean;
    expect(learning(2)).toBe(learning(1));
    expect(learning(3)).toBe(learning(1));
    for (const arm of summary.arms) expect(Number.isFinite(arm.phases[0].metrics.mean_reward.mean)).toBe(true);
  });
});

describe('glucosim ppopi t2dm refuses malformed study files, naming the field', () => {
  const dir = makeTempDir('ppopi-t2dm-bad');
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['per-day discount', { mdp: { ...shipped.mdp, discount: { gamma: 0.9, per: 'day' } } }, 'mdp.discount.per: ', /^must be "measurement": the PPOPI server sees states as tags/],
    ['learningDays inside mdp', { mdp: { ...shipped.mdp, learningDays: 2 } }, 'mdp.learningDays: ', /^is the study's/],
    ['no evaluation days', { evaluationDays: undefined }, 'evaluationDays: ', /^required field is missing/],
    ['an option the mdp controller lacks', { mdp: { ...shipped.mdp, explore: 0.5 } }, 'mdp.explore: ', /^unknown property/],
    [
      'a regimen beyond the action space',
      { mdp: { ...shipped.mdp, physicianRegimen: { ...shipped.mdp.physicianRegimen, doses: [{ time: '07:00', preparation: 'nph', unitsPerKg: 0.9 }] } } },
      'mdp: ',
      /^t2dm#001: the physician's regimen gives up to [\d.]+ U of nph at the morning reading, above the largest dose of actions\.nph/,
    ],
    ['one patient', { cohort: 't2dm#001' }, 'cohort: ', /^selects 1 patient: pooling needs at least 2/],
  ];
  for (const [title, change, field, reason] of cases) {
    it(title, () => {
      const file = writeStudy(dir, `${title.replace(/\W+/g, '-')}.json`, change);
      const out = join(dir, `out-${title.replace(/\W+/g, '-')}`);
      const result = runCli(['ppopi', 't2dm', file, '--out', out, '--keys', KEYS]);
      expectInputFailure(result, `${file}: ${field}`, reason);
      expect(existsSync(out)).toBe(false);
    });
  }
});
