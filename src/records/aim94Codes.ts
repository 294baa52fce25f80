/**
 * The codes of the UCI "Diabetes" data set (AIM-94 data set provided by
 * Michael Kahn, MD, PhD, Washington University, St. Louis, MO; UCI Machine
 * Learning Repository), as its file `Data-Codes` lists them, mapped to the
 * record format of types.ts. Codes the list does not name (0, 4, 36 and 56
 * occur in the files) have no meaning here.
 */
import type { GlucoseContext, RecordEventName, RecordPreparation } from './types.js';

export type Aim94Meaning =
  | { readonly kind: 'glucose'; readonly context: GlucoseContext }
  | { readonly kind: 'insulin'; readonly preparation: RecordPreparation }
  | { readonly kind: 'event'; readonly event: RecordEventName };

const glucose = (context: GlucoseContext): Aim94Meaning => ({ kind: 'glucose', context });
const insulin = (preparation: RecordPreparation): Aim94Meaning => ({ kind: 'insulin', preparation });
const event = (name: RecordEventName): Aim94Meaning => ({ kind: 'event', event: name });

/** Data-Codes, in its order. */
const AIM94_CODES: ReadonlyMap<number, Aim94Meaning> = new Map([
  [33, insulin('regular')], // Regular insulin dose
  [34, insulin('nph')], // NPH insulin dose
  [35, insulin('ultralente')], // UltraLente insulin dose
  [48, glucose('unspecified')], // Unspecified blood glucose measurement
  [57, glucose('unspecified')], // Unspecified blood glucose measurement
  [58, glucose('pre-breakfast')], // Pre-breakfast blood glucose measurement
  [59, glucose('post-breakfast')], // Post-breakfast blood glucose measurement
  [60, glucose('pre-lunch')], // Pre-lunch blood glucose measurement
  [61, glucose('post-lunch')], // Post-lunch blood glucose measurement
  [62, glucose('pre-supper')], // Pre-supper blood glucose measurement
  [63, glucose('post-supper')], // Post-supper blood glucose measurement
  [64, glucose('pre-snack')], // Pre-snack blood glucose measurement
  [65, event('hypoglycaemic-symptoms')], // Hypoglycemic symptoms
  [66, event('meal-typical')], // Typical meal ingestion
  [67, event('meal-more')], // More-than-usual meal ingestion
  [68, event('meal-less')], // Less-than-usual meal ingestion
  [69, event('exercise-typical')], // Typical exercise activity
  [70, event('exercise-more')], // More-than-usual exercise activity
  [71, event('exercise-less')], // Less-than-usual exercise activity
  [72, event('special-event')], // Unspecified special event
]);

/** What a code means, or undefined for a code Data-Codes does not list. */
export function aim94Meaning(code: number): Aim94Meaning | undefined {
  return AIM94_CODES.get(code);
}

/** The record's kind and detail as one text: `glucose/pre-breakfast`, `insulin/nph`, `event/meal-more`. */
export function meaningKey(m: Aim94Meaning): string {
  return `${m.kind}/${m.kind === 'glucose' ? m.context : m.kind === 'insulin' ? m.preparation : m.event}`;
}

/** Whether `code` means exactly `m` in AIM-94. */
export function codeMeans(code: number, m: Aim94Meaning): boolean {
  const own = aim94Meaning(code);
  return own !== undefined && meaningKey(own) === meaningKey(m);
}

/** The code written for a meaning when a record has no source code: the first Data-Codes gives it (48 for unspecified glucose). */
export function aim94Code(m: Aim94Meaning): number {
  const key = meaningKey(m);
  for (const [code, meaning] of AIM94_CODES) if (meaningKey(meaning) === key) return code;
  throw new Error(`no AIM-94 code for ${key}`);
}
