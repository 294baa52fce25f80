/**
 * The AIM-94 importer (src/records/aim94.ts, aim94Files.ts) on the 70 files of
 * the UCI "Diabetes" data set (test/fixtures/aim94; AIM-94 data set provided
 * by Michael Kahn, MD, PhD, Washington University, St. Louis, MO): every
 * file imports, the quirk counts are pinned, each quirk on a tiny inline
 * example, a clean file round-trips through formatAim94, overlaps across
 * files, and no input (random bytes, empty, binary) makes it throw.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/io/paths.js';
import { AIM94_QUIRKS, AIM94_QUIRK_NAMES, formatAim94, importAim94, type Aim94Import } from '../../src/records/aim94.js';
import { importAim94Files } from '../../src/records/aim94Files.js';
import type { PatientRecord } from '../../src/records/types.js';
import { formatWallClock, parseWallClock, wallClockMinute } from '../../src/records/wallClock.js';

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'aim94');
const NAMES = readdirSync(FIXTURES).filter((n) => /^data-\d\d$/.test(n)).sort();
const read = (name: string) => readFileSync(join(FIXTURES, name), 'latin1');
const ALL = NAMES.map((name) => ({ name, text: read(name) }));

/** Rows left out: the counts of the quirks that skip. */
function skipped(im: Pick<Aim94Import, 'quirks'>): number {
  return Object.entries(im.quirks).reduce((s, [q, n]) => s + (AIM94_QUIRKS[q as keyof typeof AIM94_QUIRKS] === 'skipped' ? n : 0), 0);
}

/** Import a few inline rows (tab-separated, one per line). */
function rows(...lines: string[]): Aim94Import {
  return importAim94(lines.map((l) => `${l}\n`).join(''), 'inline');
}

/**
 * The quirks of every file that has one, as found by scanning the 70 files
 * (docs/records.md). A change here is a change of the importer's decisions:
 * review it against the docs.
 */
const EXPECTED_QUIRKS: Record<string, Record<string, number>> = {
  'data-01': { 'implausible-dose': 2, 'out-of-order': 3 },
  'data-02': { 'censored-high': 6, 'censored-low': 1 },
  'data-03': { 'undocumented-code': 10, 'duplicate-record': 2 },
  'data-04': { 'undocumented-code': 6, 'overlaps-file': 73 },
  'data-05': { 'undocumented-code': 6, 'overlaps-file': 193 },
  'data-08': { 'duplicate-record': 2 },
  'data-09': { 'implausible-glucose': 1, 'out-of-order': 3 },
  'data-10': { 'decimal-dose': 54 },
  'data-11': { 'undocumented-code': 1 },
  'data-12': { 'undocumented-code': 1, 'overlaps-file': 174 },
  'data-13': { 'overlaps-file': 9 },
  'data-15': { 'overlaps-file': 34 },
  'data-16': { 'overlaps-file': 75 },
  'data-17': { 'undocumented-code': 22, 'duplicate-record': 1 },
  'data-18': { 'undocumented-code': 4 },
  'data-19': { 'undocumented-code': 4, 'overlaps-file': 93 },
  'data-20': { 'impossible-date': 7, 'undocumented-code': 1, 'out-of-order': 4 },
  'data-21': { 'out-of-order': 21 },
  'data-22': { 'undocumented-code': 2 },
  'data-23': { 'undocumented-code': 3 },
  'data-24': { 'overlaps-file': 104 },
  'data-25': { 'undocumented-code': 1, 'implausible-dose': 1 },
  'data-27': { 'split-record-joined': 3, 'out-of-order': 1 },
  'data-29': { 'split-record-joined': 30, 'time-repaired': 2 },
  'data-32': { 'undocumented-code': 7 },
  'data-33': { 'undocumented-code': 2, 'overlaps-file': 89 },
  'data-34': { 'undocumented-code': 1, 'overlaps-file': 58 },
  'data-35': { 'undocumented-code': 3, 'overlaps-file': 105 },
  'data-36': { 'undocumented-code': 3 },
  'data-37': { 'overlaps-file': 43 },
  'data-39': { 'overlaps-file': 70 },
  'data-40': { 'non-numeric-value': 1, 'out-of-order': 59 },
  'data-43': { 'undocumented-code': 9, 'duplicate-record': 1 },
  'data-44': { 'undocumented-code': 1 },
  'data-45': { 'overlaps-file': 123 },
  'data-49': { 'undocumented-code': 14 },
  'data-50': { 'undocumented-code': 11, 'overlaps-file': 127 },
  'data-51': { 'undocumented-code': 3 },
  'data-52': { 'undocumented-code': 1, 'overlaps-file': 125 },
  'data-54': { 'out-of-order': 4 },
  'data-55': { 'zero-dose': 1 },
  'data-56': { 'out-of-order': 2, 'zero-dose': 17 },
  'data-57': { 'undocumented-code': 3 },
  'data-59': { 'overlaps-file': 164 },
  'data-61': { 'duplicate-record': 1 },
  'data-62': { 'overlaps-file': 52 },
  'data-64': { 'out-of-order': 7 },
  'data-65': { 'implausible-dose': 7, 'out-of-order': 13 },
  'data-66': { 'out-of-order': 114 },
  'data-67': { 'impossible-time': 5 },
  'data-69': { 'undocumented-code': 2 },
  'data-70': { 'implausible-dose': 1, 'decimal-dose': 7, 'zero-dose': 1 },
};

