/**
 * The virtual T2DM cohort: the shipped file (patients/t2dm-100.json) is what
 * the generator writes for seed 7, every subject holds its steady state and
 * meets the rule; the generator is deterministic per seed, its rejection rule
 * works, the loader names the file and field of bad input, and the command
 * rejects bad arguments naming the option.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cohortGenerateCommand } from '../../src/cli/cohort.js';
import { GLUCOSIM_VERSION } from '../../src/cli/version.js';
import {
  DEFAULT_T2DM_COHORT_RULE,
  generateT2dmCohort,
  loadT2dmCohort,
  parseT2dmCohort,
  t2dmCohortJson,
  t2dmMealChallenge,
  t2dmRejectionReasons,
  type T2dmCohortRule,
} from '../../src/cohort/t2dm.js';
import { loadUvaPadovaCohort } from '../../src/cohort/uvaPadova.js';
import { InputError } from '../../src/io/errors.js';
import { DEFAULT_INTEGRATOR_OPTIONS } from '../../src/model/integrator.js';
import { t1dModel } from '../../src/model/t1d.js';
import { t2dmIntegratorOptions } from '../../src/model/t2dm.js';
import { t2dmMeanSubject, type T2dmParameters, t2dmSteadyState } from '../../src/model/t2dmParameters.js';
import { PatientSimulator } from '../../src/model/patientSimulator.js';
import { evaluationsPerDay } from '../model/rhsEvaluations.js';

const ROOT = join(__dirname, '..', '..');
const SHIPPED = join(ROOT, 'patients', 't2dm-100.json');
const GENERATED_BY = (n: number, seed: number) => `glucosim ${GLUCOSIM_VERSION} cohort generate --type t2dm --n ${n} --seed ${seed}`;

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'glucosim-t2dm-cohort-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The InputError `f` throws (fails the test if it throws something else or nothing). */
function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError, nothing was thrown');
}

