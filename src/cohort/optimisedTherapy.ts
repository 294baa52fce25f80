/**
 * `optimised-therapy.csv`: each S2008 subject's simulator-optimised basal rate
 * and carb ratio (docs/model.md §2.7), derived data written by `glucosim
 * optimise-therapy` (src/sim/therapyOptimisation.ts) and read with the
 * cohort. One row per patient:
 *
 *     Name, br_factor, basal_u_per_h, cr_factor, cr_g_per_u, lbgi, hbgi,
 *     start_basal_u_per_h, start_cr_g_per_u, start_lbgi, start_hbgi
 *
 * the factors relative to the starting therapy (Quest.csv's CR, the model's
 * steady-state basal), the optimised values, Kovatchev's LBGI and HBGI of the
 * standard day at the optimum, and the same at the starting therapy. The
 * file's starting values must still be the cohort's (to the printed
 * precision): a file made for other parameters is refused as stale rather
 * than silently applied.
 */
import { readFileSync } from 'node:fs';
import { columnIndex, type CsvTable, numberCell, parseCsv } from '../io/csv.js';
import { InputError } from '../io/errors.js';
import { fixed } from '../io/numberFormat.js';

export const OPTIMISED_THERAPY_FILE_NAME = 'optimised-therapy.csv';

export const OPTIMISED_THERAPY_COLUMNS = [
  'Name',
  'br_factor',
  'basal_u_per_h',
  'cr_factor',
  'cr_g_per_u',
  'lbgi',
  'hbgi',
  'start_basal_u_per_h',
  'start_cr_g_per_u',
  'start_lbgi',
  'start_hbgi',
] as const;

/**
 * Decimals printed per column. Factors: the search's finest step (1/80,
 * src/sim/therapySearch.ts) is exact in 4; basal 4 (0.1 mU/h, far below a
 * pump's 0.05 U/h); CR 3; risk indices 4.
 */
const DECIMALS = { factor: 4, basal: 4, carbRatio: 3, risk: 4 } as const;

/** The therapy one row sets, as a controller uses it. */
export interface OptimisedTherapy {
  readonly basalRateUPerMin: number;
  readonly carbRatioGPerU: number;
}

/** A patient's settings at the starting therapy and the standard day's risk there. */
export interface TherapyPoint {
  readonly basalUPerH: number;
  readonly carbRatioGPerU: number;
  readonly lbgi: number;
  readonly hbgi: number;
}

/** One row of the file. */
export interface OptimisedTherapyRow extends TherapyPoint {
  readonly name: string;
  readonly basalFactor: number;
  readonly carbRatioFactor: number;
  readonly start: TherapyPoint;
}

/** What the file is checked against: each patient's starting therapy. */
export interface CohortTherapy {
  readonly name: string;
  readonly basalUPerH: number;
  readonly carbRatioGPerU: number;
}

/** The row as the file prints it (one line, no newline). */
export function optimisedTherapyLine(row: OptimisedTherapyRow): string {
  const { factor, basal, carbRatio, risk } = DECIMALS;
  return [
    row.name,
    fixed(row.basalFactor, factor),
    fixed(row.basalUPerH, basal),
    fixed(row.carbRatioFactor, factor),
    fixed(row.carbRatioGPerU, carbRatio),
    fixed(row.lbgi, risk),
    fixed(row.hbgi, risk),
    fixed(row.start.basalUPerH, basal),
    fixed(row.start.carbRatioGPerU, carbRatio),
    fixed(row.start.lbgi, risk),
    fixed(row.start.hbgi, risk),
  ].join(',');
}

/** The whole file: header and one line per row, in the order given. */
export function optimisedTherapyCsv(rows: readonly OptimisedTherapyRow[]): string {
  return [OPTIMISED_THERAPY_COLUMNS.join(','), ...rows.map(optimisedTherapyLine)].join('\n') + '\n';
}

/** Half a unit in the last printed place, plus room for binary noise. */
function printedTolerance(decimals: number): number {
  return 0.5 * 10 ** -decimals + 1e-12;
}

/**
 * The optimised therapy per patient of a file's text (`file` names it in
 * errors). Every row must name a patient of `cohort`, once; a patient the file
 * does not list has no optimised therapy (the caller says so when one is
 * asked for). Errors name the file, the line and the column.
 */
