/**
 * The project's patient-record format: one event a row — a blood glucose
 * reading, an insulin dose or a noted event (a meal, exercise, symptoms) —
 * as real patient records give them (docs/records.md). Written and read as
 * CSV by recordsCsv.ts; imported from the UCI "Diabetes" (AIM-94) data set
 * by aim94.ts.
 */

/** When a glucose reading was taken, as the record names it. */
export type GlucoseContext =
  | 'pre-breakfast'
  | 'post-breakfast'
  | 'pre-lunch'
  | 'post-lunch'
  | 'pre-supper'
  | 'post-supper'
  | 'pre-snack'
  | 'unspecified';

/** The insulin preparation of a dose. */
export type RecordPreparation = 'regular' | 'nph' | 'ultralente';

/** Events a record notes without a value. */
export type RecordEventName =
  | 'hypoglycaemic-symptoms'
  | 'meal-typical'
  | 'meal-more'
  | 'meal-less'
  | 'exercise-typical'
  | 'exercise-more'
  | 'exercise-less'
  | 'special-event';

/**
 * One record. `time` is the local wall-clock time `YYYY-MM-DDTHH:MM` (the
 * sources give no time zone); `minute` is the minutes since 1970-01-01T00:00
 * of that same wall clock (Date.UTC, so no daylight-saving jumps), for
 * ordering and gaps; `sourceCode` keeps the original AIM-94 code when there
 * is one.
 */
export type PatientRecord =
  | { readonly patient: string; readonly time: string; readonly minute: number; readonly kind: 'glucose'; readonly context: GlucoseContext; readonly valueMgDl: number; readonly sourceCode?: number }
  | { readonly patient: string; readonly time: string; readonly minute: number; readonly kind: 'insulin'; readonly preparation: RecordPreparation; readonly units: number; readonly sourceCode?: number }
  | { readonly patient: string; readonly time: string; readonly minute: number; readonly kind: 'event'; readonly event: RecordEventName; readonly sourceCode?: number };
