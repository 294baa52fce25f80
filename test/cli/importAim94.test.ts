/**
 * End-to-end tests of `glucosim import aim94 <files…> --out DIR` through the
 * built CLI, on the 70 files of the UCI "Diabetes" data set
 * (test/fixtures/aim94; AIM-94 data set provided by Michael Kahn, MD, PhD,
 * Washington University, St. Louis, MO): the three outputs (records.csv,
 * import-summary.json, the quirk table on stdout), and refusals — an
 * existing --out, a missing file, an empty file, a file with no usable row —
 * with exit 2, one line naming the file, and nothing written.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/io/paths.js';
import { parseRecordsCsv } from '../../src/records/recordsCsv.js';
import { expectInputFailure, listDir, makeTempDir, PACKAGE_VERSION, removeTempDirs, runCli, type CliResult } from './helpers.js';

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'aim94');
const FILES = readdirSync(FIXTURES)
  .filter((n) => /^data-\d\d$/.test(n))
  .sort()
  .map((n) => join(FIXTURES, n));
const CREDIT = 'AIM-94 data set provided by Michael Kahn, MD, PhD, Washington University, St. Louis, MO';

interface FileSummary {
  file: string;
  patient: string;
  rows: number;
  records: number;
  skipped: number;
  quirks: Record<string, number>;
  overlaps: { patient: string; sharedRecords: number; share: number; relation: string; blockRecords: number }[];
}

interface Summary {
  glucosimVersion: string;
  source: string;
  credit: string;
  quirkHandling: Record<string, string>;
  files: FileSummary[];
  totals: { files: number; rows: number; records: number; skipped: number; quirks: Record<string, number> };
}

afterAll(removeTempDirs);

describe('glucosim import aim94: all 70 files', () => {
  let dir: string;
  let out: string;
  let result: CliResult;
  beforeAll(() => {
    dir = makeTempDir('aim94');
    out = join(dir, 'records');
    result = runCli(['import', 'aim94', ...FILES, '--out', out]);
  });

  it('exits 0 and writes exactly records.csv and import-summary.json', () => {
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(listDir(out)).toEqual(['import-summary.json', 'records.csv']);
    // Nothing else beside it: the temporary directory was renamed.
    expect(listDir(dir)).toEqual(['records']);
  });

  it('records.csv holds every kept record of every patient, in the documented format', () => {
    const text = readFileSync(join(out, 'records.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe('patient,time,kind,detail,value,source_code');
    const records = parseRecordsCsv(text, 'records.csv');
    expect(records).toHaveLength(29_137);
    expect(new Set(records.map((r) => r.patient)).size).toBe(70);
    expect(text).toContain('\ndata-01,1991-04-21T09:09,glucose,pre-breakfast,100,58\n');
    // The split records of data-29, joined.
    expect(text).toContain('\ndata-29,1990-05-25T07:00,glucose,pre-breakfast,201,58\ndata-29,1990-05-25T07:00,insulin,regular,4,33\ndata-29,1990-05-25T07:00,insulin,nph,18,34\n');
  });

  it('import-summary.json: per file rows, records, every quirk; totals; the credit', () => {
    const summary = JSON.parse(readFileSync(join(out, 'import-summary.json'), 'utf8')) as Summary;
    expect(summary.glucosimVersion).toBe(PACKAGE_VERSION);
    expect(summary.credit).toBe(CREDIT);
    expect(summary.files).toHaveLength(70);
    expect(summary.totals).toMatchObject({ files: 70, rows: 29_297, records: 29_137, skipped: 160 });
    expect(summary.totals.quirks).toMatchObject({ 'undocumented-code': 121, 'split-record-joined': 33, 'out-of-order': 231, 'overlaps-file': 1711 });
    const names = Object.keys(summary.quirkHandling);
    for (const f of summary.files) {
      expect(Object.keys(f.quirks)).toEqual(names);
      expect(f.rows).toBe(f.records + f.skipped);
    }
    const d04 = summary.files.find((f) => f.patient === 'data-04')!;
    expect(d04.file).toBe(join(FIXTURES, 'data-04'));
    expect(d04.overlaps[1]).toEqual({ patient: 'data-03', sharedRecords: 73, share: 0.2483, relation: 'continues', blockRecords: 73 });
  });

  it('prints the quirks per file as a table (files as rows, a total row), then the directory', () => {
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 70 + 1 + 1);
    const header = lines[0]!.split(/\s+/);
    expect(header.slice(0, 3)).toEqual(['file', 'rows', 'records']);
    expect(header).toContain('impossible-date');
    expect(header).not.toContain('blank-line');
    const row = (name: string) => Object.fromEntries(lines.find((l) => l.startsWith(`${name} `))!.split(/\s+/).map((cell, i) => [header[i], cell]));
    expect(row('data-67')).toMatchObject({ file: 'data-67', rows: '967', records: '962', 'impossible-time': '5', 'out-of-order': '0' });
    expect(row('total')).toMatchObject({ rows: '29297', records: '29137', 'censored-high': '6', 'time-repaired': '2' });
    expect(lines[lines.length - 1]).toBe(out);
  });
});

describe('glucosim import aim94: refusals write nothing', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('aim94-bad');
    writeFileSync(join(dir, 'empty'), '');
    writeFileSync(join(dir, 'censored'), '10-31-1989\t12:00\t60\t0Hi\n11-04-1989\t18:00\t62\t0Hi\n');
    mkdirSync(join(dir, 'existing'));
  });

  it('an existing --out', () => {
    const r = runCli(['import', 'aim94', FILES[0]!, '--out', join(dir, 'existing')]);
    expectInputFailure(r, '--out: ', /already exists; choose another path or give --force to replace it$/);
    expect(listDir(join(dir, 'existing'))).toEqual([]);
  });

  it('a file that does not exist', () => {
    const missing = join(dir, 'data-99');
    const r = runCli(['import', 'aim94', FILES[0]!, missing, '--out', join(dir, 'out')]);
    expectInputFailure(r, `${missing}: `, /^file not found$/);
  });

  it('an empty file', () => {
    const r = runCli(['import', 'aim94', FILES[0]!, join(dir, 'empty'), '--out', join(dir, 'out')]);
    expectInputFailure(r, `${join(dir, 'empty')}: `, /^no records: the file is empty$/);
  });

  it('a file with no usable row', () => {
    const r = runCli(['import', 'aim94', join(dir, 'censored'), '--out', join(dir, 'out')]);
    expectInputFailure(r, `${join(dir, 'censored')}: `, /^no records: none of its 2 rows is usable \(censored-high 2\)$/);
  });

  it('two files of one patient name', () => {
    const copy = join(dir, 'copy');
    mkdirSync(copy);
    writeFileSync(join(copy, 'data-01'), readFileSync(FILES[0]!));
    const r = runCli(['import', 'aim94', FILES[0]!, join(copy, 'data-01'), '--out', join(dir, 'out')]);
    expectInputFailure(r, `${join(copy, 'data-01')}: `, /names the same patient \(data-01\)/);
  });

  it('an unknown format', () => {
    const r = runCli(['import', 'csv', FILES[0]!, '--out', join(dir, 'out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Invalid values/);
  });

  it('…and none of them left a directory or a temporary behind', () => {
    expect(listDir(dir)).toEqual(['censored', 'copy', 'empty', 'existing']);
  });
});