const EXPECTED_TOTALS = {
  'impossible-date': 7,
  'impossible-time': 5,
  'undocumented-code': 121,
  'censored-high': 6,
  'censored-low': 1,
  'non-numeric-value': 1,
  'implausible-glucose': 1,
  'implausible-dose': 11,
  'duplicate-record': 7,
  'split-record-joined': 33,
  'time-repaired': 2,
  'out-of-order': 231,
  'decimal-dose': 61,
  'zero-dose': 19,
  'overlaps-file': 1711,
};

describe('the 70 files of the UCI "Diabetes" (AIM-94) data set', () => {
  const imported = importAim94Files(ALL);

  it('are all in the fixtures, and all import', () => {
    expect(NAMES).toHaveLength(70);
    expect(imported.files.map((f) => f.patient)).toEqual(NAMES);
    for (const f of imported.files) expect(f.records.length, f.name).toBeGreaterThan(0);
  });

  it('give the pinned quirk counts per file and in total', () => {
    const found = Object.fromEntries(imported.files.filter((f) => Object.keys(f.quirks).length > 0).map((f) => [f.patient, f.quirks]));
    expect(found).toEqual(EXPECTED_QUIRKS);
    const totals: Record<string, number> = {};
    for (const f of imported.files) for (const [q, n] of Object.entries(f.quirks)) totals[q] = (totals[q] ?? 0) + n;
    expect(totals).toEqual(EXPECTED_TOTALS);
    expect(imported.files.reduce((s, f) => s + f.rows, 0)).toBe(29_297);
    expect(imported.records).toHaveLength(29_137);
  });

  it('account for every row: rows read = records kept + rows skipped', () => {
    for (const f of imported.files) expect(f.rows, f.name).toBe(f.records.length + skipped(f));
  });

  it('keep only documented codes, real times, plausible values; records sorted by patient then time', () => {
    const codes = new Set([33, 34, 35, 48, ...Array.from({ length: 16 }, (_, i) => 57 + i)]);
    const wrong: string[] = [];
    let previous: PatientRecord | undefined;
    for (const r of imported.records) {
      const what = `${r.patient} ${r.time} ${r.sourceCode}`;
      if (formatWallClock(r.minute) !== r.time) wrong.push(`${what}: time`);
      if (!codes.has(r.sourceCode!)) wrong.push(`${what}: code`);
      if (r.kind === 'glucose' && !(r.valueMgDl >= 1 && r.valueMgDl <= 1000)) wrong.push(`${what}: glucose`);
      if (r.kind === 'insulin' && !(r.units >= 0 && r.units <= 80)) wrong.push(`${what}: dose`);
      if (previous && (previous.patient > r.patient || (previous.patient === r.patient && previous.minute > r.minute))) wrong.push(`${what}: order`);
      previous = r;
    }
    expect(wrong).toEqual([]);
  });

  it('the multi-file import keeps each file whole: the same records as importing it alone', () => {
    for (const f of imported.files) expect(f.records, f.name).toEqual(importAim94(read(f.name), f.name).records);
  });
});

