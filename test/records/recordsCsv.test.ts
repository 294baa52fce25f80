/**
 * The records file (src/records/recordsCsv.ts, docs/records.md): a lossless
 * round trip, the order of rows, shortest round-trip numbers, and strict
 * reading — every bad cell refused naming the file, the line and the column.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/io/errors.js';
import { PROJECT_ROOT } from '../../src/io/paths.js';
import { importAim94 } from '../../src/records/aim94.js';
import { formatRecordsCsv, parseRecordsCsv, RECORDS_CSV_HEADER } from '../../src/records/recordsCsv.js';
import type { PatientRecord } from '../../src/records/types.js';
import { wallClockMinute } from '../../src/records/wallClock.js';

const HEADER = 'patient,time,kind,detail,value,source_code';
const fixture = (name: string) => importAim94(readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'aim94', name), 'latin1'), name).records;

/** The InputError message of parsing `rows` under the header, or '' if it parses. */
function refusal(...rows: string[]): string {
  try {
    parseRecordsCsv([HEADER, ...rows].join('\n') + '\n', 'records.csv');
    return '';
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
}

describe('records CSV', () => {
  it('has the documented header', () => {
    expect(RECORDS_CSV_HEADER.join(',')).toBe(HEADER);
    expect(formatRecordsCsv([])).toBe(`${HEADER}\n`);
  });

  it('round-trips imported records losslessly (data-10: decimal doses; data-66: events, every kind), text and records', () => {
    const records = [...fixture('data-66'), ...fixture('data-10')];
    const text = formatRecordsCsv(records);
    const back = parseRecordsCsv(text, 'records.csv');
    expect(back).toEqual([...fixture('data-10'), ...fixture('data-66')]);
    expect(formatRecordsCsv(back)).toBe(text);
    expect(new Set(back.map((r) => r.kind))).toEqual(new Set(['glucose', 'insulin', 'event']));
  });

  it('writes one row per record, sorted by patient then time, rows of one minute in their order; events with an empty value', () => {
    const at = (patient: string, hour: number) => ({ patient, time: `1991-04-21T${String(hour).padStart(2, '0')}:00`, minute: wallClockMinute(1991, 4, 21, hour, 0) });
    const records: PatientRecord[] = [
      { ...at('b', 8), kind: 'glucose', context: 'pre-breakfast', valueMgDl: 100, sourceCode: 58 },
      { ...at('a', 12), kind: 'insulin', preparation: 'regular', units: 4.5, sourceCode: 33 },
      { ...at('a', 8), kind: 'insulin', preparation: 'nph', units: 13 },
      { ...at('a', 8), kind: 'event', event: 'meal-less', sourceCode: 68 },
    ];
    expect(formatRecordsCsv(records)).toBe(
      [
        HEADER,
        'a,1991-04-21T08:00,insulin,nph,13,',
        'a,1991-04-21T08:00,event,meal-less,,68',
        'a,1991-04-21T12:00,insulin,regular,4.5,33',
        'b,1991-04-21T08:00,glucose,pre-breakfast,100,58',
      ].join('\n') + '\n',
    );
  });

  it('writes numbers in their shortest round-trip form and reads them back exactly', () => {
    const minute = wallClockMinute(1991, 4, 21, 8, 0);
    const units = [0.1 + 0.2, 1 / 3, 1e-7, 0, 2.5];
    const records: PatientRecord[] = units.map((u) => ({ patient: 'p', time: '1991-04-21T08:00', minute, kind: 'insulin', preparation: 'regular', units: u }));
    const text = formatRecordsCsv(records);
    expect(text).toContain('p,1991-04-21T08:00,insulin,regular,0.30000000000000004,\n');
    expect(text).toContain(',1e-7,');
    expect(parseRecordsCsv(text, 'r.csv').map((r) => (r.kind === 'insulin' ? r.units : NaN))).toEqual(units);
  });

  it('reads CRLF, blank lines and unsorted rows; returns them sorted', () => {
    const text = `${HEADER}\r\nq,1991-04-21T08:00,event,special-event,,\r\n\r\np,1991-04-22T08:00,glucose,unspecified,90,57\r\np,1991-04-21T08:00,glucose,unspecified,80,48\r\n`;
    expect(parseRecordsCsv(text, 'r.csv').map((r) => `${r.patient} ${r.time}`)).toEqual(['p 1991-04-21T08:00', 'p 1991-04-22T08:00', 'q 1991-04-21T08:00']);
  });

  it('refuses a patient name that cannot be a cell', () => {
    const r: PatientRecord = { patient: 'a,b', time: '1991-04-21T08:00', minute: 0, kind: 'event', event: 'special-event' };
    expect(() => formatRecordsCsv([r])).toThrow(/comma/);
  });
});

describe('records CSV: strict reading', () => {
  const good = 'p,1991-04-21T08:00,glucose,pre-breakfast,100,58';

  it('a good row parses', () => {
    expect(refusal(good)).toBe('');
  });

  it.each([
    ['p,1991-06-31T08:00,glucose,pre-breakfast,100,58', 'time', /YYYY-MM-DDTHH:MM of a real day \(got '1991-06-31T08:00'\)/],
    ['p,1991-04-21 08:00,glucose,pre-breakfast,100,58', 'time', /got '1991-04-21 08:00'/],
    ['p,1991-04-21T24:00,glucose,pre-breakfast,100,58', 'time', /real day/],
    ['p,1991-04-21T08:00,bolus,pre-breakfast,100,58', 'kind', /must be glucose, insulin or event \(got 'bolus'\)/],
    ['p,1991-04-21T08:00,glucose,breakfast,100,58', 'detail', /one of pre-breakfast, .* \(got 'breakfast'\)/],
    ['p,1991-04-21T08:00,insulin,rapid,4,', 'detail', /regular, nph, ultralente \(got 'rapid'\)/],
    ['p,1991-04-21T08:00,glucose,pre-breakfast,0Hi,58', 'value', /decimal number ≥ 0 \(got '0Hi'\)/],
    ['p,1991-04-21T08:00,glucose,pre-breakfast,,58', 'value', /got ''/],
    ['p,1991-04-21T08:00,glucose,pre-breakfast,0,58', 'value', /glucose reading must be > 0/],
    ['p,1991-04-21T08:00,insulin,regular,-4,33', 'value', /got '-4'/],
    ['p,1991-04-21T08:00,insulin,regular,Infinity,33', 'value', /got 'Infinity'/],
    ['p,1991-04-21T08:00,insulin,regular,1e999,33', 'value', /got '1e999'/],
    ['p,1991-04-21T08:00,event,meal-more,0,67', 'value', /must be empty for an event/],
    ['p,1991-04-21T08:00,glucose,pre-breakfast,100,3A', 'source_code', /whole number \(got '3A'\)/],
    ['p,1991-04-21T08:00,glucose,pre-breakfast,100,56', 'source_code', /56 is not an AIM-94 code/],
    ['p,1991-04-21T08:00,glucose,pre-breakfast,100,60', 'source_code', /code 60 is not a glucose record's pre-breakfast/],
    [',1991-04-21T08:00,glucose,pre-breakfast,100,58', 'patient', /is empty/],
  ])('refuses %s naming the column %s', (row, column, reason) => {
    const message = refusal(good, good, row, good);
    expect(message.startsWith(`records.csv: line 4: ${column}: `), message).toBe(true);
    expect(message).toMatch(reason);
  });

  it('refuses a row of the wrong width, naming the line', () => {
    expect(refusal(good, 'p,1991-04-21T08:00,glucose,pre-breakfast,100')).toMatch(/^records\.csv: line 3: has 5 cells, the header has 6$/);
    expect(refusal(good, `${good},extra`)).toMatch(/^records\.csv: line 3: has 7 cells, the header has 6$/);
  });

  it('refuses a wrong header, an empty file and a file with no records', () => {
    expect(() => parseRecordsCsv('patient,time,kind,detail,value\np,1991-04-21T08:00,glucose,unspecified,1\n', 'r.csv')).toThrow(
      /^r\.csv: header: must be patient,time,kind,detail,value,source_code/,
    );
    expect(() => parseRecordsCsv('', 'r.csv')).toThrow(/^r\.csv: empty file/);
    expect(() => parseRecordsCsv(`${HEADER}\n`, 'r.csv')).toThrow(/^r\.csv: no records/);
    expect(() => parseRecordsCsv(`${HEADER}\n\n\n`, 'r.csv')).toThrow(/^r\.csv: no records/);
  });
});
