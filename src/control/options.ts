/**
 * Controller options from a scenario or experiment file: the controller's
 * JSON Schema (validated like every input file, src/io/schema.ts), then its
 * defaults, then the rules that relate two options, all with errors naming
 * the file and the option's field.
 */
import { InputError } from '../io/errors.js';
import { compileValidator, joinField, type JsonSchema } from '../io/schema.js';
import type { OptionsSource } from './types.js';

/** A rule across options: undefined when it holds, else the field (relative to the options) and the reason. */
export type OptionsRule<O> = (options: O) => { readonly field: string; readonly reason: string } | undefined;

/** `parseOptions` of a registry entry: schema, then defaults, then rules. */
export function optionsParser<O extends object>(
  schema: JsonSchema,
  defaults: O,
  rule?: OptionsRule<O>,
): (options: Readonly<Record<string, unknown>>, source: OptionsSource) => O {
  const validate = compileValidator<Partial<O>>(schema);
  return (options, source) => {
    const given = source.validated ? (options as Partial<O>) : validate(options, source.file, source.field);
    const merged = { ...defaults, ...given } as O;
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
