/**
 * End-to-end tests of `glucosim metrics <file.csv>` (issue #3, item 5) through
 * the built CLI: R iglu 4.2.2's numbers on its 5-subject example data
 * (test/fixtures/oracles/metrics), the CSV format, mmol/L input, custom
 * column names, --out, and the one-line errors of bad input.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CVGA_AB_ZONES, CVGA_ZONES, cvgaPoint } from '../../src/metrics/cvga.js';
import { countValid, METRIC_NAMES, type MetricName } from '../../src/metrics/index.js';
import { loadDataset, loadOracle, ORACLE_DIR, ORACLE_KEYS, relativeError } from '../metrics/oracle.js';
import { expectInputFailure, listDir, makeTempDir, parseCsvText, removeTempDirs, runCli, type CliResult, type Csv } from './helpers.js';

const DATASET = 'iglu_example_data_5_subject_localtime_EST.csv';
const FILE = join(ORACLE_DIR, DATASET);

/** Every metric the issue names and the oracle lists (BGRI is not an iglu function). */
const ISSUE_METRICS = Object.keys(ORACLE_KEYS) as MetricName[];
const tolerance = (metric: string) => (metric === 'mage' ? 1e-3 : 1e-6);

interface SubjectJson {
  readings: number;
  cvga: { minMgDl: number; maxMgDl: number; zone: string } | null;
  [metric: string]: number | null | SubjectJson['cvga'];
}

interface MetricsOutput {
  file: string;
  unit: string;
  subjects: Record<string, SubjectJson>;
  cohort: {
    subjects: number;
    cvga: { n: number; excluded: number; counts: Record<string, number>; percent: Record<string, number>; percentAB: number };
  };
}

function expectOk(r: CliResult): void {
  expect(r.status, `stderr: ${r.stderr}`).toBe(0);
  expect(r.stderr).toBe('');
}

function metricsJson(...args: string[]): MetricsOutput {
  const r = runCli(['metrics', ...args]);
  expectOk(r);
  return JSON.parse(r.stdout) as MetricsOutput;
}

/** `--format csv`: the subject table, a blank line, the zone table. */
function splitCsvOutput(text: string): { subjects: Csv; zones: Csv } {
  const [subjects, zones, ...rest] = text.split('\n\n');
  expect(rest).toEqual([]);
  return { subjects: parseCsvText(subjects + '\n'), zones: parseCsvText(zones) };
}

/** The oracle CSV's rows (`"1","Subject 1",2015-06-06 16:50:27,153`), unquoted. */
function oracleRows(): { id: string; time: string; gl: string }[] {
  const lines = readFileSync(FILE, 'utf8').trim().split(/\r?\n/).slice(1);
  return lines.map((line) => {
    const [, id, time, gl] = line.split(',').map((c) => c.replace(/^"(.*)"$/, '$1'));
    return { id, time, gl };
  });
}

const oracle = loadOracle()[DATASET];
const dataset = loadDataset(DATASET);
const SUBJECTS = [...dataset.keys()];
let dir: string;
let reference: MetricsOutput;

beforeAll(() => {
  dir = makeTempDir('metrics');
  reference = metricsJson(FILE);
});

afterAll(removeTempDirs);

describe('glucosim metrics on iglu\'s 5-subject example data (JSON, the default)', () => {
  it('names the file and unit, and has one object per subject in file order', () => {
    expect(reference.file).toBe(FILE);
    expect(reference.unit).toBe('mg/dL');
    expect(Object.keys(reference.subjects)).toEqual(Object.keys(oracle.mean_glu.mean));
    expect(SUBJECTS).toEqual(Object.keys(oracle.mean_glu.mean));
    for (const s of SUBJECTS) {
      expect(reference.subjects[s].readings, s).toBe(countValid(dataset.get(s)!));
      expect(Object.keys(reference.subjects[s]), s).toEqual(['readings', ...METRIC_NAMES, 'cvga']);
    }
  });

  for (const subject of Object.keys(oracle.mean_glu.mean)) {
    it(`${subject}: every metric of issue #3 reproduces R iglu 4.2.2 (1e-6 relative, MAGE 0.1 %)`, () => {
      const ours = reference.subjects[subject];
      for (const metric of ISSUE_METRICS) {
        const [fn, column] = ORACLE_KEYS[metric]!;
        const expected = oracle[fn]?.[column]?.[subject];
        expect(expected, `oracle lacks ${fn}.${column} for ${subject}`).toBeDefined();
        const value = ours[metric] as number | null;
        expect(value, `${subject} ${metric}`).not.toBeNull();
        const err = relativeError(value!, expected as number | null);
        expect(err, `${subject} ${metric}: glucosim ${value}, iglu ${expected}`).toBeLessThanOrEqual(tolerance(metric));
      }
      // BGRI = LBGI + HBGI by definition.
      expect(ours.bgri as number).toBeCloseTo((ours.lbgi as number) + (ours.hbgi as number), 12);
    });
  }

  it('each subject has its CVGA point (2.5th/97.5th percentiles, clamped) and zone', () => {
    for (const s of SUBJECTS) {
      const point = cvgaPoint(dataset.get(s)!.glucoseMgDl);
      expect(reference.subjects[s].cvga, s).toEqual({ minMgDl: point.minMgDl, maxMgDl: point.maxMgDl, zone: point.zone });
      expect(CVGA_ZONES as readonly string[]).toContain(reference.subjects[s].cvga!.zone);
    }
  });

  it('the cohort section counts every subject in its zone; zone percentages sum to 100', () => {
    const { cohort } = reference;
    expect(cohort.subjects).toBe(5);
    expect(cohort.cvga.n).toBe(5);
    expect(cohort.cvga.excluded).toBe(0);
    expect(Object.keys(cohort.cvga.percent)).toEqual([...CVGA_ZONES]);
    const zones = SUBJECTS.map((s) => reference.subjects[s].cvga!.zone);
    for (const z of CVGA_ZONES) {
      expect(cohort.cvga.counts[z], z).toBe(zones.filter((x) => x === z).length);
      expect(cohort.cvga.percent[z], z).toBeCloseTo((100 * cohort.cvga.counts[z]) / 5, 12);
    }
    const total = Object.values(cohort.cvga.percent).reduce((a, b) => a + b, 0);
    expect(Math.abs(total - 100)).toBeLessThanOrEqual(1e-9);
    expect(cohort.cvga.percentAB).toBeCloseTo(CVGA_AB_ZONES.reduce((s, z) => s + cohort.cvga.percent[z], 0), 12);
  });
});

