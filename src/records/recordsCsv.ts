/**
 * The records file (docs/records.md): CSV, one record a row, header
 * `patient,time,kind,detail,value,source_code`, no quoted fields (no cell
 * can hold a comma: patient names that would are refused on writing).
 * Written sorted by patient then time; read strictly, every bad cell an
 * InputError naming the file, the line and the column.
 */
import { parseCsv } from '../io/csv.js';
import { InputError } from '../io/errors.js';
import { aim94Meaning, codeMeans, type Aim94Meaning } from './aim94Codes.js';
import { sortRecords } from './order.js';
import { parseWallClock } from './wallClock.js';
import type { GlucoseContext, PatientRecord, RecordEventName, RecordPreparation } from './types.js';

export const RECORDS_CSV_HEADER = ['patient', 'time', 'kind', 'detail', 'value', 'source_code'] as const;

const GLUCOSE_CONTEXTS: readonly GlucoseContext[] = ['pre-breakfast', 'post-breakfast', 'pre-lunch', 'post-lunch', 'pre-supper', 'post-supper', 'pre-snack', 'unspecified'];
const PREPARATIONS: readonly RecordPreparation[] = ['regular', 'nph', 'ultralente'];
const EVENTS: readonly RecordEventName[] = [
  'hypoglycaemic-symptoms',
  'meal-typical',
  'meal-more',
  'meal-less',
  'exercise-typical',
  'exercise-more',
  'exercise-less',
  'special-event',
];
const DETAILS: Readonly<Record<PatientRecord['kind'], readonly string[]>> = { glucose: GLUCOSE_CONTEXTS, insulin: PREPARATIONS, event: EVENTS };

function detailOf(r: PatientRecord): string {
  return r.kind === 'glucose' ? r.context : r.kind === 'insulin' ? r.preparation : r.event;
}

/** Why a patient name cannot be a cell, or undefined. */
function patientProblem(patient: string): string | undefined {
  if (patient === '') return 'is empty';
  if (/[,"\r\n]/.test(patient)) return 'holds a comma, quote or line break';
  if (patient.trim() !== patient) return 'begins or ends with white space';
  return undefined;
}

/** Throws if `patient` cannot be written in a records file. */
export function checkPatientName(patient: string): void {
  const problem = patientProblem(patient);
  if (problem) throw new Error(`patient name ${JSON.stringify(patient)} ${problem}: it cannot be a cell of a records file`);
}

/** The records file: header, then one row per record sorted by patient then time; numbers as String(x). */
export function formatRecordsCsv(records: readonly PatientRecord[]): string {
  const lines = [RECORDS_CSV_HEADER.join(',')];
  for (const r of sortRecords(records)) {
    checkPatientName(r.patient);
    const value = r.kind === 'glucose' ? String(r.valueMgDl) : r.kind === 'insulin' ? String(r.units) : '';
    lines.push([r.patient, r.time, r.kind, detailOf(r), value, r.sourceCode === undefined ? '' : String(r.sourceCode)].join(','));
  }
  return lines.join('\n') + '\n';
}

/** A decimal number as String(x) writes one (`4.5`, `120`, `1e-7`); no sign, no blanks, no hex. */
const NUMBER = /^\d+(?:\.\d+)?(?:e[+-]?\d+)?$/;
const SOURCE_CODE = /^\d{1,9}$/;

/**
 * Records from a records file's text, sorted by patient then time (rows of
 * the same patient and minute in file order). Refuses, naming the line and
 * the column: a wrong header, a row of the wrong width, an empty patient, a
 * time that is not a real `YYYY-MM-DDTHH:MM`, an unknown kind or detail, a
 * glucose value that is not > 0, a dose that is not ≥ 0, a value on an event,
 * a source code that is not an AIM-94 code of the row's meaning; and a file
 * with no records.
 */
export function parseRecordsCsv(text: string, file: string): PatientRecord[] {
  const table = parseCsv(text.replace(/^\uFEFF/, ''), file);
  if (table.header.join(',') !== RECORDS_CSV_HEADER.join(',')) {
    throw new InputError(file, 'header', `must be ${RECORDS_CSV_HEADER.join(',')} (got ${table.header.join(',')})`);
  }
  const records: PatientRecord[] = [];
  table.rows.forEach((cells, i) => {
    const line = `line ${table.lines[i]}`;
    const bad = (column: string, reason: string): never => {
      throw new InputError(file, `${line}: ${column}`, reason);
    };
    if (cells.length !== RECORDS_CSV_HEADER.length) {
      throw new InputError(file, line, `has ${cells.length} cells, the header has ${RECORDS_CSV_HEADER.length}`);
    }
    const [patient, time, kind, detail, valueText, codeText] = cells as [string, string, string, string, string, string];
    if (patient === '') bad('patient', 'is empty');
    const minute = parseWallClock(time);
    if (minute === undefined) bad('time', `must be a wall-clock time YYYY-MM-DDTHH:MM of a real day (got '${time}')`);
    if (kind !== 'glucose' && kind !== 'insulin' && kind !== 'event') bad('kind', `must be glucose, insulin or event (got '${kind}')`);
    const k = kind as PatientRecord['kind'];
    if (!DETAILS[k].includes(detail)) bad('detail', `a ${k} record's detail must be one of ${DETAILS[k].join(', ')} (got '${detail}')`);
    const meaning = (k === 'glucose' ? { kind: k, context: detail } : k === 'insulin' ? { kind: k, preparation: detail } : { kind: k, event: detail }) as Aim94Meaning;

    let value = NaN;
    if (k === 'event') {
      if (valueText !== '') bad('value', `must be empty for an event (got '${valueText}')`);
    } else {
      value = NUMBER.test(valueText) ? Number(valueText) : NaN;
      if (!Number.isFinite(value)) bad('value', `must be a decimal number ≥ 0 (got '${valueText}')`);
      if (k === 'glucose' && !(value > 0)) bad('value', `a glucose reading must be > 0 mg/dL (got ${valueText})`);
    }

    let sourceCode: number | undefined;
    if (codeText !== '') {
      if (!SOURCE_CODE.test(codeText)) bad('source_code', `must be empty or an AIM-94 code, a whole number (got '${codeText}')`);
      sourceCode = Number(codeText);
      if (!codeMeans(sourceCode, meaning)) {
        const own = aim94Meaning(sourceCode);
        bad('source_code', own === undefined ? `${sourceCode} is not an AIM-94 code` : `AIM-94 code ${sourceCode} is not a ${k} record's ${detail}`);
      }
    }

    const at = { patient, time, minute: minute! };
    const source = sourceCode === undefined ? {} : { sourceCode };
    if (k === 'glucose') records.push({ ...at, kind: 'glucose', context: detail as GlucoseContext, valueMgDl: value, ...source });
    else if (k === 'insulin') records.push({ ...at, kind: 'insulin', preparation: detail as RecordPreparation, units: value, ...source });
    else records.push({ ...at, kind: 'event', event: detail as RecordEventName, ...source });
  });
  if (records.length === 0) throw new InputError(file, '', 'no records (a header and no rows)');
  return sortRecords(records);
}