export function parseOptimisedTherapy(text: string, file: string, cohort: readonly CohortTherapy[]): Map<string, OptimisedTherapy> {
  const table = parseCsv(text, file);
  const col = Object.fromEntries(OPTIMISED_THERAPY_COLUMNS.map((c) => [c, columnIndex(table, c)])) as Record<(typeof OPTIMISED_THERAPY_COLUMNS)[number], number>;
  const byName = new Map(cohort.map((p) => [p.name, p]));
  const firstLine = new Map<string, number>();
  const therapies = new Map<string, OptimisedTherapy>();
  table.rows.forEach((row, r) => {
    const line = table.lines[r];
    const where = (column: string) => `line ${line}, column ${column}`;
    const name = row[col.Name];
    const patient = byName.get(name);
    if (!patient) throw new InputError(file, where('Name'), `'${name}' is not a patient of the cohort (known: ${cohort[0]?.name} … ${cohort[cohort.length - 1]?.name})`);
    const earlier = firstLine.get(name);
    if (earlier !== undefined) throw new InputError(file, where('Name'), `'${name}' is listed twice (also line ${earlier})`);
    firstLine.set(name, line);
    const value = (column: keyof typeof col) => positiveCell(table, r, col[column]);
    const basalFactor = value('br_factor');
    const basalUPerH = value('basal_u_per_h');
    const carbRatioFactor = value('cr_factor');
    const carbRatioGPerU = value('cr_g_per_u');
    for (const column of ['lbgi', 'hbgi', 'start_lbgi', 'start_hbgi'] as const) {
      if (!(numberCell(table, r, col[column]) >= 0)) throw new InputError(file, where(column), 'must be ≥ 0');
    }
    // The starting therapy the factors were found against must still be the cohort's.
    const stale = (column: 'start_basal_u_per_h' | 'start_cr_g_per_u', own: number, decimals: number, what: string) => {
      const printed = numberCell(table, r, col[column]);
      if (Math.abs(printed - own) > printedTolerance(decimals)) {
        throw new InputError(file, where(column), `${printed} is not ${name}'s ${what} ${fixed(own, decimals)}: the file was made for other therapy settings; make it again with glucosim optimise-therapy`);
      }
      return printed;
    };
    const startBasal = stale('start_basal_u_per_h', patient.basalUPerH, DECIMALS.basal, 'steady-state basal rate (U/h)');
    const startCarbRatio = stale('start_cr_g_per_u', patient.carbRatioGPerU, DECIMALS.carbRatio, 'carb ratio in Quest.csv (g/U)');
    // Each optimised value is its factor times the starting one, as printed.
    const agrees = (column: 'basal_u_per_h' | 'cr_g_per_u', printed: number, factor: number, start: number, decimals: number) => {
      const expected = factor * start;
      const tolerance = printedTolerance(decimals) + factor * printedTolerance(decimals) + start * printedTolerance(DECIMALS.factor);
      if (Math.abs(printed - expected) > tolerance) {
        throw new InputError(file, where(column), `${printed} is not its factor times the starting value (${fixed(factor, DECIMALS.factor)} × ${start} = ${fixed(expected, decimals)})`);
      }
    };
    agrees('basal_u_per_h', basalUPerH, basalFactor, startBasal, DECIMALS.basal);
    agrees('cr_g_per_u', carbRatioGPerU, carbRatioFactor, startCarbRatio, DECIMALS.carbRatio);
    therapies.set(name, { basalRateUPerMin: basalUPerH / 60, carbRatioGPerU });
  });
  return therapies;
}

function positiveCell(table: CsvTable, row: number, column: number): number {
  const value = numberCell(table, row, column);
  if (!(value > 0)) throw new InputError(table.file, `line ${table.lines[row]}, column ${table.header[column]}`, `must be > 0, got ${value}`);
  return value;
}

/** The optimised therapy of `file` (parseOptimisedTherapy). */
export function readOptimisedTherapy(file: string, cohort: readonly CohortTherapy[]): Map<string, OptimisedTherapy> {
  return parseOptimisedTherapy(readFileSync(file, 'utf8'), file, cohort);
}