describe('each quirk, on a tiny example', () => {
  it('a valid row: a record of the wall-clock time, with its source code', () => {
    const r = rows('04-21-1991\t9:09\t58\t100', '04-21-1991\t9:09\t33\t009', '04-21-1991\t9:09\t34\t013', '04-21-1991\t10:00\t67\t000');
    expect(r.quirks).toEqual({});
    expect(r.rows).toBe(4);
    const minute = wallClockMinute(1991, 4, 21, 9, 9);
    expect(r.records).toEqual([
      { patient: 'inline', time: '1991-04-21T09:09', minute, kind: 'glucose', context: 'pre-breakfast', valueMgDl: 100, sourceCode: 58 },
      { patient: 'inline', time: '1991-04-21T09:09', minute, kind: 'insulin', preparation: 'regular', units: 9, sourceCode: 33 },
      { patient: 'inline', time: '1991-04-21T09:09', minute, kind: 'insulin', preparation: 'nph', units: 13, sourceCode: 34 },
      { patient: 'inline', time: '1991-04-21T10:00', minute: minute + 51, kind: 'event', event: 'meal-more', sourceCode: 67 },
    ]);
  });

  it('impossible-date: 06-31-1991 (data-20) is skipped, not guessed', () => {
    const r = rows('06-31-1991\t07:50\t58\t149', '02-29-1991\t08:00\t58\t100', '02-29-1992\t08:00\t58\t100', '13-01-1991\t08:00\t58\t100');
    expect(r.quirks).toEqual({ 'impossible-date': 3 });
    expect(r.records.map((x) => x.time)).toEqual(['1992-02-29T08:00']);
  });

  it('impossible-time: 56:35 and 188:00 (data-67), 24:00 are skipped', () => {
    const r = rows('04-09-1991\t56:35\t58\t237', '04-21-1991\t188:00\t62\t128', '04-21-1991\t24:00\t62\t128', '04-21-1991\t12:60\t62\t128');
    expect(r.quirks).toEqual({ 'impossible-time': 4 });
    expect(r.records).toEqual([]);
  });

  it('time-repaired: 11:0 (data-29) is 11:00; ambiguous-time: 11:5 (11:05 or 11:50?) is skipped', () => {
    const r = rows('08-20-1990\t11:0\t60\t194', '08-20-1990\t11:5\t33\t005');
    expect(r.quirks).toEqual({ 'ambiguous-time': 1, 'time-repaired': 1 });
    expect(r.records.map((x) => [x.time, x.sourceCode])).toEqual([['1990-08-20T11:00', 60]]);
  });

  it('split-record-joined: a record over two lines, code in hexadecimal (data-27, data-29), is joined', () => {
    const r = rows('05-25-1990\t7:00\t0\t', '\t201\t33\t3A', '05-25-1990\t7:00\t0\t', '\t004\t33\t21', '05-25-1990\t7:00\t0\t', '\t018\t33\t22');
    expect(r.quirks).toEqual({ 'split-record-joined': 3 });
    expect(r.rows).toBe(3);
    expect(r.records.map((x) => [x.time, x.kind, x.sourceCode, x.kind === 'glucose' ? x.valueMgDl : x.kind === 'insulin' ? x.units : null])).toEqual([
      ['1990-05-25T07:00', 'glucose', 58, 201],
      ['1990-05-25T07:00', 'insulin', 33, 4],
      ['1990-05-25T07:00', 'insulin', 34, 18],
    ]);
  });

  it('a split record of another shape is not joined: its halves are skipped', () => {
    // Third field not 33, then a head with no tail at the end of the file.
    const r = rows('05-25-1990\t7:00\t0\t', '\t201\t34\t3A', '05-25-1990\t7:00\t0\t');
    expect(r.quirks).toEqual({ 'malformed-line': 1, 'undocumented-code': 2 });
    expect(r.records).toEqual([]);
    // A joined code that Data-Codes does not list (0x38 = 56) is skipped as such.
    expect(rows('05-25-1990\t7:00\t0\t', '\t201\t33\t38').quirks).toEqual({ 'undocumented-code': 1 });
  });

  it('censored-high / censored-low: the meter\'s 0Hi and 0Lo (data-02) are skipped, never made numbers', () => {
    const r = rows('10-31-1989\t12:00\t60\t0Hi', '11-08-1989\t18:00\t62\t0Lo', '11-08-1989\t19:00\t62\t0hi');
    expect(r.quirks).toEqual({ 'censored-high': 2, 'censored-low': 1 });
    expect(r.records).toEqual([]);
  });

  it("non-numeric-value: 0'' (data-40) and the like are skipped", () => {
    const r = rows("11-06-1989\t11:00\t57\t0''", '11-06-1989\t11:00\t33\t', '11-06-1989\t11:00\t33\t-4', '11-06-1989\t11:00\t33\t1e2');
    expect(r.quirks).toEqual({ 'non-numeric-value': 4 });
  });

  it('undocumented-code: 0, 4, 36 and 56 are skipped', () => {
    const r = rows('05-26-1991\t06:00\t4\t0', '03-14-1991\t22:06\t36\t5', '07-21-1990\t08:00\t56\t120', '07-21-1990\t08:00\t0\t1');
    expect(r.quirks).toEqual({ 'undocumented-code': 4 });
  });

  it('decimal-dose: 4.5 U (data-10, data-70) is kept and counted', () => {
    const r = rows('02-18-1989\t08:00\t33\t4.5', '02-18-1989\t08:00\t34\t6.5');
    expect(r.quirks).toEqual({ 'decimal-dose': 2 });
    expect(r.records.map((x) => (x.kind === 'insulin' ? x.units : NaN))).toEqual([4.5, 6.5]);
  });

  it('zero-dose: 0 U (data-55, data-56, data-70) is kept and counted', () => {
    const r = rows('02-06-1989\t22:00\t33\t000');
    expect(r.quirks).toEqual({ 'zero-dose': 1 });
    expect(r.records).toHaveLength(1);
  });

  it('implausible-dose: above 80 U (344 U regular, data-70) is skipped; 80 U is kept', () => {
    const r = rows('03-18-1989\t12:00\t33\t344', '08-05-1989\t18:20\t34\t388', '03-18-1989\t13:00\t35\t80');
    expect(r.quirks).toEqual({ 'implausible-dose': 2 });
    expect(r.records).toHaveLength(1);
  });

  it('implausible-glucose: a reading of 0 mg/dL (data-09) is skipped', () => {
    expect(rows('05-01-1990\t00:10\t64\t0', '05-01-1990\t00:20\t64\t1001').quirks).toEqual({ 'implausible-glucose': 2 });
  });

  it('event-value-ignored: an event with a value other than 0 is kept, without it', () => {
    const r = rows('05-01-1990\t10:00\t69\t5');
    expect(r.quirks).toEqual({ 'event-value-ignored': 1 });
    expect(r.records[0]).toMatchObject({ kind: 'event', event: 'exercise-typical', sourceCode: 69 });
  });

  it('out-of-order: records are sorted by time, those that came late counted; one minute keeps the file order', () => {
    const r = rows('11-05-1989\t18:45\t33\t013', '11-05-1989\t06:50\t57\t112', '11-05-1989\t06:50\t66\t000', '11-04-1989\t23:00\t57\t100', '11-05-1989\t19:00\t57\t150');
    expect(r.quirks).toEqual({ 'out-of-order': 3 });
    expect(r.records.map((x) => `${x.time} ${x.sourceCode}`)).toEqual([
      '1989-11-04T23:00 57',
      '1989-11-05T06:50 57',
      '1989-11-05T06:50 66',
      '1989-11-05T18:45 33',
      '1989-11-05T19:00 57',
    ]);
  });

  it('duplicate-record: an exact repeat (same minute, code and value, however written) is dropped', () => {
    const r = rows('07-30-1990\t05:28\t33\t3', '07-30-1990\t05:28\t33\t003', '07-30-1990\t5:28\t33\t3', '07-30-1990\t05:28\t33\t4', '07-30-1990\t05:28\t65\t0', '07-30-1990\t05:28\t65\t000');
    expect(r.quirks).toEqual({ 'duplicate-record': 3 });
    expect(r.records).toHaveLength(3);
  });

  it('blank-line and malformed-line are skipped; CRLF, a byte-order mark and no final newline are fine', () => {
    const r = importAim94('\uFEFF04-21-1991\t9:09\t58\t100\r\n\r\n   \n04-21-1991 9:09 58 100\n1991-04-21\t9:09\t58\t100\n04-21-1991\t9:09\t58\t100\textra\n04-21-1991\t9:10\t58\t101', 'x');
    expect(r.quirks).toEqual({ 'blank-line': 2, 'malformed-line': 3 });
    expect(r.rows).toBe(7);
    expect(r.records.map((x) => x.time)).toEqual(['1991-04-21T09:09', '1991-04-21T09:10']);
  });

  it('the patient is the base name of the file', () => {
    expect(importAim94('04-21-1991\t9:09\t58\t100\n', '/some/where/data-07').records[0]!.patient).toBe('data-07');
    expect(importAim94('04-21-1991\t9:09\t58\t100\n', 'C:\\data\\data-08').records[0]!.patient).toBe('data-08');
  });

  it('every quirk name is kebab-case and has a handling', () => {
    for (const q of AIM94_QUIRK_NAMES) {
      expect(q).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(['skipped', 'repaired', 'kept']).toContain(AIM94_QUIRKS[q]);
    }
  });
});

