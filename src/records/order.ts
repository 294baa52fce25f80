/** The order of records everywhere in the format: by patient (code-unit order of the name), then time; stable. */
import type { PatientRecord } from './types.js';

export function compareRecords(a: PatientRecord, b: PatientRecord): number {
  if (a.patient !== b.patient) return a.patient < b.patient ? -1 : 1;
  return a.minute - b.minute;
}

/** A sorted copy; records of the same patient and minute keep their order. */
export function sortRecords(records: readonly PatientRecord[]): PatientRecord[] {
  return [...records].sort(compareRecords);
}