describe('glucosim metrics --format csv', () => {
  let subjects: Csv;
  let zones: Csv;

  beforeAll(() => {
    const r = runCli(['metrics', FILE, '--format', 'csv']);
    expectOk(r);
    ({ subjects, zones } = splitCsvOutput(r.stdout));
  });

  it('one row per subject: readings, every metric and the CVGA point, the same numbers as the JSON', () => {
    expect(subjects.header).toEqual(['subject', 'readings', ...METRIC_NAMES, 'cvga_min_mg_dl', 'cvga_max_mg_dl', 'cvga_zone']);
    expect(subjects.rows.map((r) => r[0])).toEqual(SUBJECTS);
    for (const row of subjects.rows) {
      expect(row, row[0]).toHaveLength(subjects.header.length);
      const json = reference.subjects[row[0]];
      expect(Number(row[1])).toBe(json.readings);
      METRIC_NAMES.forEach((m, i) => expect(Number(row[2 + i]), `${row[0]} ${m}`).toBe(json[m]));
      const k = 2 + METRIC_NAMES.length;
      expect([Number(row[k]), Number(row[k + 1]), row[k + 2]]).toEqual([json.cvga!.minMgDl, json.cvga!.maxMgDl, json.cvga!.zone]);
    }
  });

  it('then the cohort\'s zones: subjects and percent per zone, and A+B, as in the JSON', () => {
    expect(zones.header).toEqual(['cvga_zone', 'subjects', 'percent']);
    expect(zones.rows.map((r) => r[0])).toEqual([...CVGA_ZONES, 'A+B']);
    const { cvga } = reference.cohort;
    for (const [zone, count, percent] of zones.rows.slice(0, CVGA_ZONES.length)) {
      expect(Number(count), zone).toBe(cvga.counts[zone]);
      expect(Number(percent), zone).toBe(cvga.percent[zone]);
    }
    const ab = zones.rows[CVGA_ZONES.length];
    expect(Number(ab[1])).toBe(CVGA_AB_ZONES.reduce((s, z) => s + cvga.counts[z], 0));
    expect(Number(ab[2])).toBe(cvga.percentAB);
    const total = zones.rows.slice(0, CVGA_ZONES.length).reduce((s, r) => s + Number(r[2]), 0);
    expect(Math.abs(total - 100)).toBeLessThanOrEqual(1e-9);
  });
});