describe('wall-clock minutes', () => {
  it('count from 1970-01-01T00:00 with no daylight-saving jump, and read back', () => {
    expect(wallClockMinute(1970, 1, 1, 0, 0)).toBe(0);
    // 1991-04-07 was the US spring-forward day: still 1440 minutes, 02:30 exists.
    expect(wallClockMinute(1991, 4, 8, 0, 0) - wallClockMinute(1991, 4, 7, 0, 0)).toBe(1440);
    expect(formatWallClock(wallClockMinute(1991, 4, 7, 2, 30))).toBe('1991-04-07T02:30');
    expect(parseWallClock('1991-04-07T02:30')).toBe(wallClockMinute(1991, 4, 7, 2, 30));
    expect(formatWallClock(wallClockMinute(45, 3, 1, 1, 2))).toBe('0045-03-01T01:02');
    for (const bad of ['1991-06-31T08:00', '1991-02-29T08:00', '1991-04-07T24:00', '1991-04-07 02:30', '91-04-07T02:30']) expect(parseWallClock(bad), bad).toBeUndefined();
  });
});

describe('formatAim94: records back to the AIM-94 tab format', () => {
  /** (date, time as minutes after midnight, code, numeric value) of each row of an AIM-94 text. */
  const tuples = (text: string) =>
    text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [date, time, code, value] = l.split('\t') as [string, string, string, string];
        const [h, m] = time.split(':').map(Number) as [number, number];
        return `${date} ${h * 60 + m} ${Number(code)} ${Number(value)}`;
      });

  it('a clean file (data-26: no quirk) round-trips: the same records, the same (date, time, code, value) rows', () => {
    const text = read('data-26');
    const first = importAim94(text, 'data-26');
    expect(first.quirks).toEqual({});
    const written = formatAim94(first.records);
    const again = importAim94(written, 'data-26');
    expect(again.quirks).toEqual({});
    expect(again.records).toEqual(first.records);
    expect(tuples(written)).toEqual(tuples(text));
  });

  it('a repaired file (data-29: split records, 11:0) reads back as the same records, with no quirk left', () => {
    const first = importAim94(read('data-29'), 'data-29');
    const again = importAim94(formatAim94(first.records), 'data-29');
    expect(again.quirks).toEqual({});
    expect(again.records).toEqual(first.records);
  });

  it('writes the first code of a meaning when a record has none of that meaning, and refuses two patients', () => {
    const at = { patient: 'p', time: '1991-04-21T09:09', minute: wallClockMinute(1991, 4, 21, 9, 9) };
    const text = formatAim94([
      { ...at, kind: 'glucose', context: 'unspecified', valueMgDl: 120 },
      { ...at, kind: 'glucose', context: 'unspecified', valueMgDl: 121, sourceCode: 57 },
      { ...at, kind: 'insulin', preparation: 'nph', units: 4.5, sourceCode: 33 },
      { ...at, kind: 'event', event: 'special-event' },
    ]);
    expect(text).toBe('04-21-1991\t09:09\t48\t120\n04-21-1991\t09:09\t57\t121\n04-21-1991\t09:09\t34\t4.5\n04-21-1991\t09:09\t72\t0\n');
    expect(formatAim94([])).toBe('');
    expect(() => formatAim94([{ ...at, kind: 'event', event: 'special-event' }, { ...at, patient: 'q', kind: 'event', event: 'special-event' }])).toThrow(/one patient/);
  });
});

