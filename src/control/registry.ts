/**
 * Controllers by name, as scenario files refer to them, with validation of
 * their options (errors name the scenario file and the option's field path).
 */
import { InputError } from '../io/errors.js';
import { parseActorCriticOptions } from './actorCritic.js';
import { ActorCriticWithRunIn } from './actorCriticWithRunIn.js';
import { MultipleDailyInjections, parseMdiOptions } from './multipleDailyInjections.js';
import { STANDARD_THERAPY_DEFAULTS, StandardTherapy, type StandardTherapyOptions } from './standardTherapy.js';
import type { InsulinPreparation } from '../model/patientModel.js';
import type { Controller, TherapySettings } from './types.js';

export interface ControllerEntry {
  readonly description: string;
  /** Validate options (throws InputError) and return a factory for one patient. */
  prepare(options: Readonly<Record<string, unknown>>, file: string): (therapy: TherapySettings, seed: number | string) => Controller;
  /** The insulin preparations the controller may inject with these options (the model carries their depots). */
  preparations?(options: Readonly<Record<string, unknown>>, file: string): readonly InsulinPreparation[];
  /** Takes an experiment's run-in (days under the starting therapy before it adapts) as option `runInDays`. */
  readonly takesRunIn?: boolean;
}

type OptionKind = 'boolean' | 'number';

/** Check `options` against `defaults`: known keys only, right types, finite numbers ≥ `min`. */
function validateOptions<T extends object>(
  defaults: T,
  options: Readonly<Record<string, unknown>>,
  file: string,
  minimum: Partial<Record<keyof T, number>>,
): T {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(options)) {
    const field = `controller.options.${key}`;
    if (!(key in defaults)) {
      throw new InputError(file, field, `unknown option (known: ${Object.keys(defaults).join(', ')})`);
    }
    const kind = typeof (defaults as Record<string, unknown>)[key] as OptionKind;
    if (typeof value !== kind || (kind === 'number' && !Number.isFinite(value))) {
      throw new InputError(file, field, `must be a ${kind}, got ${JSON.stringify(value)}`);
    }
    const min = minimum[key as keyof T];
    if (kind === 'number' && min !== undefined && (value as number) < min) {
      throw new InputError(file, field, `must be ≥ ${min}, got ${value}`);
    }
    out[key] = value;
  }
  return out as T;
}

export const CONTROLLERS: Readonly<Record<string, ControllerEntry>> = {
  'standard-therapy': {
    description: 'Sensor-augmented pump therapy: basal u2ss·BW/6000, meal bolus CHO/CR + (G−140)/CF above 150 mg/dL',
    prepare(options, file) {
      const opts = validateOptions<StandardTherapyOptions>(STANDARD_THERAPY_DEFAULTS, options, file, {
        targetMgDl: 0,
        correctionThresholdMgDl: 0,
        preBolusMin: 0,
        bolusScale: 0,
        basalUPerH: 0,
        carbRatioGPerU: 0,
        correctionFactorMgDlPerU: 0,
      });
      return (therapy) => new StandardTherapy(therapy, opts);
    },
  },
  'actor-critic': {
    description: 'Actor-critic adapting basal rate and IC ratio daily (seed 003), after a run-in measuring transfer entropy',
    takesRunIn: true,
    prepare(options, file) {
      const { runInDays, ...rest } = options;
      if (runInDays !== undefined && (typeof runInDays !== 'number' || !Number.isInteger(runInDays) || runInDays < 0)) {
        throw new InputError(file, 'controller.options.runInDays', `must be a whole number of days ≥ 0, got ${JSON.stringify(runInDays)}`);
      }
      const opts = parseActorCriticOptions(rest, file);
      const days = (runInDays as number | undefined) ?? 0;
      if (days === 0 && opts.initialisation === 'S3') {
        throw new InputError(file, 'controller.options.initialisation', 'S3 needs a run-in (runInDays ≥ 1) to measure transfer entropy');
      }
      return (therapy, seed) => new ActorCriticWithRunIn(therapy, opts, seed, days);
    },
  },
  'multiple-daily-injections': {
    description: 'Injections of insulin preparations at set times of day, optional sliding scale and rapid meal boluses (needs a pen)',
    prepare(options, file) {
      const opts = parseMdiOptions(options, file);
      return (therapy) => new MultipleDailyInjections(therapy, opts);
    },
    preparations(options, file) {
      const opts = parseMdiOptions(options, file);
      const used = new Set<InsulinPreparation>(opts.doses.map((d) => d.preparation));
      if (opts.slidingScale) used.add(opts.slidingScale.preparation);
      if (opts.mealBolus) used.add('rapid');
      return [...used];
    },
  },
};

/** Look up a controller; an unknown name is an InputError on `controller.name`. */
export function controllerEntry(name: string, file: string): ControllerEntry {
  const entry = CONTROLLERS[name];
  if (!entry) throw new InputError(file, 'controller.name', `unknown controller '${name}' (known: ${Object.keys(CONTROLLERS).join(', ')})`);
  return entry;
}
