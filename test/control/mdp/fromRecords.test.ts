/**
 * Phase B on records (src/control/mdp/fromRecords.ts), on hand-built
 * records whose every transition is worked out here: the state of a
 * reading (level × nearest slot), the action as the doses from 15 min
 * before the reading up to 15 min before the next one, gaps over 24 h,
 * readings at the same minute, UltraLente as long-acting, dose sums clamped
 * to the grid (and counted), and no transition from one patient to another.
 */
import { describe, expect, it } from 'vitest';
import { parseMdpDefinition } from '../../../src/control/mdp/definitionFile.js';
import { transitionsFromRecords } from '../../../src/control/mdp/fromRecords.js';
import { actionIndex, stateIndex } from '../../../src/control/mdp/space.js';
import { parseRecordsCsv } from '../../../src/records/recordsCsv.js';
import type { PatientRecord } from '../../../src/records/types.js';

/**
 * 40–400 mg/dL in 40 mg/dL levels: level 0 = [40, 80), 1 = [80, 120),
 * 2 = [120, 160), 3 = [160, 200), 4 = [200, 240) …; slots morning 07:00 (0),
 * noon 12:00 (1), afternoon 16:00 (2), evening 19:00 (3), night 22:00 (4).
 */
const DEF = parseMdpDefinition(
  {
    glucose: { minMgDl: 40, maxMgDl: 400, bfcMgDl: 40 },
    actions: { regular: [0, 2, 4, 6, 8, 10], nph: [0, 5, 10], long: [0, 10, 20] },
  },
  'test',
  '',
);
const MORNING = 0;
const NOON = 1;
const EVENING = 3;
const NIGHT = 4;
const state = (level: number, slot: number) => stateIndex(DEF.space, level, slot);
/** Action of dose indices (regular 0–5 → 0–10 U, NPH 0–2 → 0/5/10 U, long 0–2 → 0/10/20 U). */
const action = (regular: number, nph: number, long: number) => actionIndex(DEF.actions, regular, nph, long);

/** Records from `patient,time,kind,detail,value` lines (the records format without the source code). */
function records(lines: string): PatientRecord[] {
  const body = lines
    .trim()
    .split('\n')
    .map((l) => `${l.trim()},`)
    .join('\n');
  return parseRecordsCsv(`patient,time,kind,detail,value,source_code\n${body}\n`, 'test.csv');
}

