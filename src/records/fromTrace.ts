/**
 * A simulated patient's trace (a `glucosim run` traces/<patient>.csv) as
 * the records a real patient would have kept: every meter or sensor
 * reading (`cgm_mg_dl`) as a glucose record and every pen injection as an
 * insulin record, so that simulated cohorts and real record sets (AIM-94)
 * feed the same learners (`mdp learn`, `secure-q train`).
 *
 * The trace has days and times of day but no date: records start on
 * 2000-01-01 (a fixed date, so the same trace gives the same records).
 * Preparations map to the records format's three: regular and rapid-acting
 * (both short-acting, given at meals) as regular, NPH as nph, long-acting
 * as ultralente (the format's long-acting preparation; the MDP and
 * Q-learning definitions count ultralente as long). A pump's basal and
 * boluses have no pen record: a trace with pump insulin is refused.
 */
import { columnIndex, numberCell, parseCsv } from '../io/csv.js';
import { InputError } from '../io/errors.js';
import type { PatientRecord, RecordPreparation } from './types.js';
import { formatWallClock, wallClockMinute } from './wallClock.js';

/** The first day of the records: a fixed date. */
export const TRACE_RECORDS_START = { year: 2000, month: 1, day: 1 } as const;

const PEN_COLUMNS: readonly (readonly [string, RecordPreparation])[] = [
  ['injected_rapid_u', 'regular'],
  ['injected_regular_u', 'regular'],
  ['injected_nph_u', 'nph'],
  ['injected_long_u', 'ultralente'],
];

/** The records of one trace file (`file` names it in errors). */
export function recordsFromTrace(text: string, file: string, patient: string): PatientRecord[] {
  const table = parseCsv(text, file);
  const day = columnIndex(table, 'day');
  const timeOfDay = columnIndex(table, 'time_of_day');
  const glucose = columnIndex(table, 'cgm_mg_dl');
  const basal = columnIndex(table, 'basal_u_per_h');
  const bolus = columnIndex(table, 'bolus_u');
  const pens = PEN_COLUMNS.map(([column, preparation]) => ({ column: columnIndex(table, column), preparation }));
  const start = wallClockMinute(TRACE_RECORDS_START.year, TRACE_RECORDS_START.month, TRACE_RECORDS_START.day, 0, 0);
  const records: PatientRecord[] = [];
  for (let row = 0; row < table.rows.length; row++) {
    if (numberCell(table, row, basal) !== 0 || numberCell(table, row, bolus) !== 0) {
      throw new InputError(file, `line ${table.lines[row]}`, 'has pump insulin (basal_u_per_h or bolus_u): only pen injections can be written as records');
    }
    const clock = /^(\d{2}):(\d{2})$/.exec(table.rows[row]![timeOfDay]!);
    if (!clock) throw new InputError(file, `line ${table.lines[row]}, column time_of_day`, `'${table.rows[row]![timeOfDay]}' is not HH:MM`);
    const minute = start + (numberCell(table, row, day) - 1) * 1440 + Number(clock[1]) * 60 + Number(clock[2]);
    const time = formatWallClock(minute);
    if (table.rows[row]![glucose] !== '') records.push({ patient, time, minute, kind: 'glucose', context: 'unspecified', valueMgDl: numberCell(table, row, glucose) });
    for (const { column, preparation } of pens) {
      const units = numberCell(table, row, column);
      if (units > 0) records.push({ patient, time, minute, kind: 'insulin', preparation, units });
    }
  }
  return records;
}
