import { describe, expect, it } from 'vitest';
import {
  BASELINE_FORMAT,
  checkAgainstBaseline,
  createBaseline,
  defaultRule,
  formatRegressions,
  isRegression,
  parseBaseline,
} from '../../src/report/baseline.js';
import { InputError } from '../../src/io/errors.js';

const patients = {
  'adult#001': { mean: 140, lbgi: 1.5, tir: 70, below_70: 2 },
  'child#001': { mean: 120, lbgi: 4, tir: 60, below_70: 8 },
};
const cohort = { cvga_percent_ab: 80, cvga_percent_ab_children: 50 };

describe('baseline rules', () => {
  it('directions: hypo/variability higher is worse, TIR and CVGA A+B lower is worse, mean either way', () => {
    expect(defaultRule('lbgi').worse).toBe('higher');
    expect(defaultRule('below_54').worse).toBe('higher');
    expect(defaultRule('tir').worse).toBe('lower');
    expect(defaultRule('cvga_percent_ab_children').worse).toBe('lower');
    expect(defaultRule('mean').worse).toBe('either');
  });

  it('tolerance is max(absolute, relative·|baseline|), applied in the worse direction only', () => {
    const rule = { absolute: 0.1, relative: 0.01, worse: 'higher' as const };
    expect(isRegression(rule, 100, 100.9)).toBe(false);
    expect(isRegression(rule, 100, 101.1)).toBe(true);
    expect(isRegression(rule, 100, 50)).toBe(false);
    expect(isRegression(rule, 1, 1.09)).toBe(false);
    expect(isRegression(rule, 1, 1.11)).toBe(true);
    expect(isRegression({ ...rule, worse: 'lower' }, 100, 98)).toBe(true);
    expect(isRegression({ ...rule, worse: 'either' }, 100, 98)).toBe(true);
    expect(isRegression({ ...rule, worse: 'either' }, 100, 100.5)).toBe(false);
  });
});

describe('check against a baseline', () => {
  const baseline = createBaseline({ scenario: 'x' }, patients, cohort);

  it('passes on the run it was made from', () => {
    const result = checkAgainstBaseline(baseline, patients, cohort);
    expect(result.regressions).toEqual([]);
    expect(result.compared).toBe(10);
  });

  it('names each regression; improvements pass', () => {
    const worse = {
      'adult#001': { ...patients['adult#001'], lbgi: 1.6, below_70: 1 },
      'child#001': { ...patients['child#001'], tir: 55 },
    };
    const result = checkAgainstBaseline(baseline, worse, { ...cohort, cvga_percent_ab: 70 });
    const names = result.regressions.map((r) => `${r.subject} ${r.metric}`).sort();
    expect(names).toEqual(['adult#001 lbgi', 'child#001 tir', 'cohort cvga_percent_ab']);
    const lines = formatRegressions(result);
    expect(lines.find((l) => l.startsWith('adult#001 lbgi'))).toMatch(/1\.5000 → 1\.6000, Δ \+0\.1000 \(\+6\.67 %\); tolerance .*worse if higher/);
  });

  it('a relative tolerance override widens every rule', () => {
    const worse = { ...patients, 'adult#001': { ...patients['adult#001'], lbgi: 1.6 } };
    expect(checkAgainstBaseline(baseline, worse, cohort, 0.1).regressions).toEqual([]);
  });

  it('a missing patient or value is reported', () => {
    const result = checkAgainstBaseline(baseline, { 'adult#001': { ...patients['adult#001'], mean: null } }, cohort);
    expect(result.missingSubjects).toEqual(['child#001']);
    expect(result.regressions.map((r) => r.metric)).toEqual(['mean']);
    expect(formatRegressions(result)).toContain('child#001: in the baseline, not in the run');
  });
});

describe('reading a baseline file', () => {
  const good = JSON.parse(JSON.stringify(createBaseline({}, patients, cohort)));
  it('round-trips', () => expect(parseBaseline(good, 'b.json').patients).toEqual(patients));
  const bad: [string, (b: Record<string, any>) => void, RegExp][] = [
    ['format', (b) => (b.format = 'x'), /b\.json: format: must be "glucosim-baseline\/1"/],
    ['rule tolerance', (b) => (b.rules.lbgi.relative = -1), /b\.json: rules\.lbgi\.relative: must be a number ≥ 0/],
    ['rule direction', (b) => (b.rules.tir.worse = 'down'), /b\.json: rules\.tir\.worse: must be one of higher, lower, either/],
    ['value', (b) => (b.patients['adult#001'].lbgi = 'high'), /b\.json: patients\.adult#001\.lbgi: must be a number or null/],
    ['patients', (b) => delete b.patients, /b\.json: patients: required object is missing/],
  ];
  for (const [what, mutate, message] of bad) {
    it(`refuses a bad ${what} with file and field`, () => {
      const b = JSON.parse(JSON.stringify(good));
      mutate(b);
      expect(() => parseBaseline(b, 'b.json')).toThrow(InputError);
      expect(() => parseBaseline(b, 'b.json')).toThrow(message);
    });
  }
  it('format constant', () => expect(good.format).toBe(BASELINE_FORMAT));
});
