import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectInputFailure, makeTempDir, randomisedJson, removeTempDirs, runCli, writeScenario } from './helpers.js';

afterAll(removeTempDirs);

/** A reduced experiment: 3 patients, 2 trial days after a 1-day run-in, 2 seeds. */
function reducedExperiment(dir: string, arms: unknown[], extra: Record<string, unknown> = {}): string {
  const scenario = writeScenario(dir, 'two-days.json', { ...randomisedJson(), days: 2 });
  const file = join(dir, `experiment-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    file,
    JSON.stringify({ name: 'reduced', scenario, cohort: 'adult#001,adolescent#002,child#003', seeds: 2, runInDays: 1, windowDays: 2, arms, ...extra }),
  );
  return file;
}

describe('glucosim experiment (reduced)', () => {
  const dir = makeTempDir('experiment');
  const arms = [
    { name: 'fixed', controller: { name: 'standard-therapy' } },
    { name: 'same', controller: { name: 'standard-therapy', options: {} } },
    { name: 'over', controller: { name: 'standard-therapy', options: { bolusScale: 1.5 } } },
  ];
  const file = reducedExperiment(dir, arms, { exclude: { patients: ['child#003'], reason: 'test exclusion' } });
  const outA = join(dir, 'a');
  const outB = join(dir, 'b');
  const a = runCli(['experiment', file, '--out', outA, '--quiet']);
  const b = runCli(['experiment', file, '--out', outB, '--quiet']);

  it('writes the tables, figures and report', () => {
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
    for (const f of ['summary.json', 'table1.csv', 'patients.csv', 'paths.csv', 'report.html', 'cvga-fixed.svg', 'lbgi-children.svg', 'lbgi-children-without-excluded.svg']) {
      expect(existsSync(join(outA, f)), f).toBe(true);
    }
    // Figure 3 without the excluded child only where a group lost somebody.
    expect(existsSync(join(outA, 'lbgi-adults-without-excluded.svg'))).toBe(false);
    const summary = JSON.parse(readFileSync(join(outA, 'summary.json'), 'utf8'));
    const fixed = summary.arms[0];
    // child#003 is the only child: without it the children's daily LBGI has no patient left.
    expect(fixed.dailyLbgiWithExclusions.adults).toEqual(fixed.dailyLbgi.adults);
    expect(fixed.dailyLbgi.children.every(Number.isFinite)).toBe(true);
    expect(fixed.dailyLbgiWithExclusions.children.every((v: number | null) => v === null)).toBe(true);
    const table = readFileSync(join(outA, 'table1.csv'), 'utf8').trim().split('\n');
    // 3 arms × (all + without exclusions) × (overall + 3 groups) + header.
    expect(table.length).toBe(1 + 3 * 2 * 4);
    expect(readFileSync(join(outA, 'paths.csv'), 'utf8').trim().split('\n').length).toBe(1 + 3 * 2 * 3 * 2);
  });

  it('is deterministic per seed, and pairs the arms (same meals and noise)', () => {
    expect(b.status).toBe(0);
    const strip = (out: string) => {
      const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      delete s.seconds;
      delete s.createdAt;
      return s;
    };
    expect(strip(outB)).toEqual(strip(outA));
    expect(readFileSync(join(outB, 'patients.csv'), 'utf8')).toBe(readFileSync(join(outA, 'patients.csv'), 'utf8'));
    const rows = readFileSync(join(outA, 'patients.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const zoneOf = (arm: string) => rows.filter((r) => r[0] === arm).map((r) => r.slice(1, 3).concat(r.slice(9)).join(','));
    // Two arms with the same controller give the same outcome for every patient and seed.
    expect(zoneOf('same')).toEqual(zoneOf('fixed'));
    expect(zoneOf('over')).not.toEqual(zoneOf('fixed'));
  });

  it('--seed starts the seeds elsewhere than the scenario seed', () => {
    const r = runCli(['experiment', file, '--out', join(dir, 'seed7'), '--quiet', '--seed', '7', '--seeds', '1']);
    expect(r.status).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'seed7', 'summary.json'), 'utf8'));
    expect(summary.seeds).toEqual([7]);
    const first = readFileSync(join(outA, 'patients.csv'), 'utf8').split('\n').filter((l) => l.includes(',1,adult#001,'));
    const seven = readFileSync(join(dir, 'seed7', 'patients.csv'), 'utf8').split('\n').filter((l) => l.includes(',7,adult#001,'));
    expect(seven.length).toBe(first.length);
    expect(seven.map((l) => l.replace(',7,', ',1,'))).not.toEqual(first);
    const empty = runCli(['experiment', file, '--out', join(dir, 'seedless'), '--seed', ' ']);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/--seed.*must not be empty/);
    expect(existsSync(join(dir, 'seedless'))).toBe(false);
  });

  it('refuses a bad experiment file naming the field', () => {
    const bad = reducedExperiment(dir, [{ name: 'x', controller: { name: 'nope' } }]);
    const r = runCli(['experiment', bad, '--out', join(dir, 'bad')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/controller\.name: unknown controller 'nope'/);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
    const dup = reducedExperiment(dir, [arms[0], arms[0]]);
    expect(runCli(['experiment', dup, '--out', join(dir, 'dup')]).stderr).toMatch(/arms\[1\] \(fixed\): name: 'fixed' is used twice/);
    // A bad option names its arm; the file is checked by its schema like a scenario.
    const badOption = reducedExperiment(dir, [arms[0], { name: 'neg', controller: { name: 'standard-therapy', options: { bolusScale: -1 } } }]);
    expect(runCli(['experiment', badOption, '--out', join(dir, 'neg')]).stderr).toMatch(/arms\[1\] \(neg\): controller\.options\.bolusScale: must be ≥ 0 \(got -1\)/);
    const unknownField = reducedExperiment(dir, [arms[0]], { runIn: 1 });
    expect(runCli(['experiment', unknownField, '--out', join(dir, 'field')]).stderr).toMatch(/runIn: unknown property \(allowed: name, description, scenario/);
    expect(existsSync(join(dir, 'neg')) || existsSync(join(dir, 'field'))).toBe(false);
    // An adapting arm must start adapting when the trial starts (the experiment's run-in is 1 day).
    const early = reducedExperiment(dir, [arms[0], { name: 'S1', controller: { name: 'actor-critic', options: { initialisation: 'S1' } } }]);
    const e = runCli(['experiment', early, '--out', join(dir, 'early')]);
    expect(e.status).toBe(2);
    expect(e.stderr).toMatch(/arms\[1\] \(S1\): controller\.options\.runInDays: the controller adapts after 0 day\(s\) of its own run-in, the experiment's run-in \(runInDays\) is 1: they must agree \(set runInDays to 1\)/);
    // Comparisons and published figures must name arms and groups that exist.
    const unknownArm = reducedExperiment(dir, [arms[0]], { compare: [['fixed', 'S9']] });
    expect(runCli(['experiment', unknownArm, '--out', join(dir, 'cmp')]).stderr).toMatch(/compare\[0\]\[1\]: 'S9' is not an arm of this experiment/);
    const unknownGroup = reducedExperiment(dir, [arms[0]], { published: { source: 's', percentAB: {}, byGroup: { source: 'b', percentAB: { fixed: { adult: 90 } } } } });
    const g = runCli(['experiment', unknownGroup, '--out', join(dir, 'grp')]);
    expect(g.status).toBe(2);
    expect(g.stderr).toMatch(/published\.byGroup\.percentAB\.fixed\.adult: 'adult' is not a group of uva-padova-s2008 \(adolescents, adults, children\)/);
    expect(existsSync(join(dir, 'cmp')) || existsSync(join(dir, 'grp'))).toBe(false);
  });

  it("reports the IC an arm starts from: the simulator-optimised one for standard therapy with therapy 'optimised'", () => {
    const file = reducedExperiment(dir, [arms[0], { name: 'opt', controller: { name: 'standard-therapy', options: { therapy: 'optimised' } } }]);
    const r = runCli(['experiment', file, '--out', join(dir, 'opt'), '--quiet']);
    expect(r.stderr).toBe('');
    const rows = readFileSync(join(dir, 'opt', 'patients.csv'), 'utf8').trim().split('\n');
    const header = rows[0].split(',');
    const optimised = new Map(
      readFileSync('patients/uva-padova-s2008/optimised-therapy.csv', 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')).map((c) => [c[0], Number(c[4])]),
    );
    const quest = new Map(readFileSync('patients/uva-padova-s2008/Quest.csv', 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')).map((c) => [c[0], Number(c[1])]));
    for (const row of rows.slice(1).map((l) => l.split(','))) {
      const ic = Number(row[header.indexOf('initial_ic_u_per_g')]);
      const cr = row[0] === 'opt' ? optimised.get(row[2])! : quest.get(row[2])!;
      expect(ic, row.join(',')).toBeCloseTo(1 / cr, 9);
    }
  });

  it('refuses, before running anything, an arm that a patient of the cohort cannot run', () => {
    const scenario = writeScenario(dir, 't2dm-pump.json', { ...randomisedJson(), days: 1, patients: 't2dm-100', cohort: 'all' });
    const file = join(dir, 't2dm-ac.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 't2dm-ac',
        scenario,
        cohort: 't2dm#001,t2dm#002',
        seeds: 1,
        arms: [{ name: 'AC', controller: { name: 'actor-critic', options: { initialisation: 'S1' } } }],
      }),
    );
    const r = runCli(['experiment', file, '--out', join(dir, 't2dm-ac')]);
    expectInputFailure(r, `${file}: arms[0] (AC): controller: `, /^t2dm#001: actor-critic needs a basal rate > 0/);
    expect(existsSync(join(dir, 't2dm-ac'))).toBe(false);
  });
});

describe('glucosim experiment with the actor-critic arms (reduced)', () => {
  const dir = makeTempDir('experiment-ac');
  // The experiment's 1-day run-in: the arms that learn after it say so (runInDays).
  const arms = ['S1', 'S2', 'S3'].map((s) => ({ name: s, controller: { name: 'actor-critic', options: { initialisation: s, runInDays: 1 } } }));
  const file = reducedExperiment(dir, [{ name: 'fixed', controller: { name: 'standard-therapy', options: { correction: false } } }, ...arms]);
  const run = (name: string) => runCli(['experiment', file, '--out', join(dir, name), '--quiet']);
  const first = run('one');
  const second = run('two');

  it('runs end to end and is deterministic per seed', () => {
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(second.status).toBe(0);
    for (const f of ['patients.csv', 'paths.csv', 'table1.csv']) {
      expect(readFileSync(join(dir, 'two', f), 'utf8'), f).toBe(readFileSync(join(dir, 'one', f), 'utf8'));
    }
  });

  it('moves BR and IC by at most +5 % / −20 % a day', () => {
    const rows = readFileSync(join(dir, 'one', 'paths.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    let moved = 0;
    for (let i = 1; i < rows.length; i++) {
      const [prev, cur] = [rows[i - 1], rows[i]];
      if (cur[0] !== prev[0] || cur[1] !== prev[1] || cur[2] !== prev[2]) continue;
      for (const c of [4, 5]) {
        const step = Number(cur[c]) / Number(prev[c]) - 1;
        expect(step).toBeLessThanOrEqual(0.05 + 1e-12);
        expect(step).toBeGreaterThanOrEqual(-0.2 - 1e-12);
        if (step !== 0) moved++;
      }
    }
    expect(moved).toBeGreaterThan(0);
  });

  it('reports the run-in transfer entropy and keeps BR and IC within the safety limits', () => {
    const rows = readFileSync(join(dir, 'one', 'patients.csv'), 'utf8').trim().split('\n');
    const header = rows[0].split(',');
    const col = (n: string) => header.indexOf(n);
    for (const r of rows.slice(1).map((l) => l.split(','))) {
      if (r[0] === 'fixed') continue;
      // The run-in TE, surrogate-corrected, can be ≤ 0 (no measurable coupling); S3 then starts from W / the floor (0.01 bits).
      const te = Number(r[col('transfer_entropy_bits')]);
      expect(Number.isFinite(te)).toBe(true);
      if (r[0] === 'S3') expect(Number(r[col('initial_theta_br_hyper')])).toBeCloseTo(1 / Math.max(te, 0.01), 9);
      for (const [start, end] of [
        ['initial_basal_u_per_h', 'final_basal_u_per_h'],
        ['initial_ic_u_per_g', 'final_ic_u_per_g'],
      ]) {
        const s = Number(r[col(start)]);
        const e = Number(r[col(end)]);
        expect(s).toBeGreaterThan(0);
        expect(e).toBeGreaterThanOrEqual(0.3 * s - 1e-12);
        expect(e).toBeLessThanOrEqual(2 * s + 1e-12);
      }
    }
  });

  it('reports θ at the start and end per patient, and per arm how far the actor moved it', () => {
    const rows = readFileSync(join(dir, 'one', 'patients.csv'), 'utf8').trim().split('\n');
    const header = rows[0].split(',');
    const names = ['br_hyper', 'br_hypo', 'ic_hyper', 'ic_hypo'];
    const largest = new Map<string, number>();
    for (const r of rows.slice(1).map((l) => l.split(','))) {
      const initial = names.map((n) => r[header.indexOf(`initial_theta_${n}`)]);
      const final = names.map((n) => r[header.indexOf(`final_theta_${n}`)]);
      if (r[0] === 'fixed') {
        expect([...initial, ...final].every((v) => v === '')).toBe(true);
        continue;
      }
      // S1 starts at 0; S2 has magnitudes in (0, 1), its signs drawn; S3 has the signs of W (+ hyper, − hypo).
      const t0 = initial.map(Number);
      if (r[0] === 'S1') expect(t0).toEqual([0, 0, 0, 0]);
      else if (r[0] === 'S2') expect(t0.every((v) => Math.abs(v) > 0 && Math.abs(v) < 1)).toBe(true);
      else expect([t0[0] > 0, t0[1] < 0, t0[2] > 0, t0[3] < 0]).toEqual([true, true, true, true]);
      const change = Math.max(...final.map((v, i) => Math.abs(Number(v) - t0[i])));
      largest.set(r[0], Math.max(largest.get(r[0]) ?? 0, change));
    }
    const summary = JSON.parse(readFileSync(join(dir, 'one', 'summary.json'), 'utf8'));
    for (const a of summary.arms) {
      if (a.arm === 'fixed') expect(a.thetaChange).toBeUndefined();
      else expect(a.thetaChange.max).toBeCloseTo(largest.get(a.arm)!, 12);
    }
    expect(readFileSync(join(dir, 'one', 'report.html'), 'utf8')).toContain('Actor learning');
  });
});

/**
 * The default study itself (30 patients × its arms × 5 seeds, ~30 s on 2
 * cores): what the issue asks of it, on the default seeds. Without the two
 * children the paper excluded (as the paper reports), S3 beats S1 and S2
 * overall and in children with 95 % intervals over the seeds above 0, and the
 * children's daily LBGI falls faster under S3. The 20-seed figures
 * (`--seeds 20`, ~2 min) are in the README.
 */
describe('experiments/ac-initialisation.json (the default study)', () => {
  const dir = makeTempDir('experiment-study');
  const r = runCli(['experiment', 'experiments/ac-initialisation.json', '--out', join(dir, 'study'), '--quiet'], 300_000);
  const summary = r.status === 0 ? JSON.parse(readFileSync(join(dir, 'study', 'summary.json'), 'utf8')) : undefined;
  const arm = (name: string) => summary.arms.find((a: { arm: string }) => a.arm === name);

  it('S3 beats S1 and S2 overall and in children, per patient-day CVGA, with intervals over seeds above 0', () => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(summary.cvgaPoints).toBe('patient-day');
    for (const b of ['S1', 'S2']) {
      const c = summary.comparisons.find((x: { a: string; b: string }) => x.a === 'S3' && x.b === b);
      for (const g of ['overall', 'children']) expect(c.percentABWithExclusions[g].low, `S3 − ${b}, ${g}`).toBeGreaterThan(0);
    }
    const ab = (name: string) => arm(name).percentABWithExclusions.overall.mean;
    expect(ab('S3')).toBeGreaterThan(ab('fixed'));
  });

  it("children's daily LBGI falls faster under S3 than under S1 and S2", () => {
    const slope = (name: string) => arm(name).lbgiSlopeWithExclusions.children.mean;
    expect(slope('S3')).toBeLessThan(0);
    expect(slope('S3')).toBeLessThan(slope('S1'));
    expect(slope('S3')).toBeLessThan(slope('S2'));
  });

  it("the paper's actor (eq. 13) moves θ by less than 0.01 in 10 days; the TD-error actor learns", () => {
    // Measured (5 seeds): mean |Δθ| 0.0001–0.0002 for the eq.-(13) arms, 0.81 for the TD arms.
    for (const name of ['S1', 'S2', 'S3', 'S2W']) expect(arm(name).thetaChange.mean, name).toBeLessThan(0.01);
    for (const name of ['S1-TD', 'S3-TD']) expect(arm(name).thetaChange.meanAbs, name).toBeGreaterThan(0.1);
  });

  it("reports the paper's and the abstract's figures beside ours, with the gap", () => {
    const html = readFileSync(join(dir, 'study', 'report.html'), 'utf8');
    expect(html).toContain('Published beside ours');
    expect(html).toContain('EMBC 2013');
    expect(html).toContain('Arm against arm');
    expect(existsSync(join(dir, 'study', 'comparisons.csv'))).toBe(true);
  });
});
