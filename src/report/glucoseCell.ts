/**
 * Simulated blood glucose in the HTML tables: a figure at the metrics' floor
 * (SIMULATED_BG_FLOOR_MG_DL) stands for readings below it, so it is shown as
 * "< 1", with a note saying why; the CSV and JSON files keep the number.
 */
import { formatNumber, type ReportTable } from './html.js';
import { SIMULATED_BG_FLOOR_MG_DL } from './patientAnalysis.js';

export const BELOW_FLOOR_CELL = `< ${SIMULATED_BG_FLOOR_MG_DL}`;

export const BELOW_FLOOR_NOTE =
  `${BELOW_FLOOR_CELL}: simulated blood glucose below ${SIMULATED_BG_FLOOR_MG_DL} mg/dL. Under a gross insulin overdose the model's ` +
  'plasma glucose runs down to 0 mg/dL, where its positivity guard holds it (docs/model.md §1.4). Such minutes are the deepest ' +
  `hypoglycaemia, not missing data, so the metrics count them at ${SIMULATED_BG_FLOOR_MG_DL} mg/dL (metrics.csv and metrics.json keep ` +
  'those numbers); the traces and summary.json keep the model\'s own values.';

/** A glucose level, mg/dL, as a table cell: the number, or "< 1" at or below the floor. */
export function glucoseCell(mgDl: number): number | string {
  return mgDl <= SIMULATED_BG_FLOOR_MG_DL ? BELOW_FLOOR_CELL : mgDl;
}

/**
 * "mean ± SD" as a table cell's text, just the mean where the SD is NaN (one
 * value); a glucose mean (`isGlucose`) at the floor as "< 1".
 */
export function meanSdText(mean: number, sd: number, isGlucose: boolean): string {
  const cell = isGlucose ? glucoseCell(mean) : mean;
  const shown = typeof cell === 'string' ? cell : formatNumber(cell);
  return Number.isNaN(sd) ? shown : `${shown} ± ${formatNumber(sd)}`;
}

function isBelowFloor(cell: string | number | null): boolean {
  return typeof cell === 'string' && (cell === BELOW_FLOOR_CELL || cell.startsWith(`${BELOW_FLOOR_CELL} `));
}

/** The table, with the floor's note when one of its cells is below the floor. */
export function withFloorNote(t: ReportTable): ReportTable {
  if (!t.rows.some((r) => r.some(isBelowFloor))) return t;
  return { ...t, note: t.note ? `${t.note} ${BELOW_FLOOR_NOTE}` : BELOW_FLOOR_NOTE };
}
