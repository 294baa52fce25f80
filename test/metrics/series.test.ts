import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCgmCsv, readCgmCsv, splitCsvRecords } from '../../src/metrics/cgmCsv.js';
import {
  buildSeries,
  formatWallClock,
  isGlucoseUnit,
  MGDL_PER_MMOLL,
  parseWallClock,
  sliceSeries,
  splitByDay,
  unitFactor,
  validReadings,
} from '../../src/metrics/series.js';
import { InputError } from '../../src/io/errors.js';

const at = (text: string) => parseWallClock(text)!;

describe('wall-clock times', () => {
  it('reads naive times as UTC minutes, never in the machine zone', () => {
    expect(at('2015-06-06 16:50:27')).toBe(Date.UTC(2015, 5, 6, 16, 50, 27) / 60000);
    expect(at('2015-06-06T16:50')).toBe(Date.UTC(2015, 5, 6, 16, 50) / 60000);
    expect(at('2015-06-06')).toBe(Date.UTC(2015, 5, 6) / 60000);
    expect(at('2015-06-06 16:50:27.5')).toBe(Date.UTC(2015, 5, 6, 16, 50, 27, 500) / 60000);
    // Midnight is an exact multiple of a day, so day boundaries are exact.
    expect(at('2015-03-08 00:00:00') % 1440).toBe(0);
    // 02:30 on the US DST switch day exists in wall-clock time.
    expect(at('2015-03-08 02:30:00') - at('2015-03-08 01:30:00')).toBe(60);
  });

  it('rejects malformed and impossible times', () => {
    for (const bad of ['', '2015-6-6 10:00', '2015-02-30 10:00', '2015-06-06 24:00', '2015-06-06 10:60', '06/06/2015 10:00', '2015-06-06 10:00:00Z']) {
      expect(parseWallClock(bad), bad).toBeUndefined();
    }
  });

  it('formats back to the second', () => {
    expect(formatWallClock(at('2015-06-06 16:50:27'))).toBe('2015-06-06 16:50:27');
  });
});

describe('units', () => {
  it('mg/dL is the identity; mmol/L uses 18 by default (iglu) or a given factor', () => {
    expect(unitFactor('mg/dL')).toBe(1);
    expect(unitFactor('mmol/L')).toBe(MGDL_PER_MMOLL);
    expect(MGDL_PER_MMOLL).toBe(18);
    expect(unitFactor('mmol/L', 18.0156)).toBe(18.0156);
    expect(() => unitFactor('mmol/L', 0)).toThrow(RangeError);
    expect(buildSeries([0], [5.5], { unit: 'mmol/L' }).glucoseMgDl[0]).toBe(99);
    expect(buildSeries([0], [3], { unit: 'mmol/L' }).glucoseMgDl[0]).toBe(54);
    expect(buildSeries([0], [10], { unit: 'mmol/L' }).glucoseMgDl[0]).toBe(180);
  });

  it('takes unit names exactly as written', () => {
    expect(isGlucoseUnit('mg/dL')).toBe(true);
    expect(isGlucoseUnit('mmol/L')).toBe(true);
    for (const loose of ['MMOL/L', 'mmol/l', 'mmol', 'mg/dl', 'mgdl', 'mg', ' mg/dL', 'g/L', '']) expect(isGlucoseUnit(loose), loose).toBe(false);
  });
});

describe('buildSeries', () => {
  it('sorts by time and keeps the last valid reading of repeated times (iglu CGMS2DayByDay)', () => {
    const s = buildSeries([10, 0, 5, 5, 5], [110, 100, 150, 155, NaN]);
    expect(Array.from(s.timesMin)).toEqual([0, 5, 10]);
    expect(Array.from(s.glucoseMgDl)).toEqual([100, 155, 110]);
  });

  it('makes non-finite, zero and negative glucose missing', () => {
    const s = buildSeries([0, 1, 2, 3, 4], [NaN, 0, -5, Infinity, 90]);
    expect(Array.from(s.glucoseMgDl).slice(0, 4).every(Number.isNaN)).toBe(true);
    expect(validReadings(s).g).toEqual(Float64Array.from([90]));
  });

  it('rejects bad times and mismatched lengths', () => {
    expect(() => buildSeries([0, NaN], [1, 2])).toThrow(/index 1/);
    expect(() => buildSeries([0], [1, 2])).toThrow(RangeError);
  });

  it('slices windows and splits at wall-clock midnights without copying', () => {
    const d = at('2024-01-01 00:00');
    const s = buildSeries([d - 1, d, d + 1439, d + 1440, d + 2800], [1, 2, 3, 4, 5]);
    const days = splitByDay(s);
    expect(days.map((x) => Array.from(x.series.glucoseMgDl))).toEqual([[1], [2, 3], [4, 5]]);
    expect(days[1].day).toBe(d / 1440);
    const w = sliceSeries(s, d, d + 1440);
    expect(Array.from(w.glucoseMgDl)).toEqual([2, 3]);
    expect(w.glucoseMgDl.buffer).toBe(s.glucoseMgDl.buffer);
  });
});

