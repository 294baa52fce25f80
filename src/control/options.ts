/**
 * Controller options from a scenario or experiment file, after the registry
 * has checked them against the controller's JSON Schema: its defaults, then
 * the rules that relate two options, with errors naming the file and the
 * option's field.
 */
import { InputError } from '../io/errors.js';
import { joinField } from '../io/schema.js';
import type { OptionsSource } from './types.js';

/** A rule across options: undefined when it holds, else the field (relative to the options) and the reason. */
export type OptionsRule<O> = (options: O) => { readonly field: string; readonly reason: string } | undefined;

/** `parseOptions` of a registry entry whose options are flat: defaults, then rules. */
export function optionsParser<O extends object>(
  defaults: O,
  rule?: OptionsRule<O>,
): (options: Readonly<Record<string, unknown>>, source: OptionsSource) => O {
  return (options, source) => {
    const merged = { ...defaults, ...(options as Partial<O>) } as O;
    const problem = rule?.(merged);
    if (problem) throw new InputError(source.file, joinField(source.field, problem.field), problem.reason);
    return merged;
  };
}

/** The `bolusTiming` option of the controllers that bolus for meals (src/control/mealBolus.ts). */
export const BOLUS_TIMING_SCHEMA = {
  enum: ['intake', 'announcement'],
  description: 'intake: at the last control instant before intake (minus any pre-bolus); announcement: at the first control instant after the meal is announced',
} as const;