describe('the shipped cohort patients/t2dm-100.json', () => {
  const cohort = loadT2dmCohort(SHIPPED);
  const text = readFileSync(SHIPPED, 'utf8');

  it('is exactly what the generator writes for --n 100 --seed 7 (byte for byte)', () => {
    expect(t2dmCohortJson(generateT2dmCohort(100, 7), GENERATED_BY(100, 7))).toBe(text);
  });

  it('records the seed, the rule, the CVs and the rejections', () => {
    const json = JSON.parse(text);
    expect(json.format).toBe('glucosim-cohort/1');
    expect(json.type).toBe('t2dm');
    expect(json.seed).toBe(7);
    expect(json.n).toBe(100);
    expect(json.rule.cv).toEqual(Object.fromEntries(Object.entries(DEFAULT_T2DM_COHORT_RULE.cv)));
    expect(json.rule.accept.Gb).toEqual([126, 250]);
    expect(json.rule.challenge.minMgDl).toBe(70);
    expect(json.rule.attempts).toBe(json.n + json.rule.rejected);
    const byReason = Object.values(json.rule.rejectedBy as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(byReason).toBeGreaterThanOrEqual(json.rule.rejected);
    expect(json.rule.rejected).toBeGreaterThan(0);
    expect(cohort.subjects.map((s) => s.name)).toEqual(Array.from({ length: 100 }, (_, i) => `t2dm#${String(i + 1).padStart(3, '0')}`));
  });

  it('every subject meets the rule: basal ranges, positive states, the meal challenge', () => {
    const { accept } = DEFAULT_T2DM_COHORT_RULE;
    for (const s of cohort.subjects) {
      expect(s.params.Gb).toBeGreaterThanOrEqual(accept.Gb[0]);
      expect(s.params.Gb).toBeLessThanOrEqual(accept.Gb[1]);
      expect(s.basal.Ib).toBeGreaterThanOrEqual(accept.Ib[0]);
      expect(s.basal.Ib).toBeLessThanOrEqual(accept.Ib[1]);
      expect(s.basal.EGPb).toBeGreaterThanOrEqual(accept.EGPb[0]);
      expect(s.basal.EGPb).toBeLessThanOrEqual(accept.EGPb[1]);
      expect(s.basal.Sb).toBeGreaterThanOrEqual(accept.Sb[0]);
      expect(s.basal.Sb).toBeLessThanOrEqual(accept.Sb[1]);
      expect(s.model.initialState.every((v) => v >= 0)).toBe(true);
    }
    expect(cohort.subjects.slice(0, 10).every((s) => t2dmRejectionReasons(s.params).length === 0)).toBe(true);
  });

  it('every subject stays within 0.5 mg/dL of its basal glucose over 24 h without meals or insulin', () => {
    let worst = 0;
    for (const s of cohort.subjects) {
      const sim = new PatientSimulator(s.model, 1440);
      for (let m = 0; m < 1440; m++) {
        worst = Math.max(worst, Math.abs(sim.bloodGlucoseAt(m) - s.params.Gb));
        sim.beginMinute(m, 0);
      }
      worst = Math.max(worst, Math.abs(sim.bloodGlucoseAt(1440) - s.params.Gb));
      expect(worst, s.name).toBeLessThanOrEqual(0.5);
    }
    // Measured: the steady state is exact to round-off.
    expect(worst).toBeLessThan(1e-6);
  });

  it('costs at most 1.5× the T1D subjects per patient-day (right-hand-side evaluations, whole cohort)', () => {
    const t1dSubjects = loadUvaPadovaCohort();
    const t1d = t1dSubjects.reduce((sum, p) => {
      const model = t1dModel(p.params);
      return sum + evaluationsPerDay(model, model.basalInsulinUPerMin, DEFAULT_INTEGRATOR_OPTIONS);
    }, 0) / t1dSubjects.length;
    const t2dm = cohort.subjects.reduce((sum, s) => sum + evaluationsPerDay(s.model, 0, t2dmIntegratorOptions(s.params)), 0) / cohort.subjects.length;
    expect(t2dm / t1d).toBeLessThanOrEqual(1.5);
  });
});

describe('the drawing rule', () => {
  it('CVs are the S2008 adults\' sd/mean rounded to 0.05, capped at 0.40', () => {
    const lines = readFileSync(join(ROOT, 'patients', 'uva-padova-s2008', 'vpatient_params.csv'), 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    const adults = lines.slice(1).map((l) => l.split(',')).filter((r) => r[0].startsWith('adult#'));
    const fromS2008 = ['BW', 'Vg', 'k1', 'k2', 'Vi', 'm1', 'm2', 'm4', 'm5', 'kmax', 'kmin', 'kabs', 'b', 'd', 'kp2', 'kp3', 'ki', 'Vm0', 'Vmx', 'Km0', 'p2u', 'ka1', 'ka2', 'kd', 'ksc'] as const;
    for (const key of fromS2008) {
      const v = adults.map((r) => Number(r[header.indexOf(key)]));
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
      const expected = Math.min(0.4, Math.round((sd / mean) * 20) / 20);
      expect(DEFAULT_T2DM_COHORT_RULE.cv[key], key).toBeCloseTo(expected, 10);
    }
    // Fixed where the S2008 table fixes them, and gamma (0.5 in both DM2007 groups).
    for (const key of ['f', 'Fsnc', 'ke1', 'ke2', 'HEb', 'gamma'] as const) expect(DEFAULT_T2DM_COHORT_RULE.cv[key]).toBeUndefined();
  });

  it('draws around the T2DM means (log-normal, arithmetic mean preserved before selection)', () => {
    // Without selection (accept everything), the sample mean of a parameter with CV c is within ~3 c/√n of its mean.
    const open: T2dmCohortRule = {
      ...DEFAULT_T2DM_COHORT_RULE,
      challenge: { gramsPerKg: 1, minMgDl: -Infinity, returnMgDl: Infinity, afterMin: 1 },
      accept: { Gb: [0, 1e9], Ib: [0, 1e9], EGPb: [0, 1e9], Sb: [0, 1e9] },
    };
    const c = generateT2dmCohort(400, 3, open);
    const mean = t2dmMeanSubject();
    for (const key of ['Vm0', 'K', 'kp3', 'Gb', 'BW'] as const) {
      const avg = c.subjects.reduce((a, s) => a + s.params[key], 0) / c.subjects.length;
      const cv = open.cv[key]!;
      expect(Math.abs(avg / mean[key] - 1), key).toBeLessThan((3 * cv) / Math.sqrt(c.subjects.length));
    }
  });

  it('is deterministic per seed; different seeds differ', () => {
    const a = t2dmCohortJson(generateT2dmCohort(6, 11), GENERATED_BY(6, 11));
    const b = t2dmCohortJson(generateT2dmCohort(6, 11), GENERATED_BY(6, 11));
    const c = t2dmCohortJson(generateT2dmCohort(6, 12), GENERATED_BY(6, 12));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    // A subject's draws do not depend on the cohort size.
    expect(generateT2dmCohort(3, 11).subjects).toEqual(generateT2dmCohort(6, 11).subjects.slice(0, 3));
  });

  it('rejects a subject forced out of range, naming why', () => {
    const ok = t2dmMeanSubject();
    expect(t2dmRejectionReasons(ok)).toEqual([]);
    expect(t2dmRejectionReasons({ ...ok, Gb: 300 })).toContain('Gb');
    expect(t2dmRejectionReasons({ ...ok, Gb: 110 })).toContain('Gb');
    expect(t2dmRejectionReasons({ ...ok, m6: 0.59 })).toContain('steady state'); // no basal secretion
    expect(t2dmRejectionReasons({ ...ok, m5: 0.005 })).toContain('Sb'); // Sb = 42 pmol/kg/min
    expect(t2dmRejectionReasons({ ...ok, m5: 0.005 })).toContain('Ib');
    expect(t2dmRejectionReasons({ ...ok, Fsnc: 3 })).toContain('EGPb'); // EGPb = Fcns + Uidb > 3.5
  });

  it('rejects a subject the meal makes hypoglycaemic (drawn with seed 7 before the meal challenge existed)', () => {
    const p: T2dmParameters = {
      name: 'hypo', BW: 78.7, Gb: 146.2, Vg: 1.521, k1: 0.02083, k2: 0.06219, Vi: 0.02133, m1: 0.3222, m2: 0.6075,
      m4: 0.1771, m5: 0.06806, m6: 0.7639, HEb: 0.6, kmax: 0.05193, kmin: 0.007397, kabs: 0.01826, f: 0.9,
      b: 0.5205, d: 0.1283, kp2: 0.00124, kp3: 0.007104, kp4: 0.07318, ki: 0.007675, Fsnc: 1, Vm0: 4.426,
      Vmx: 0.04666, Km0: 399.2, p2u: 0.06988, K: 1.342, alpha: 0.009393, beta: 0.09842, gamma: 0.5, ke1: 0.0007,
      ke2: 269, ka1: 0.00289, ka2: 0.01215, kd: 0.0175, ksc: 0.1727,
    };
    const s = t2dmSteadyState(p);
    // Its basal state is fine ...
    expect(s.Ib).toBeGreaterThan(18);
    expect(s.EGPb).toBeGreaterThan(1.2);
    // ... but 1 g/kg of glucose drives it to 0 mg/dL.
    expect(t2dmMealChallenge(p).minMgDl).toBeLessThan(1);
    expect(t2dmRejectionReasons(p)).toEqual(expect.arrayContaining(['hypoglycaemia', 'no return']));
  });

  it('a narrower rule rejects more, and every accepted subject meets it', () => {
    const narrow: T2dmCohortRule = { ...DEFAULT_T2DM_COHORT_RULE, accept: { ...DEFAULT_T2DM_COHORT_RULE.accept, Ib: [50, 70] } };
    const c = generateT2dmCohort(5, 7, narrow);
    expect(c.rejected).toBeGreaterThan(generateT2dmCohort(5, 7).rejected);
    expect(c.rejectedBy.Ib).toBeGreaterThan(0);
    for (const s of c.subjects) {
      const ib = t2dmSteadyState(s.params).Ib;
      expect(ib).toBeGreaterThanOrEqual(50);
      expect(ib).toBeLessThanOrEqual(70);
    }
  });

  it('an unsatisfiable rule is an error, not an endless loop', () => {
    const impossible: T2dmCohortRule = { ...DEFAULT_T2DM_COHORT_RULE, accept: { ...DEFAULT_T2DM_COHORT_RULE.accept, Gb: [10, 20] } };
    expect(() => generateT2dmCohort(1, 7, impossible)).toThrow(/t2dm#001: no subject accepted in 1000 draws/);
  });
});

describe('loading a cohort file', () => {
  const valid = JSON.parse(readFileSync(SHIPPED, 'utf8'));
  const FILE = 'my-cohort.json';
  const variant = (change: (j: any) => void) => {
    const j = structuredClone(valid);
    change(j);
    return j;
  };

  it('builds a PatientModel per subject with its computed basal state', () => {
    const c = parseT2dmCohort(valid, FILE);
    expect(c.subjects.length).toBe(100);
    const s = c.subjects[0];
    expect(s.model.name).toBe('t2dm#001');
    expect(s.model.initialState[3]).toBeCloseTo(s.params.Gb * s.params.Vg, 10);
    expect(s.basal).toEqual(t2dmSteadyState(s.params));
  });

  for (const [label, change, field, reason] of [
    ['wrong format', (j: any) => (j.format = 'other'), 'format', /glucosim-cohort\/1/],
    ['wrong type', (j: any) => (j.type = 't1d'), 'type', /"t2dm"/],
    ['seed neither a whole number nor a text', (j: any) => (j.seed = 1.5), 'seed', /whole number or a non-empty text/],
    ['n not matching', (j: any) => (j.n = 99), 'n', /says 99 subjects, the file has 100/],
    ['rule missing', (j: any) => delete j.rule, 'rule', /must be an object/],
    ['subjects not an array', (j: any) => (j.subjects = {}), 'subjects', /array/],
    ['a parameter missing', (j: any) => delete j.subjects[3].params.kp4, 'subjects[3].params.kp4', /missing/],
    ['a negative parameter', (j: any) => (j.subjects[0].params.Vm0 = -1), 'subjects[0].params.Vm0', /number > 0/],
    ['a string parameter', (j: any) => (j.subjects[0].params.K = '0.99'), 'subjects[0].params.K', /number > 0/],
    ['an unknown parameter', (j: any) => (j.subjects[1].params.kp1 = 3), 'subjects[1].params.kp1', /unknown parameter/],
    ['a duplicate name', (j: any) => (j.subjects[2].name = 't2dm#001'), 'subjects[2].name', /appears twice/],
    ['no steady state', (j: any) => (j.subjects[4].params.m6 = 0.5), 'subjects[4].params', /t2dm#005: no physiological steady state: m6 must exceed HEb/],
  ] as const) {
    it(`${label}: InputError naming the file and ${field}`, () => {
      const err = inputError(() => parseT2dmCohort(variant(change), FILE));
      expect(err.file).toBe(FILE);
      expect(err.field).toBe(field);
      expect(err.reason).toMatch(reason);
    });
  }

  it('a missing or broken file: InputError naming it', () => {
    const dir = tempDir();
    expect(inputError(() => loadT2dmCohort(join(dir, 'none.json'))).reason).toMatch(/file not found/);
    writeFileSync(join(dir, 'bad.json'), '{ "format": ');
    const err = inputError(() => loadT2dmCohort(join(dir, 'bad.json')));
    expect(err.file).toBe(join(dir, 'bad.json'));
    expect(err.reason).toMatch(/invalid JSON/);
  });
});

describe('glucosim cohort generate (cohortGenerateCommand)', () => {
  it('writes the cohort atomically and returns the path', () => {
    const dir = tempDir();
    const out = join(dir, 'sub', 'c.json');
    expect(cohortGenerateCommand({ type: 't2dm', n: '4', seed: '7', out })).toBe(out);
    expect(readFileSync(out, 'utf8')).toBe(t2dmCohortJson(generateT2dmCohort(4, 7), GENERATED_BY(4, 7)));
    expect(readdirSync(join(dir, 'sub'))).toEqual(['c.json']); // no temporary file left
    // Numbers as yargs gives them work too; the same seed gives the same bytes.
    const again = join(dir, 'again.json');
    cohortGenerateCommand({ type: 't2dm', n: 4, seed: 7, out: again });
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(out, 'utf8'));
  });

  it('takes any seed, a negative number or a text, and records it so that the file loads and generatedBy remakes it', () => {
    const dir = tempDir();
    for (const [i, [seed, recorded, word]] of ([['-1', -1, '-1'], ['-1e400', '-1e400', '-1e400'], ['a b', 'a b', "'a b'"]] as const).entries()) {
      const out = join(dir, `c${i}.json`);
      cohortGenerateCommand({ type: 't2dm', n: 2, seed, out });
      const loaded = loadT2dmCohort(out);
      expect(loaded.seed).toBe(recorded);
      expect(loaded.generatedBy).toBe(`glucosim ${GLUCOSIM_VERSION} cohort generate --type t2dm --n 2 --seed ${word}`);
    }
  });

  const dir = tempDir();
  const out = join(dir, 'x.json');
  for (const [label, args, option, reason] of [
    ['--n 0', { type: 't2dm', n: 0, seed: 7, out }, '--n', /whole number from 1/],
    ['--n 0 (as text)', { type: 't2dm', n: '0', seed: 7, out }, '--n', /got "0"/],
    ['--n 2.5', { type: 't2dm', n: 2.5, seed: 7, out }, '--n', /whole number/],
    ['--n 1e2 (text)', { type: 't2dm', n: '1e2', seed: 7, out }, '--n', /whole number/],
    ['--n abc', { type: 't2dm', n: 'abc', seed: 7, out }, '--n', /got "abc"/],
    ['--n NaN (yargs number)', { type: 't2dm', n: Number.NaN, seed: 7, out }, '--n', /whole number/],
    ['--n missing', { type: 't2dm', seed: 7, out }, '--n', /got nothing/],
    ['--n too large', { type: 't2dm', n: 10_000_000, seed: 7, out }, '--n', /to 100000/],
    ['--seed empty', { type: 't2dm', n: 3, seed: ' ', out }, '--seed', /must not be empty/],
    ['unknown type', { type: 't1d', n: 3, seed: 7, out }, '--type', /unknown cohort type 't1d' \(known: t2dm\)/],
    ['type missing', { n: 3, seed: 7, out }, '--type', /missing/],
    ['out missing', { type: 't2dm', n: 3, seed: 7 }, '--out', /missing/],
  ] as const) {
    it(`${label}: InputError naming ${option}`, () => {
      const err = inputError(() => cohortGenerateCommand(args));
      expect(err.file).toBe(option);
      expect(err.message).toMatch(reason);
    });
  }

  it('an unwritable path: InputError naming --out, nothing written', () => {
    const base = tempDir();
    mkdirSync(join(base, 'adir'));
    expect(inputError(() => cohortGenerateCommand({ type: 't2dm', n: 1, seed: 7, out: join(base, 'adir') })).message).toMatch(/--out: .*is a directory/);
    writeFileSync(join(base, 'afile'), 'x');
    const err = inputError(() => cohortGenerateCommand({ type: 't2dm', n: 1, seed: 7, out: join(base, 'afile', 'c.json') }));
    expect(err.file).toBe('--out');
    expect(err.message).toMatch(/cannot write .*afile\/c\.json/);
    expect(readdirSync(base).sort()).toEqual(['adir', 'afile']);
    expect(readdirSync(join(base, 'adir'))).toEqual([]);
  });
});