describe('overlapping files', () => {
  const imported = importAim94Files(ALL);
  const file = (p: string) => imported.files.find((f) => f.patient === p)!;

  it('a chained file begins with the last records of another, verbatim: reported both ways, counted once', () => {
    expect(file('data-04').overlaps[0]).toEqual({ patient: 'data-05', sharedRecords: 193, share: 193 / 294, relation: 'continued-by', blockRecords: 193 });
    expect(file('data-04').overlaps[1]).toEqual({ patient: 'data-03', sharedRecords: 73, share: 73 / 294, relation: 'continues', blockRecords: 73 });
    expect(file('data-03').overlaps).toEqual([{ patient: 'data-04', sharedRecords: 73, share: 73 / 288, relation: 'continued-by', blockRecords: 73 }]);
    expect(file('data-03').quirks['overlaps-file']).toBeUndefined();
    expect(file('data-04').quirks['overlaps-file']).toBe(73);
    const chained = imported.files.filter((f) => f.overlaps.some((o) => o.relation === 'continues')).map((f) => f.patient);
    expect(chained).toEqual(['data-04', 'data-05', 'data-12', 'data-13', 'data-15', 'data-16', 'data-19', 'data-24', 'data-33', 'data-34', 'data-35', 'data-37', 'data-39', 'data-45', 'data-50', 'data-52', 'data-59', 'data-62']);
  });

  it('records shared by coincidence (paper records at fixed times) are listed as scattered, not counted', () => {
    expect(file('data-02').overlaps[0]).toMatchObject({ patient: 'data-21', sharedRecords: 32, relation: 'scattered', blockRecords: 0 });
    expect(file('data-02').quirks['overlaps-file']).toBeUndefined();
  });

  it('a head that repeats a tail is found in small files too, and two files of one patient name are refused', () => {
    const a = '01-01-1990\t08:00\t58\t100\n01-01-1990\t12:00\t60\t110\n01-01-1990\t18:00\t62\t120\n';
    const b = '01-01-1990\t12:00\t60\t110\n01-01-1990\t18:00\t62\t120\n01-02-1990\t08:00\t58\t130\n';
    const r = importAim94Files([
      { name: 'a', text: a },
      { name: 'b', text: b },
    ]);
    expect(r.files[1]!.quirks).toEqual({ 'overlaps-file': 2 });
    expect(r.files[1]!.overlaps).toEqual([{ patient: 'a', sharedRecords: 2, share: 2 / 3, relation: 'continues', blockRecords: 2 }]);
    expect(r.records.map((x) => x.patient)).toEqual(['a', 'a', 'a', 'b', 'b', 'b']);
    expect(() => importAim94Files([{ name: 'x/data-01', text: a }, { name: 'y/data-01', text: b }])).toThrow(/y\/data-01: names the same patient \(data-01\) as x\/data-01/);
  });
});

