/**
 * End-to-end tests of the reliability guards of `glucosim metrics` and
 * `glucosim baseline` (issue #11): duplicate (subject, time) readings, the
 * unit plausibility check, the exact --unit values, and --out that is a
 * directory or an existing file (--force). Every refusal is one line, exit 2,
 * and leaves no output file.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../src/metrics/index.js';
import { expectInputFailure, listDir, makeTempDir, parseCsvText, randomisedJson, removeTempDirs, runCli, writeScenario, type CliResult } from './helpers.js';

interface MetricsJson {
  unit: string;
  subjects: Record<string, { readings: number; duplicatesAveraged?: number; mean: number } & Record<string, unknown>>;
}

let dir: string;
let inputs: string;
let outs: string;

beforeAll(() => {
  dir = makeTempDir('metrics-reliability');
  inputs = join(dir, 'inputs');
  outs = join(dir, 'outs');
  mkdirSync(inputs);
  mkdirSync(outs);
});

afterAll(removeTempDirs);

function writeInput(name: string, lines: string[]): string {
  const file = join(inputs, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** Run `metrics … --out <outs>/metrics.json`, which must leave `outs` empty. */
function metricsBad(...args: string[]): CliResult {
  const r = runCli(['metrics', ...args, '--out', join(outs, 'metrics.json')]);
  expect(listDir(outs)).toEqual([]);
  return r;
}

function metricsJson(...args: string[]): MetricsJson {
  const r = runCli(['metrics', ...args]);
  expect(r.status, `stderr: ${r.stderr}`).toBe(0);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as MetricsJson;
}

// Subject a repeats 00:05 (200 and 300); subject b repeats 00:00 (NA and 140, written two ways).
const DUPLICATES = [
  'id,time,gl',
  'a,2024-01-01 00:00:00,100',
  'a,2024-01-01 00:05:00,200',
  'a,2024-01-01 00:05:00,300',
  'b,2024-01-01 00:00,NA',
  'b,2024-01-01 00:00:00,140',
  'b,2024-01-01 00:05:00,160',
];

