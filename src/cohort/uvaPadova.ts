/**
 * The 30 in-silico T1D subjects of the 2008 academic UVa/Padova simulator
 * (10 adolescents, 10 adults, 10 children), read from `patients/uva-padova-s2008/`
 * (see the README there for provenance).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { columnIndex, numberCell, parseCsv } from '../io/csv.js';
import { InputError } from '../io/errors.js';
import { PATIENTS_DIR } from '../io/paths.js';
import type { T1DParameters, TherapyParameters } from '../model/parameters.js';
import { OPTIMISED_THERAPY_FILE_NAME } from './optimisedTherapy.js';

export type AgeGroup = 'adolescents' | 'adults' | 'children';
export const AGE_GROUPS: readonly AgeGroup[] = ['adolescents', 'adults', 'children'];

export interface VirtualPatient {
  readonly name: string;
  readonly group: AgeGroup;
  readonly params: T1DParameters;
  readonly therapy: TherapyParameters;
}

const MODEL_COLUMNS = [
  'BW', 'Gb', 'Ib', 'kmax', 'kmin', 'kabs', 'b', 'd', 'f', 'Vg', 'k1', 'k2', 'kp1', 'kp2', 'kp3',
  'Fsnc', 'Vm0', 'Vmx', 'Km0', 'p2u', 'Vi', 'm1', 'm2', 'm4', 'm30', 'ki', 'ke1', 'ke2', 'ka1', 'ka2',
  'kd', 'ksc', 'u2ss',
] as const;

function groupOf(name: string, file: string): AgeGroup {
  if (name.startsWith('adolescent#')) return 'adolescents';
  if (name.startsWith('adult#')) return 'adults';
  if (name.startsWith('child#')) return 'children';
  throw new InputError(file, 'Name', `'${name}' is not adolescent#NNN, adult#NNN or child#NNN`);
}

/**
 * The cohort's files: model parameters and therapy (simglucose's layout),
 * and the derived optimised therapy (src/cohort/optimisedTherapy.ts), which
 * may be absent.
 */
export function uvaPadovaFiles(dir: string = join(PATIENTS_DIR, 'uva-padova-s2008')): {
  readonly paramsFile: string;
  readonly questFile: string;
  readonly optimisedTherapyFile: string;
} {
  return { paramsFile: join(dir, 'vpatient_params.csv'), questFile: join(dir, 'Quest.csv'), optimisedTherapyFile: join(dir, OPTIMISED_THERAPY_FILE_NAME) };
}

/** Load the cohort from a directory holding `vpatient_params.csv` and `Quest.csv`. */
export function loadUvaPadovaCohort(dir?: string): VirtualPatient[] {
  const { paramsFile, questFile } = uvaPadovaFiles(dir);
  const params = parseCsv(readFileSync(paramsFile, 'utf8'), paramsFile);
  const quest = parseCsv(readFileSync(questFile, 'utf8'), questFile);
  const qName = columnIndex(quest, 'Name');
  const qCols = ['CR', 'CF', 'Age', 'TDI'].map((c) => columnIndex(quest, c));
  const therapyByName = new Map<string, TherapyParameters>();
  quest.rows.forEach((row, r) => {
    const [cr, cf, age, tdi] = qCols.map((c) => numberCell(quest, r, c));
    therapyByName.set(row[qName], { carbRatioGPerU: cr, correctionFactorMgDlPerU: cf, ageYears: age, totalDailyInsulinU: tdi });
  });
  const pName = columnIndex(params, 'Name');
  const modelCols = MODEL_COLUMNS.map((c) => columnIndex(params, c));
  // Initial-state columns are named `x0_ 1` … `x0_13` in the original file.
  const x0Cols = Array.from({ length: 13 }, (_, i) => columnIndex(params, `x0_${String(i + 1).padStart(2, ' ')}`));
  return params.rows.map((row, r) => {
    const name = row[pName];
    const therapy = therapyByName.get(name);
    if (!therapy) throw new InputError(questFile, 'Name', `no therapy parameters for '${name}'`);
    const values: Record<string, number> = {};
    MODEL_COLUMNS.forEach((c, k) => (values[c] = numberCell(params, r, modelCols[k])));
    const p = { name, ...values, x0: x0Cols.map((c) => numberCell(params, r, c)) } as unknown as T1DParameters;
    return { name, group: groupOf(name, paramsFile), params: p, therapy };
  });
}