describe('never a crash, never invented data', () => {
  /** The invariants of any import: rows accounted for, records well-formed. */
  function checkImport(r: Aim94Import, context: string): void {
    expect(r.rows, context).toBe(r.records.length + skipped(r));
    for (const x of r.records) {
      expect(formatWallClock(x.minute), context).toBe(x.time);
      if (x.kind === 'glucose') expect(Number.isFinite(x.valueMgDl) && x.valueMgDl >= 1, context).toBe(true);
      if (x.kind === 'insulin') expect(Number.isFinite(x.units) && x.units >= 0 && x.units <= 80, context).toBe(true);
    }
  }

  it('an empty file: no rows, no records', () => {
    expect(importAim94('', 'empty')).toEqual({ records: [], quirks: {}, rows: 0 });
    expect(importAim94('\n', 'newline')).toEqual({ records: [], quirks: { 'blank-line': 1 }, rows: 1 });
  });

  it('a binary file (every byte value) and random bytes', () => {
    const rng = seedrandom('aim94-fuzz');
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256));
    checkImport(importAim94(bytes.toString('latin1'), 'binary'), 'binary');
    for (let n = 0; n < 200; n++) {
      const random = Buffer.from(Array.from({ length: Math.floor(rng() * 600) }, () => Math.floor(rng() * 256)));
      checkImport(importAim94(random.toString('latin1'), 'random'), `random #${n}`);
      checkImport(importAim94(random.toString('utf8'), 'random'), `random utf8 #${n}`);
    }
  });

  it('random rows from the data set\'s own alphabet, and real files with lines cut and shuffled', () => {
    const rng = seedrandom('aim94-rows');
    const alphabet = '0123456789-:\t\n\t\t\n.HiLoA\'';
    for (let n = 0; n < 300; n++) {
      const text = Array.from({ length: Math.floor(rng() * 400) }, () => alphabet[Math.floor(rng() * alphabet.length)]).join('');
      checkImport(importAim94(text, 'alphabet'), `alphabet #${n}: ${JSON.stringify(text)}`);
    }
    for (const name of ['data-02', 'data-27', 'data-29', 'data-40', 'data-67']) {
      const text = read(name);
      for (let n = 0; n < 20; n++) {
        const start = Math.floor(rng() * text.length);
        const cut = text.slice(start, start + Math.floor(rng() * 2000));
        checkImport(importAim94(cut, name), `${name} cut at ${start}`);
      }
    }
  });
});