describe('metrics: duplicate (subject, time) readings', () => {
  it('are refused by default: one line counting them and naming the first (subject, time, lines) and the file', () => {
    const file = writeInput('duplicates.csv', DUPLICATES);
    expectInputFailure(
      metricsBad(file),
      `${file}: column time: `,
      /^2 duplicate \(subject, time\) pairs; the first is subject 'a' at 2024-01-01 00:05:00 \(lines 3, 4\); give --duplicates average to average their readings$/,
    );
    expectInputFailure(metricsBad(file, '--duplicates', 'refuse'), `${file}: column time: `, /^2 duplicate/);
  });

  it('--duplicates takes exactly refuse or average', () => {
    const file = writeInput('duplicates-flag.csv', DUPLICATES);
    for (const value of ['avg', 'Average', 'last', '']) {
      expectInputFailure(metricsBad(file, '--duplicates', value), '--duplicates: ', new RegExp(`^must be refuse or average, got '${value}'$`));
    }
  });

  it('--duplicates average: each repeated time counts once with the mean of its valid readings; JSON counts the times where two or more were averaged', () => {
    const file = writeInput('duplicates-average.csv', DUPLICATES);
    const out = metricsJson(file, '--duplicates', 'average');
    expect(Object.keys(out.subjects.a).slice(0, 3)).toEqual(['readings', 'duplicatesAveraged', METRIC_NAMES[0]]);
    // a: 100 and mean(200, 300) = 250 → 175 (keeping the last gives 200, counting every row 200).
    expect(out.subjects.a).toMatchObject({ readings: 2, duplicatesAveraged: 1, mean: 175 });
    // b: the NA is missing, not a zero: 140 and 160 → 150; its repeated time had one valid reading, so nothing was averaged.
    expect(out.subjects.b).toMatchObject({ readings: 2, duplicatesAveraged: 0, mean: 150 });
  });

  it('--duplicates average --format csv: the same means, and a note on stderr', () => {
    const file = writeInput('duplicates-csv.csv', DUPLICATES);
    const r = runCli(['metrics', file, '--duplicates', 'average', '--format', 'csv']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('glucosim: note: averaged the readings at 1 duplicate (subject, time) pair (a: 1)\n');
    const table = parseCsvText(r.stdout.split('\n\n')[0] + '\n');
    const mean = table.header.indexOf('mean');
    expect(table.rows.map((row) => [row[0], Number(row[mean])])).toEqual([['a', 175], ['b', 150]]);
  });

  it('without duplicates, --duplicates average reports 0 per subject and changes nothing else', () => {
    const lines = ['id,time,gl', 'a,2024-01-01 00:00:00,100', 'a,2024-01-01 00:05:00,250'];
    const file = writeInput('no-duplicates.csv', lines);
    const plain = metricsJson(file);
    const averaged = metricsJson(file, '--duplicates', 'average');
    const { duplicatesAveraged, ...rest } = averaged.subjects.a;
    expect(duplicatesAveraged).toBe(0);
    expect(rest).toEqual(plain.subjects.a);
  });
});

describe('metrics: unit plausibility', () => {
  const MMOL = ['id,time,gl', 'a,2024-01-01 00:00:00,5.5', 'a,2024-01-01 00:05:00,5.8', 'a,2024-01-01 00:10:00,6.1', 'b,2024-01-01 00:00:00,8'];
  const MGDL = ['id,time,gl', 'a,2024-01-01 00:00:00,120', 'a,2024-01-01 00:05:00,125', 'a,2024-01-01 00:10:00,130', 'b,2024-01-01 00:00:00,140'];
  /** Readings of `subject` every 5 minutes from 2024-01-01 00:00, as CSV lines. */
  const readings = (subject: string, values: readonly number[]) =>
    values.map((v, k) => `${subject},2024-01-01 ${String(Math.floor(k / 12)).padStart(2, '0')}:${String((k % 12) * 5).padStart(2, '0')}:00,${v}`);

  it('mmol/L values read as mg/dL are refused, saying the highest reading and which flag to use', () => {
    const file = writeInput('mmol.csv', MMOL);
    expectInputFailure(
      metricsBad(file),
      `${file}: column gl: `,
      /^subject 'a' has no reading above 35 mg\/dL \(highest 6\.1 mg\/dL; 2 of 2 subjects alike\); the values look like mmol\/L: give --unit mmol\/L, or --no-unit-check if the values are right$/,
    );
  });

  it('mg/dL values given --unit mmol/L are refused likewise', () => {
    const file = writeInput('mgdl.csv', MGDL);
    expectInputFailure(
      metricsBad(file, '--unit', 'mmol/L'),
      `${file}: column gl: `,
      /^subject 'a' has 97\.5% of its readings above 33\.3 mmol\/L \(2\.5th percentile 120\.3 mmol\/L; 2 of 2 subjects alike\); the values look like mg\/dL: give --unit mg\/dL, or --no-unit-check if the values are right$/,
    );
  });

  it('checks each subject: one subject in the other unit is named', () => {
    const file = writeInput('mixed.csv', [...MGDL, 'c,2024-01-01 00:00:00,5.8']);
    expectInputFailure(metricsBad(file), `${file}: column gl: `, /^subject 'c' has no reading above 35 mg\/dL \(highest 5\.8 mg\/dL; 1 of 3 subjects alike\); the values look like mmol\/L/);
  });

  it('a mg/dL file with a few readings of deep hypoglycaemia given --unit mmol/L is still refused (a low percentile, not the lowest reading)', () => {
    const file = writeInput('mgdl-with-hypo.csv', ['id,time,gl', ...readings('a', [20, ...Array<number>(40).fill(120)])]);
    expectInputFailure(metricsBad(file, '--unit', 'mmol/L'), `${file}: column gl: `, /^subject 'a' has 97\.5% of its readings above 33\.3 mmol\/L \(2\.5th percentile 120 mmol\/L; 1 of 1 subject alike\)/);
  });

  it('deep hypoglycaemia in mg/dL passes: a median below 30 mg/dL, or readings above 35 mg/dL only in its first 2%, as a simulated patient at the floor', () => {
    // As child#008 of randomised-10day: a normal stretch, then the floor; the median is 1 mg/dL and the 97.5th percentile too.
    const deep = [180, 120, 70, ...Array<number>(147).fill(1)];
    const file = writeInput('deep-hypo.csv', ['id,time,gl', ...readings('child', deep), ...readings('adult', [700, 750, 800])]);
    const out = metricsJson(file);
    expect(out.subjects.child.readings).toBe(150);
    expect(out.subjects.child.mean).toBeCloseTo((370 + 147) / 150, 12);
    expect(out.subjects.adult.mean).toBe(750); // above every sensor's scale, but mg/dL all the same
  });

  it('a genuine mmol/L file with --unit mmol/L passes (×18)', () => {
    const file = writeInput('mmol-ok.csv', MMOL);
    const out = metricsJson(file, '--unit', 'mmol/L');
    expect(out.unit).toBe('mmol/L');
    expect(out.subjects.a.mean).toBeCloseTo(5.8 * 18, 9);
    expect(out.subjects.b.mean).toBeCloseTo(8 * 18, 9);
  });

  it('--no-unit-check lets data through that only look like the other unit', () => {
    const file = writeInput('extreme.csv', ['id,time,gl', 'a,2024-01-01 00:00:00,20', 'a,2024-01-01 00:05:00,25', 'a,2024-01-01 00:10:00,28']);
    expectInputFailure(metricsBad(file), `${file}: column gl: `, /^subject 'a' has no reading above 35 mg\/dL \(highest 28 mg\/dL;/);
    const out = metricsJson(file, '--no-unit-check');
    expect(out.subjects.a.readings).toBe(3);
    expect(out.subjects.a.mean).toBeCloseTo(73 / 3, 12);
  });
});

describe('metrics: --unit is exactly mg/dL or mmol/L', () => {
  it('refuses loose spellings, naming the accepted values', () => {
    const file = writeInput('unit.csv', ['id,time,gl', 'a,2024-01-01 00:00:00,120']);
    for (const unit of ['mg', 'mgdl', 'MG/DL', 'mmol', 'mmol/l']) {
      expectInputFailure(metricsBad(file, '--unit', unit), '--unit: ', new RegExp(`^must be mg/dL or mmol/L, got '${unit}'$`));
    }
    expect(metricsJson(file, '--unit', 'mg/dL').unit).toBe('mg/dL');
  });
});

describe('metrics --out: a directory or an existing file', () => {
  const GOOD = ['id,time,gl', 'a,2024-01-01 00:00:00,120', 'a,2024-01-01 00:05:00,125'];

  it('a directory is refused in one line naming it, before the input is read', () => {
    const target = join(dir, 'metrics-out-dir');
    mkdirSync(target);
    const missing = join(inputs, 'does-not-exist.csv');
    for (const input of [writeInput('good-dir.csv', GOOD), missing]) {
      expectInputFailure(runCli(['metrics', input, '--out', target, '--force']), '--out: ', new RegExp(`^${escape(target)} is a directory; give a file name$`));
    }
    expect(listDir(target)).toEqual([]);
  });

  it('an existing file is refused without --force and kept as it was; --force overwrites it', () => {
    const file = writeInput('good-force.csv', GOOD);
    const target = join(dir, 'metrics-existing');
    mkdirSync(target);
    const out = join(target, 'metrics.json');
    writeFileSync(out, 'earlier results\n');
    expectInputFailure(runCli(['metrics', file, '--out', out]), '--out: ', new RegExp(`^${escape(resolve(out))} already exists; choose another path or give --force to replace it$`));
    expect(readFileSync(out, 'utf8')).toBe('earlier results\n');
    const r = runCli(['metrics', file, '--out', out, '--force']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(runCli(['metrics', file]).stdout);
    expect(listDir(target)).toEqual(['metrics.json']); // no temporary file left
  });
});

describe('baseline --out: a directory or an existing file', () => {
  let run: string;

  beforeAll(() => {
    const scenario = writeScenario(dir, 'one-day.json', { ...randomisedJson(), days: 1 });
    run = join(dir, 'run');
    const r = runCli(['run', scenario, '--cohort', 'adult#001', '--out', run, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
  }, 120_000);

  it('a directory is refused in one line naming it', () => {
    const target = join(dir, 'baseline-out-dir');
    mkdirSync(target);
    expectInputFailure(runCli(['baseline', run, '--out', target]), '--out: ', new RegExp(`^${escape(target)} is a directory; give a file name$`));
    expect(listDir(target)).toEqual([]);
  });

  it('an existing baseline (the default <run>/baseline.json too) is refused without --force; --force overwrites it', () => {
    const before = listDir(run);
    const target = join(run, 'baseline.json');
    writeFileSync(target, '{}\n');
    expectInputFailure(runCli(['baseline', run]), '--out: ', new RegExp(`^${escape(resolve(target))} already exists; choose another path or give --force to replace it$`));
    expect(readFileSync(target, 'utf8')).toBe('{}\n');
    const r = runCli(['baseline', run, '--force']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${target}\n`);
    expect((JSON.parse(readFileSync(target, 'utf8')) as { format: string }).format).toBe('glucosim-baseline/1');
    expect(listDir(run)).toEqual([...before, 'baseline.json'].sort());
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