describe('glucosim metrics: units, column names and --out', () => {
  it('--unit mmol/L on the same data divided by 18 gives the same metrics as mg/dL', () => {
    const file = join(dir, 'mmol.csv');
    writeFileSync(file, ['id,time,gl', ...oracleRows().map((r) => `${r.id},${r.time},${Number(r.gl) / 18}`)].join('\n') + '\n');
    const mmol = metricsJson(file, '--unit', 'mmol/L');
    expect(mmol.unit).toBe('mmol/L');
    expect(Object.keys(mmol.subjects)).toEqual(SUBJECTS);
    for (const s of SUBJECTS) {
      const a = reference.subjects[s];
      const b = mmol.subjects[s];
      expect(b.readings, s).toBe(a.readings);
      for (const m of METRIC_NAMES) expect(relativeError(b[m] as number, a[m] as number), `${s} ${m}: ${b[m]} vs ${a[m]}`).toBeLessThan(1e-9);
      expect(b.cvga!.zone, s).toBe(a.cvga!.zone);
      expect(b.cvga!.minMgDl).toBeCloseTo(a.cvga!.minMgDl, 9);
      expect(b.cvga!.maxMgDl).toBeCloseTo(a.cvga!.maxMgDl, 9);
    }
    expect(mmol.cohort).toEqual(reference.cohort);
    // Read as mg/dL, the same file is a different (and nonsensical) patient: the flag matters (and the unit check refuses it).
    expect(metricsJson(file, '--no-unit-check').subjects[SUBJECTS[0]].mean).toBeLessThan(20);
    expect(runCli(['metrics', file]).status).toBe(2);
  });

  it('--id, --time and --glucose name the columns of an export with other headers, in another order', () => {
    const file = join(dir, 'renamed.csv');
    const rows = oracleRows().map((r) => `${r.gl},device-7,"${r.id}",${r.time}`);
    writeFileSync(file, ['Glucose Value (mg/dL),source,Patient ID,Timestamp', ...rows].join('\n') + '\n');
    const out = metricsJson(file, '--id', 'Patient ID', '--time', 'Timestamp', '--glucose', 'Glucose Value (mg/dL)');
    expect(out.file).toBe(file);
    expect(out.subjects).toEqual(reference.subjects);
    expect(out.cohort).toEqual(reference.cohort);
  });

  it('--out writes the output to the file, atomically (no temporary file left), and prints nothing', () => {
    const outDir = join(dir, 'out');
    mkdirSync(outDir);
    for (const format of ['json', 'csv']) {
      const file = join(outDir, `metrics.${format}`);
      const r = runCli(['metrics', FILE, '--format', format, '--out', file]);
      expectOk(r);
      expect(r.stdout).toBe('');
      expect(readFileSync(file, 'utf8')).toBe(runCli(['metrics', FILE, '--format', format]).stdout);
    }
    expect(listDir(outDir)).toEqual(['metrics.csv', 'metrics.json']);
    expect(JSON.parse(readFileSync(join(outDir, 'metrics.json'), 'utf8'))).toEqual(reference);
  });
});

describe('glucosim metrics: bad input fails with one line naming the file (line, column) or option, and writes nothing', () => {
  let inputs: string;
  let outs: string;
  let out: string;

  beforeAll(() => {
    inputs = join(dir, 'bad-inputs');
    outs = join(dir, 'bad-outs');
    mkdirSync(inputs);
    mkdirSync(outs);
    out = join(outs, 'metrics.json');
  });

  /** Run `metrics` with --out; afterwards nothing is in `outs`. */
  function metricsBad(...args: string[]): CliResult {
    const r = runCli(['metrics', ...args, '--out', out]);
    expect(listDir(outs)).toEqual([]);
    return r;
  }

  function writeInput(name: string, lines: string[]): string {
    const file = join(inputs, name);
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  }

  const GOOD = ['id,time,gl', 'a,2024-01-01 00:00:00,120', 'a,2024-01-01 00:05:00,125', 'b,2024-01-01 00:00:00,140'];

  it('a non-numeric glucose cell: the file, line and column', () => {
    const file = writeInput('gl.csv', [...GOOD, 'b,2024-01-01 00:05:00,12O', 'b,2024-01-01 00:10:00,130']);
    expectInputFailure(metricsBad(file), `${file}: line 5, column gl: `, /'12O' is not a number/);
  });

  it('a non-numeric glucose cell in a renamed column: the column as named', () => {
    const file = writeInput('gl-renamed.csv', ['subject,when,sgv', 'a,2024-01-01 00:00:00,high', 'a,2024-01-01 00:05:00,125']);
    expectInputFailure(metricsBad(file, '--id', 'subject', '--time', 'when', '--glucose', 'sgv'), `${file}: line 2, column sgv: `, /'high' is not a number/);
  });

  it('a bad time: the file, line and column', () => {
    const file = writeInput('time.csv', [...GOOD, 'b,2024-13-01 25:00:00,130']);
    expectInputFailure(metricsBad(file), `${file}: line 5, column time: `, /'2024-13-01 25:00:00' is not a time/);
  });

  it('a missing column: the file and the column', () => {
    expectInputFailure(metricsBad(FILE, '--glucose', 'glucose'), `${FILE}: column glucose: `, /required column is missing/);
    const file = writeInput('no-time.csv', ['id,gl', 'a,120']);
    expectInputFailure(metricsBad(file), `${file}: column time: `, /required column is missing/);
  });

  it('an unknown --unit', () => {
    expectInputFailure(metricsBad(FILE, '--unit', 'g/L'), '--unit: ', /must be mg\/dL or mmol\/L, got 'g\/L'/);
  });

  it('an unknown --format', () => {
    expectInputFailure(metricsBad(FILE, '--format', 'xml'), '--format: ', /must be json or csv, got 'xml'/);
  });

  it('a missing file', () => {
    const file = join(inputs, 'does-not-exist.csv');
    expectInputFailure(metricsBad(file), `${file}: `, /cannot read the file|file not found/);
  });

  it('a file with a header and no readings', () => {
    const file = writeInput('empty.csv', ['id,time,gl']);
    expectInputFailure(metricsBad(file), `${file}: `, /no readings/);
  });
});