describe('transitionsFromRecords', () => {
  it('counts each reading → next reading under the doses given between them', () => {
    const r = records(`
      a,1991-04-21T07:00,glucose,pre-breakfast,130
      a,1991-04-21T07:00,insulin,regular,4
      a,1991-04-21T07:05,insulin,nph,10
      a,1991-04-21T11:50,insulin,regular,2
      a,1991-04-21T12:00,glucose,pre-lunch,210
      a,1991-04-21T12:00,insulin,regular,2
      a,1991-04-21T18:50,insulin,regular,6
      a,1991-04-21T19:00,glucose,pre-supper,90
    `);
    const { counts, total, patients } = transitionsFromRecords(r, DEF);
    expect(counts.entries()).toEqual([
      // 07:00, 130 mg/dL (level 2): regular 4 + NPH 10 → noon, 210 (level 4).
      [state(2, MORNING), action(2, 2, 0), state(4, NOON), 1],
      // 12:00: the 11:50 dose (10 min before) and the 12:00 one: regular 4 → 19:00, 90 (level 1).
      [state(4, NOON), action(2, 0, 0), state(1, EVENING), 1],
    ]);
    expect(total).toEqual({
      readings: 3,
      sameMinute: 0,
      transitions: 2,
      gaps: 0,
      doses: 5,
      // The 18:50 dose belongs to the last reading, which starts no transition.
      dosesUsed: 4,
      dosesAboveGrid: 0,
      events: 0,
      firstReading: '1991-04-21T07:00',
      lastReading: '1991-04-21T19:00',
    });
    expect(patients).toEqual({ a: total });
  });

  it('dose windows: from doseLeadMin before the reading (inclusive) to doseLeadMin before the next (exclusive)', () => {
    const r = records(`
      a,1991-04-21T06:44,insulin,regular,10
      a,1991-04-21T06:45,insulin,regular,2
      a,1991-04-21T07:00,glucose,pre-breakfast,100
      a,1991-04-21T11:44,insulin,regular,2
      a,1991-04-21T11:45,insulin,nph,5
      a,1991-04-21T12:00,glucose,pre-lunch,100
      a,1991-04-21T12:14,insulin,regular,10
      a,1991-04-21T12:15,insulin,ultralente,10
      a,1991-04-21T12:30,glucose,unspecified,100
    `);
    const { counts, total } = transitionsFromRecords(r, DEF);
    expect(counts.entries()).toEqual([
      // 06:45 and 11:44 (regular 2 + 2); 06:44 is before the first window, 11:45 goes to noon.
      [state(1, MORNING), action(2, 0, 0), state(1, NOON), 1],
      // 11:45 NPH 5, 12:14 regular 10; 12:15 (15 min before 12:30) belongs to the 12:30 reading.
      [state(1, NOON), action(5, 1, 0), state(1, NOON), 1],
    ]);
    expect(total).toMatchObject({ transitions: 2, doses: 6, dosesUsed: 4 });
    // A lead of 0: a dose belongs to the latest reading at or before it.
    const zero = transitionsFromRecords(r, DEF, { doseLeadMin: 0 });
    expect(zero.counts.entries()).toEqual([
      // 07:00–12:00: 11:44 regular 2, 11:45 NPH 5 (06:44 and 06:45 are before the first reading).
      [state(1, MORNING), action(1, 1, 0), state(1, NOON), 1],
      [state(1, NOON), action(5, 0, 1), state(1, NOON), 1],
    ]);
  });

  it('no transition across a gap of more than maxGapHours (exactly 24 h is one); the gap window\'s doses are unused', () => {
    const r = records(`
      a,1991-04-21T07:00,glucose,pre-breakfast,100
      a,1991-04-21T07:00,insulin,regular,2
      a,1991-04-22T07:00,glucose,pre-breakfast,170
      a,1991-04-22T07:00,insulin,regular,4
      a,1991-04-23T07:01,glucose,pre-breakfast,250
      a,1991-04-23T07:01,insulin,regular,6
      a,1991-04-23T22:00,glucose,pre-snack,50
    `);
    const { counts, total } = transitionsFromRecords(r, DEF);
    expect(counts.entries()).toEqual([
      [state(1, MORNING), action(1, 0, 0), state(3, MORNING), 1],
      [state(5, MORNING), action(3, 0, 0), state(0, NIGHT), 1],
    ]);
    expect(total).toMatchObject({ readings: 4, transitions: 2, gaps: 1, doses: 3, dosesUsed: 2 });
    // A wider limit bridges it.
    expect(transitionsFromRecords(r, DEF, { maxGapHours: 25 }).total).toMatchObject({ transitions: 3, gaps: 0, dosesUsed: 3 });
    expect(transitionsFromRecords(r, DEF, { maxGapHours: 1 }).total).toMatchObject({ transitions: 0, gaps: 3, dosesUsed: 0 });
  });

  it('readings at the same minute: the first is kept, the others counted', () => {
    const r = records(`
      a,1991-04-21T07:00,glucose,pre-breakfast,130
      a,1991-04-21T07:00,glucose,unspecified,390
      a,1991-04-21T07:00,insulin,nph,5
      a,1991-04-21T12:00,glucose,pre-lunch,130
      a,1991-04-21T12:00,glucose,pre-lunch,45
    `);
    const { counts, total } = transitionsFromRecords(r, DEF);
    expect(counts.entries()).toEqual([[state(2, MORNING), action(0, 1, 0), state(2, NOON), 1]]);
    expect(total).toMatchObject({ readings: 4, sameMinute: 2, transitions: 1, gaps: 0 });
    // transitions + gaps = readings − sameMinute − 1
    expect(total.transitions + total.gaps).toBe(total.readings - total.sameMinute - 1);
  });

  it('UltraLente counts as long-acting; per-preparation sums above the grid are clamped and counted', () => {
    const r = records(`
      a,1991-04-21T07:00,glucose,pre-breakfast,100
      a,1991-04-21T07:00,insulin,regular,7
      a,1991-04-21T07:01,insulin,regular,7
      a,1991-04-21T07:02,insulin,ultralente,12
      a,1991-04-21T07:03,insulin,nph,30
      a,1991-04-21T12:00,glucose,pre-lunch,100
      a,1991-04-21T12:00,insulin,ultralente,25
      a,1991-04-21T19:00,glucose,pre-supper,100
      a,1991-04-21T19:00,insulin,regular,3
      a,1991-04-21T22:00,glucose,pre-snack,100
    `);
    const { counts, total } = transitionsFromRecords(r, DEF);
    expect(counts.entries()).toEqual([
      // regular 14 → 10 (clamped), NPH 30 → 10 (clamped), ultralente 12 → long 10 (nearest).
      [state(1, MORNING), action(5, 2, 1), state(1, NOON), 1],
      // ultralente 25 → long 20 (clamped).
      [state(1, NOON), action(0, 0, 2), state(1, EVENING), 1],
      // regular 3 → 2 (ties go to the smaller dose): nearest, not clamped.
      [state(1, EVENING), action(1, 0, 0), state(1, NIGHT), 1],
    ]);
    expect(total).toMatchObject({ transitions: 3, doses: 6, dosesUsed: 6, dosesAboveGrid: 3 });
  });

  it('never counts a transition from one patient to another, whatever the order of the records', () => {
    const r = records(`
      a,1991-04-21T07:00,glucose,pre-breakfast,100
      a,1991-04-21T19:00,glucose,pre-supper,300
      b,1991-04-21T12:00,glucose,pre-lunch,100
      b,1991-04-21T12:00,insulin,regular,4
      b,1991-04-21T22:00,glucose,pre-snack,300
      b,1991-04-21T22:00,event,meal-typical,
      c,1991-04-21T08:00,glucose,pre-breakfast,100
    `);
    // Interleaved by time across patients: a 07:00, c 08:00, b 12:00, a 19:00, b 22:00.
    const interleaved = [...r].sort((x, y) => x.minute - y.minute);
    for (const input of [r, interleaved, [...r].reverse()]) {
      const { counts, patients, total } = transitionsFromRecords(input, DEF);
      expect(counts.entries()).toEqual([
        [state(1, MORNING), action(0, 0, 0), state(6, EVENING), 1],
        [state(1, NOON), action(2, 0, 0), state(6, NIGHT), 1],
      ]);
      expect(Object.keys(patients)).toEqual(['a', 'b', 'c']);
      expect(patients.c).toMatchObject({ readings: 1, transitions: 0, gaps: 0 });
      expect(patients.b).toMatchObject({ readings: 2, transitions: 1, doses: 1, dosesUsed: 1, events: 1 });
      expect(total).toMatchObject({ readings: 5, transitions: 2, events: 1, firstReading: '1991-04-21T07:00', lastReading: '1991-04-21T22:00' });
    }
  });

  it('learns from the selected patients only; one without records has zero statistics', () => {
    const r = records(`
      a,1991-04-21T07:00,glucose,pre-breakfast,100
      a,1991-04-21T12:00,glucose,pre-lunch,100
      b,1991-04-21T07:00,glucose,pre-breakfast,300
      b,1991-04-21T12:00,glucose,pre-lunch,300
    `);
    const { counts, patients, total } = transitionsFromRecords(r, DEF, { patients: ['b', 'z'] });
    expect(counts.entries()).toEqual([[state(6, MORNING), 0, state(6, NOON), 1]]);
    expect(Object.keys(patients)).toEqual(['b', 'z']);
    expect(patients.z).toEqual({ readings: 0, sameMinute: 0, transitions: 0, gaps: 0, doses: 0, dosesUsed: 0, dosesAboveGrid: 0, events: 0, firstReading: null, lastReading: null });
    expect(total.transitions).toBe(1);
  });

  it('a reading belongs to the slot nearest its time of day, round midnight', () => {
    const r = records(`
      a,1991-04-21T23:50,glucose,pre-snack,100
      a,1991-04-22T03:00,glucose,unspecified,100
      a,1991-04-22T09:29,glucose,post-breakfast,100
      a,1991-04-22T09:31,glucose,post-breakfast,100
    `);
    const { counts } = transitionsFromRecords(r, DEF);
    // 23:50 → night; 03:00 is 4 h from 07:00, 5 h from 22:00 → morning; 09:29 → morning; 09:31 → noon.
    expect(counts.entries()).toEqual([
      [state(1, MORNING), 0, state(1, MORNING), 1],
      [state(1, MORNING), 0, state(1, NOON), 1],
      [state(1, NIGHT), 0, state(1, MORNING), 1],
    ]);
  });

  it('refuses a negative lead or a non-positive gap limit', () => {
    const r = records('a,1991-04-21T07:00,glucose,pre-breakfast,100');
    expect(() => transitionsFromRecords(r, DEF, { doseLeadMin: -1 })).toThrow(RangeError);
    expect(() => transitionsFromRecords(r, DEF, { maxGapHours: 0 })).toThrow(RangeError);
  });
});
