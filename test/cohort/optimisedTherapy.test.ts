import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  OPTIMISED_THERAPY_COLUMNS,
  optimisedTherapyCsv,
  type OptimisedTherapyRow,
  parseOptimisedTherapy,
  readOptimisedTherapy,
} from '../../src/cohort/optimisedTherapy.js';
import { loadPopulation } from '../../src/cohort/population.js';
import { uvaPadovaFiles } from '../../src/cohort/uvaPadova.js';
import { InputError } from '../../src/io/errors.js';

const FILE = 'optimised-therapy.csv';
const COHORT = [
  { name: 'adult#001', basalUPerH: 1.2674, carbRatioGPerU: 10 },
  { name: 'child#001', basalUPerH: 0.3947, carbRatioGPerU: 25 },
];
const ROW: OptimisedTherapyRow = {
  name: 'adult#001',
  basalFactor: 0.725,
  basalUPerH: 0.725 * 1.2674,
  carbRatioFactor: 0.775,
  carbRatioGPerU: 7.75,
  lbgi: 0.6967,
  hbgi: 1.146,
  start: { basalUPerH: 1.2674, carbRatioGPerU: 10, lbgi: 0.9752, hbgi: 0.9498 },
};
const GOOD = optimisedTherapyCsv([ROW]);

/** The good file with one cell of its data line replaced. */
function withCell(column: string, value: string): string {
  const [header, line] = GOOD.trim().split('\n');
  const cells = line.split(',');
  cells[header.split(',').indexOf(column)] = value;
  return `${header}\n${cells.join(',')}\n`;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('optimised-therapy.csv (src/cohort/optimisedTherapy.ts)', () => {
  it('prints each column to its precision and reads back the therapy it sets', () => {
    expect(GOOD).toBe(`${OPTIMISED_THERAPY_COLUMNS.join(',')}\nadult#001,0.7250,0.9189,0.7750,7.750,0.6967,1.1460,1.2674,10.000,0.9752,0.9498\n`);
    const therapies = parseOptimisedTherapy(GOOD, FILE, COHORT);
    expect([...therapies.keys()]).toEqual(['adult#001']);
    expect(therapies.get('adult#001')).toEqual({ basalRateUPerMin: 0.9189 / 60, carbRatioGPerU: 7.75 });
    // A patient the file does not list has none.
    expect(therapies.get('child#001')).toBeUndefined();
  });

  it('refuses a file with a missing column, naming the file and the column', () => {
    const text = GOOD.replace('cr_factor', 'ic_factor');
    expect(() => parseOptimisedTherapy(text, FILE, COHORT)).toThrow(InputError);
    expect(() => parseOptimisedTherapy(text, FILE, COHORT)).toThrow(/^optimised-therapy\.csv: cr_factor: required column is missing/);
  });

  it('refuses bad cells, naming the file, the line and the column', () => {
    const cases: [string, string, RegExp][] = [
      ['basal_u_per_h', 'abc', /^optimised-therapy\.csv: line 2, column basal_u_per_h: 'abc' is not a number/],
      ['cr_g_per_u', '', /^optimised-therapy\.csv: line 2, column cr_g_per_u: '' is not a number/],
      ['br_factor', '0', /^optimised-therapy\.csv: line 2, column br_factor: must be > 0, got 0/],
      ['cr_g_per_u', '-7.75', /^optimised-therapy\.csv: line 2, column cr_g_per_u: must be > 0/],
      ['hbgi', '-1', /^optimised-therapy\.csv: line 2, column hbgi: must be ≥ 0/],
      ['Name', 'adult#099', /^optimised-therapy\.csv: line 2, column Name: 'adult#099' is not a patient of the cohort \(known: adult#001 … child#001\)/],
      // The factor and the value disagree.
      ['basal_u_per_h', '1.2674', /^optimised-therapy\.csv: line 2, column basal_u_per_h: 1\.2674 is not its factor times the starting value \(0\.7250 × 1\.2674 = 0\.9189\)/],
      ['cr_factor', '0.8000', /^optimised-therapy\.csv: line 2, column cr_g_per_u: 7\.75 is not its factor times the starting value/],
      // Made for other therapy settings: stale.
      ['start_cr_g_per_u', '12.000', /^optimised-therapy\.csv: line 2, column start_cr_g_per_u: 12 is not adult#001's carb ratio in Quest\.csv \(g\/U\) 10\.000: the file was made for other therapy settings; make it again with glucosim optimise-therapy/],
      ['start_basal_u_per_h', '1.2680', /^optimised-therapy\.csv: line 2, column start_basal_u_per_h: 1\.268 is not adult#001's steady-state basal rate \(U\/h\) 1\.2674/],
    ];
    for (const [column, value, message] of cases) {
      expect(() => parseOptimisedTherapy(withCell(column, value), FILE, COHORT), `${column}=${value}`).toThrow(message);
    }
  });

  it('refuses a patient listed twice and a short line', () => {
    const twice = GOOD + GOOD.trim().split('\n')[1] + '\n';
    expect(() => parseOptimisedTherapy(twice, FILE, COHORT)).toThrow(/^optimised-therapy\.csv: line 3, column Name: 'adult#001' is listed twice \(also line 2\)/);
    expect(() => parseOptimisedTherapy(`${GOOD}child#001,1\n`, FILE, COHORT)).toThrow(/^optimised-therapy\.csv: line 3: has 2 cells, the header has 11/);
    expect(() => parseOptimisedTherapy('', FILE, COHORT)).toThrow(/^optimised-therapy\.csv: empty file/);
  });

  it('reads a file from disk, naming it in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glucosim-optimised-'));
    dirs.push(dir);
    const file = join(dir, FILE);
    writeFileSync(file, withCell('lbgi', 'x'));
    expect(() => readOptimisedTherapy(file, COHORT)).toThrow(`${file}: line 2, column lbgi: 'x' is not a number`);
  });

  it('the shipped file gives every S2008 subject an optimised therapy, read with the cohort; the T2DM cohort has none', () => {
    const { optimisedTherapyFile } = uvaPadovaFiles();
    const cohort = loadPopulation('uva-padova-s2008', 'test');
    expect(cohort.every((p) => p.optimisedTherapy !== undefined && p.optimisedTherapyFile === optimisedTherapyFile)).toBe(true);
    const adult = cohort.find((p) => p.name === 'adult#001')!;
    expect(adult.optimisedTherapy!.carbRatioGPerU).toBeGreaterThan(0);
    // The command that makes the file reads the cohort without it.
    expect(loadPopulation('uva-padova-s2008', 'test', 'patients', { optimisedTherapy: false }).some((p) => p.optimisedTherapy)).toBe(false);
    const t2dm = loadPopulation('t2dm-100', 'test');
    expect(t2dm.some((p) => p.optimisedTherapy !== undefined || p.optimisedTherapyFile !== undefined)).toBe(false);
  });
});
