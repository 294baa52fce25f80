/**
 * Replay: drive one patient with recorded per-minute inputs (a pump log, or
 * the reference trajectories' inputs) and return blood glucose every minute.
 *
 * Input rows give `minute, carbs_g, insulin_u_per_min` (other columns are
 * ignored). A row's insulin rate holds from its minute until the next row's;
 * its carbs are a meal that starts at that minute and is eaten at the eating
 * rate, queued behind any meal still being eaten (as the reference data).
 */
import { columnIndex, numberCell, parseCsv } from '../io/csv.js';
import { MAX_PUMP_BOLUS_U } from '../devices/presets.js';
import { InputError } from '../io/errors.js';
import { MAX_MEAL_CARBS_G, MAX_SCENARIO_DAYS, MAX_SCENARIO_MINUTES } from '../scenario/limits.js';
import type { PatientModel } from '../model/patientModel.js';
import { IntegratorError } from '../model/integrator.js';
import { PatientSimulator } from '../model/patientSimulator.js';
import { ModelIntegrationError } from './closedLoop.js';

export interface ReplayInputs {
  readonly minute: Int32Array;
  readonly carbsG: Float64Array;
  readonly insulinUPerMin: Float64Array;
}

/** Reference eating rate of the S2008 simulator, g/min (docs/model.md §1). */
export const REFERENCE_EAT_RATE_G_PER_MIN = 5;

/** Parse and check a replay CSV; errors name the file, line and column. */
export function parseReplayCsv(text: string, file: string): ReplayInputs {
  const table = parseCsv(text, file);
  const cMinute = columnIndex(table, 'minute');
  const cCarbs = columnIndex(table, 'carbs_g');
  const cInsulin = columnIndex(table, 'insulin_u_per_min');
  const n = table.rows.length;
  if (n === 0) throw new InputError(file, '', 'no input rows after the header');
  const minute = new Int32Array(n);
  const carbsG = new Float64Array(n);
  const insulinUPerMin = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const where = `line ${table.lines[r]}`;
    const m = numberCell(table, r, cMinute);
    if (!Number.isInteger(m) || m < 0) throw new InputError(file, `${where}, column minute`, `'${m}' is not a whole minute ≥ 0`);
    if (m >= MAX_SCENARIO_MINUTES) throw new InputError(file, `${where}, column minute`, `must be < ${MAX_SCENARIO_MINUTES} (${MAX_SCENARIO_DAYS} days, the longest run), got ${m}`);
    if (r === 0 && m !== 0) throw new InputError(file, `${where}, column minute`, `inputs must start at minute 0, got ${m}`);
    if (r > 0 && m <= minute[r - 1]) {
      throw new InputError(file, `${where}, column minute`, `minutes must increase: ${m} follows ${minute[r - 1]}`);
    }
    const carbs = numberCell(table, r, cCarbs);
    if (!(carbs >= 0 && carbs <= MAX_MEAL_CARBS_G)) throw new InputError(file, `${where}, column carbs_g`, `must be from 0 to ${MAX_MEAL_CARBS_G} g (one meal), got ${carbs}`);
    const insulin = numberCell(table, r, cInsulin);
    if (!(insulin >= 0 && insulin <= MAX_PUMP_BOLUS_U)) {
      throw new InputError(file, `${where}, column insulin_u_per_min`, `must be from 0 to ${MAX_PUMP_BOLUS_U} U/min (the largest pump bolus in one minute), got ${insulin}`);
    }
    minute[r] = m;
    carbsG[r] = carbs;
    insulinUPerMin[r] = insulin;
  }
  return { minute, carbsG, insulinUPerMin };
}

/** Blood glucose (mg/dL) at minutes 0 … last input minute + 1. */
export function replay(model: PatientModel, inputs: ReplayInputs, eatRateGPerMin = REFERENCE_EAT_RATE_G_PER_MIN): Float64Array {
  if (!(eatRateGPerMin > 0)) throw new RangeError(`eating rate must be > 0 g/min, got ${eatRateGPerMin}`);
  const n = inputs.minute.length;
  const end = inputs.minute[n - 1] + 1;
  const patient = new PatientSimulator(model, end);
  const bg = new Float64Array(end + 1);
  let row = 0;
  try {
    for (let m = 0; m < end; m++) {
      if (row + 1 < n && inputs.minute[row + 1] === m) row++;
      if (inputs.minute[row] === m && inputs.carbsG[row] > 0) patient.eat(inputs.carbsG[row], eatRateGPerMin);
      bg[m] = patient.bloodGlucoseAt(m);
      patient.beginMinute(m, inputs.insulinUPerMin[row]);
    }
    bg[end] = patient.bloodGlucoseAt(end);
  } catch (err) {
    // Replays start at midnight (minute 0 is 00:00).
    if (err instanceof IntegratorError) throw new ModelIntegrationError(model.name, 0, err);
    throw err;
  }
  return bg;
}

/** CSV text `minute,bg_mg_dl`. */
export function formatReplayCsv(bg: Float64Array): string {
  const lines = ['minute,bg_mg_dl'];
  for (let m = 0; m < bg.length; m++) lines.push(`${m},${bg[m].toFixed(6)}`);
  return lines.join('\n') + '\n';
}