describe('CGM CSV', () => {
  const csv = [
    '"","id","time","gl"',
    '"1","Subject 1",2015-06-06 16:50:27,153',
    '"2","Subject 1",2015-06-06 16:55:27,NA',
    '"3","Subject, with comma",2015-06-06 16:40:00,"120"',
    '"4","Subject 1",2015-06-06 16:45:27,150',
    '',
    '"5","Subject ""Q""",2015-06-06 16:40:00,99\r',
  ].join('\n');

  it('reads quoted headers and cells, subjects in file order, readings sorted', () => {
    const data = parseCgmCsv(csv, 'x.csv');
    expect([...data.keys()]).toEqual(['Subject 1', 'Subject, with comma', 'Subject "Q"']);
    const s1 = data.get('Subject 1')!;
    expect(Array.from(s1.timesMin)).toEqual([at('2015-06-06 16:45:27'), at('2015-06-06 16:50:27'), at('2015-06-06 16:55:27')]);
    expect(Array.from(s1.glucoseMgDl).slice(0, 2)).toEqual([150, 153]);
    expect(Number.isNaN(s1.glucoseMgDl[2])).toBe(true);
    expect(Array.from(data.get('Subject, with comma')!.glucoseMgDl)).toEqual([120]);
  });

  it('takes configurable columns, a unit and a file without subject column', () => {
    const text = 'when;x\n'.replace(';', ',') + '2020-01-01 00:00,5.5\n2020-01-01 00:05,6\n';
    const data = parseCgmCsv(text, 'y.csv', { id: null, time: 'when', glucose: 'x', unit: 'mmol/L' });
    expect([...data.keys()]).toEqual(['1']);
    expect(Array.from(data.get('1')!.glucoseMgDl)).toEqual([99, 108]);
  });

  it('errors name the file, line and column', () => {
    const bad = (text: string, re: RegExp) => {
      let err: unknown;
      try {
        parseCgmCsv(text, 'cgm.csv');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(re);
    };
    bad('id,time,gl\na,2020-01-01 00:00,100\na,2020-01-01 00:05,high\n', /^cgm\.csv: line 3, column gl: 'high' is not a number/);
    bad('id,time,gl\na,2020-01-01 00:00,100\n\na,01/01/2020 00:05,100\n', /^cgm\.csv: line 4, column time: '01\/01\/2020 00:05' is not a time/);
    bad('id,time,glucose\na,2020-01-01 00:00,100\n', /^cgm\.csv: column gl: required column is missing/);
    bad('id,time,gl\na,2020-01-01 00:00\n', /^cgm\.csv: line 2: has 2 cells/);
    bad('id,time,gl\n"a,2020-01-01 00:00,100\n', /^cgm\.csv: line 2: a quoted cell is not closed/);
    bad('', /^cgm\.csv: empty file/);
  });

  it('counts lines inside quoted line breaks', () => {
    const recs = splitCsvRecords('a,b\n"x\ny",1\nz,2\n', 'f');
    expect(recs.map((r) => r.line)).toEqual([1, 2, 4]);
    expect(recs[1].cells).toEqual(['x\ny', '1']);
  });

  it('reads a file from disk; an unreadable file is an InputError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cgm-'));
    const file = join(dir, 'a.csv');
    writeFileSync(file, '\ufeffid,time,gl\r\ns,2020-01-01 00:00:00,100\r\n');
    expect(Array.from(readCgmCsv(file).get('s')!.glucoseMgDl)).toEqual([100]);
    expect(() => readCgmCsv(join(dir, 'missing.csv'))).toThrow(InputError);
    rmSync(dir, { recursive: true, force: true });
  });
});
