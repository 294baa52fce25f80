/**
 * The `mdp` controller's registry entry: options (the MDP definition, π0,
 * learning days, recalibration, exploration, a policy file to start from
 * or a policy table to follow),
 * its phases and the tables of its learned policy for the report.
 */
import { besideFile } from '../../io/paths.js';
import { InputError } from '../../io/errors.js';
import { joinField } from '../../io/schema.js';
import { MDI_OPTIONS_SCHEMA, parseMdiOptions, SPLIT_MIXED_EXAMPLE } from '../multipleDailyInjections.js';
import type { ControllerEntry, LogTable, OptionsSource, TherapySettings } from '../types.js';
import { MDP_DEFINITION_PROPERTIES, type MdpDefinitionFile, parseMdpDefinition } from './definitionFile.js';
import { MDP_SLOT_OWNER, MdpController, type MdpControllerOptions } from './mdpController.js';
import { guardOption, hypoglycaemiaGuardSchema, learningPhases, penDevicesProblem, variedPreparations } from './penAtSlots.js';
import { readPolicyFile } from './policyFile.js';
import { readPolicyTableFile } from './policyTable.js';
import { regimenDosesAtSlot } from './physicianRegimen.js';
import { levelCount, levelGlucoseMgDl, nearestDoseIndex } from './space.js';

interface MdpOptionsFile extends MdpDefinitionFile {
  learningDays: number;
  physicianRegimen: Record<string, unknown>;
  recalibrateEvery?: number;
  exploration?: number;
  explorationSteps?: number;
  raiseAboveMgDl?: number;
  hypoglycaemiaGuard?: { belowMgDl: number; days: number } | false;
  startFrom?: string;
  policyTable?: string;
}

const OPTIONS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['learningDays', 'physicianRegimen'],
  properties: {
    learningDays: { type: 'integer', minimum: 0, maximum: 3650, description: 'days under the physician\'s regimen before the first policy (phase B)' },
    physicianRegimen: { ...MDI_OPTIONS_SCHEMA, description: 'π0: doses at times of day and a sliding scale, as the multiple-daily-injections controller takes them' },
    recalibrateEvery: { type: 'integer', minimum: 1, description: 'M: transitions between recalibrations of the policy (phase D); default 5, one day of five readings' },
    exploration: { type: 'number', minimum: 0, maximum: 1, description: 'probability of a neighbouring dose at a reading while learning; default 0.5' },
    explorationSteps: { type: 'integer', minimum: 1, maximum: 64, description: 'how many steps of a dose list a neighbouring dose is away; default 2 (4 U on the default 2 U grid)' },
    raiseAboveMgDl: { type: 'number', minimum: 0, maximum: 1000, description: 'learning tries a higher dose only on a reading above this, mg/dL; default 180, the top of the target range' },
    hypoglycaemiaGuard: hypoglycaemiaGuardSchema('after a reading below belowMgDl, for `days` days give no more of any preparation than π0 would; false: no guard (the paper has none). Default 72 mg/dL, 3 days'),
    startFrom: { type: 'string', minLength: 1, description: 'a policy.json (glucosim mdp learn) whose counts to start from, relative to this file' },
    policyTable: {
      type: 'string',
      minLength: 1,
      description: 'a policy table file (glucosim-mdp-table/1, e.g. written by glucosim ppopi t2dm) whose table for this patient and seed to follow, unchanged, after learningDays instead of solving the counts; relative to this file',
    },
    ...MDP_DEFINITION_PROPERTIES,
  },
} as const;

const MDP_PREPARATIONS = ['regular', 'nph', 'long'] as const;

export function parseMdpOptions(options: Readonly<Record<string, unknown>>, source: OptionsSource): MdpControllerOptions {
  const raw = options as unknown as MdpOptionsFile;
  const { learningDays: _l, physicianRegimen: _p, recalibrateEvery: _r, exploration: _e, explorationSteps: _x, raiseAboveMgDl: _a, hypoglycaemiaGuard: _g, startFrom: _s, policyTable: _t, ...definitionFile } = raw;
  const definition = parseMdpDefinition(definitionFile, source.file, source.field);
  const regimenField = joinField(source.field, 'physicianRegimen');
  const physicianRegimen = parseMdiOptions(raw.physicianRegimen, { file: source.file, field: regimenField });
  if (physicianRegimen.mealBolus) throw new InputError(source.file, joinField(regimenField, 'mealBolus'), 'the MDP acts at meter readings with regular, NPH and long-acting insulin: π0 cannot bolus for meals');
  const given = [...physicianRegimen.doses.map((d) => d.preparation), ...(physicianRegimen.slidingScale ? [physicianRegimen.slidingScale.preparation] : [])];
  for (const prep of given) {
    if (!(MDP_PREPARATIONS as readonly string[]).includes(prep)) {
      throw new InputError(source.file, regimenField, `gives ${prep} insulin, which is not in the MDP's action space (regular, nph, long: Shifrin & Siegelmann 2017, §2.3)`);
    }
    if (definition.actions[prep as (typeof MDP_PREPARATIONS)[number]].length < 2) {
      throw new InputError(source.file, joinField(source.field, `actions.${prep}`), `has only the dose 0, but the physician's regimen gives ${prep} insulin: π0 must be an action of the space`);
    }
  }
  if (raw.policyTable !== undefined && raw.startFrom !== undefined) {
    throw new InputError(source.file, joinField(source.field, 'policyTable'), 'a policy table is followed as it is: it cannot be combined with startFrom, whose counts the controller would solve');
  }
  let startFrom: MdpControllerOptions['startFrom'];
  if (raw.startFrom !== undefined) {
    const file = besideFile(source.file, raw.startFrom);
    startFrom = { file, counts: readPolicyFile(file, definition).counts };
  }
  const policyTable = raw.policyTable === undefined ? undefined : readPolicyTableFile(besideFile(source.file, raw.policyTable), definition);
  return {
    definition,
    learningDays: raw.learningDays,
    physicianRegimen,
    recalibrateEvery: raw.recalibrateEvery ?? 5,
    exploration: raw.exploration ?? 0.5,
    explorationSteps: raw.explorationSteps ?? 2,
    raiseAboveMgDl: raw.raiseAboveMgDl ?? 180,
    ...guardOption(raw.hypoglycaemiaGuard, { belowMgDl: 72, days: 3 }),
    ...(startFrom ? { startFrom } : {}),
    ...(policyTable ? { policyTable } : {}),
  };
}

/** The learned policy of one patient's log (MdpController.dailyLog) as a table: slots × glucose levels. */
export function describeMdpLog(log: Readonly<Record<string, readonly number[]>>, options: MdpControllerOptions): LogTable[] {
  const def = options.definition;
  const L = levelCount(def.space.glucose);
  const regular = log['policy.regularU'];
  const nph = log['policy.nphU'];
  const long = log['policy.longU'];
  const visits = log['policy.visits'];
  if (!regular || regular.length !== L * def.space.slots.names.length) return [];
  const cell = (s: number) => {
    if (Number.isNaN(regular[s])) return 'π0';
    const parts = [regular[s] ? `R${regular[s]}` : '', nph[s] ? `N${nph[s]}` : '', long[s] ? `L${long[s]}` : ''].filter(Boolean);
    return `${parts.join(' ') || '0'} (${visits[s]})`;
  };
  const header = ['slot', ...Array.from({ length: L }, (_, k) => `${levelGlucoseMgDl(def.space.glucose, k)}–${levelGlucoseMgDl(def.space.glucose, k + 1)}`)];
  const rows = def.space.slots.names.map((name, slot) => [name, ...Array.from({ length: L }, (_, k) => cell(slot * L + k))]);
  if (log.policyTable) {
    return [
      {
        title: 'Followed policy table',
        caption: 'Dose triplet per slot and glucose level (mg/dL) of the policy table this patient followed after its learning days: R regular, N NPH, L long-acting, U; in brackets this patient\'s own visits of that state-action pair; π0 where the table leaves the state to the physician\'s regimen.',
        header,
        rows,
      },
    ];
  }
  return [
    {
      title: 'Learned policy',
      caption: 'Dose triplet per slot and glucose level (mg/dL): R regular, N NPH, L long-acting, U; in brackets the visits of that state-action pair; π0 where there were too few data and the physician\'s regimen decides.',
      header,
      rows,
    },
  ];
}

/**
 * Why π0 does not fit the action space for this patient, or undefined. π0
 * is given as the nearest action (ties to the smaller dose), so a dose of
 * the regimen — its weight-based doses at this body weight, summed per slot,
 * plus the sliding scale where the regimen doses — would otherwise change
 * without a word: above the largest dose of its list it is cut to that
 * dose; a positive dose nearest to 0, or a sliding-scale step that does not
 * change the action, disappears.
 */
export function regimenProblem(options: MdpControllerOptions, therapy: TherapySettings): string | undefined {
  const def = options.definition;
  const regimen = options.physicianRegimen;
  const atSlot = def.space.slots.timesOfDayMin.map((_, slot) => regimenDosesAtSlot(regimen, def.space.slots, slot, therapy.bodyWeightKg));
  const scale = regimen.slidingScale;
  const round = (x: number) => Math.round(x * 10) / 10;
  for (const [slot, { doses: base, dosed }] of atSlot.entries()) {
    if (!dosed) continue;
    const at = `at the ${def.space.slots.names[slot]} reading`;
    const steps = [0, ...(scale?.steps.map((s) => s.units) ?? [])];
    for (const prep of MDP_PREPARATIONS) {
      const list = def.actions[prep];
      const nearest = (x: number) => list[nearestDoseIndex(list, x)];
      const doses = prep === scale?.preparation ? steps.map((u) => base[prep] + u) : [base[prep]];
      const largest = Math.max(...doses);
      // Up to half a step above the largest dose is what the pen's rounding would do anyway.
      const halfStep = list.length > 1 ? (list[list.length - 1] - list[list.length - 2]) / 2 : 0;
      if (largest > list[list.length - 1] + halfStep) {
        return `the physician's regimen gives up to ${round(largest)} U of ${prep} ${at}, above the largest dose of actions.${prep} (${list[list.length - 1]} U): extend the list`;
      }
      if (base[prep] > 0 && nearest(base[prep]) === 0) {
        return `the physician's regimen gives ${round(base[prep])} U of ${prep} ${at}, which the nearest dose of actions.${prep} makes 0: add a smaller dose to the list`;
      }
      if (prep === scale?.preparation) {
        for (let k = 1; k < doses.length; k++) {
          if (nearest(doses[k]) === nearest(doses[k - 1]) && steps[k] !== steps[k - 1]) {
            return `the sliding scale's step to ${steps[k]} U of ${prep} ${at} gives the same dose of actions.${prep} as the step below it (${nearest(doses[k])} U): use finer doses`;
          }
        }
      }
    }
  }
  return undefined;
}

export const mdpEntry: ControllerEntry<MdpControllerOptions> = {
  name: 'mdp',
  description: 'Shifrin & Siegelmann 2017: an MDP of glucose level × time of day learned from the patient\'s readings under the physician\'s regimen, then its optimal dose triplets (needs a pen and a meter)',
  optionsSchema: OPTIONS_SCHEMA,
  parseOptions: parseMdpOptions,
  inputFiles: (options, file) => [options.startFrom, options.policyTable].filter((p): p is string => typeof p === 'string').map((p) => besideFile(file, p)),
  patientProblem: regimenProblem,
  devicesProblem: (options, devices) => penDevicesProblem('mdp', options.definition.space.slots, devices, MDP_SLOT_OWNER),
  phases: (options, days) => learningPhases(options.learningDays, days, 'learning (π0)', options.policyTable ? 'following the policy table' : 'exploitation (MDP policy)'),
  describeLog: describeMdpLog,
  preparations: (options) => variedPreparations(options.definition.actions),
  create: (options, context) => new MdpController(options, context),
  examples: [
    {
      title: 'one day under split-mixed NPH + regular with a sliding scale, then the learned policy',
      options: {
        learningDays: 1,
        exploration: 0.5,
        recalibrateEvery: 2,
        physicianRegimen: SPLIT_MIXED_EXAMPLE,
      },
      patients: ['t2dm', 't1d'],
      delivery: 'pen',
    },
    {
      title: 'long-acting at night as π0, a 20 mg/dL axis, per-measurement discount',
      options: {
        learningDays: 1,
        physicianRegimen: { doses: [{ time: '22:00', preparation: 'long', unitsPerKg: 0.2 }] },
        glucose: { minMgDl: 60, maxMgDl: 320, bfcMgDl: 20 },
        actions: { regular: [0, 2, 4], nph: [0], long: [0, 10, 14, 18, 22, 26] },
        discount: { gamma: 0.95, per: 'measurement' },
        minVisits: 1,
      },
      patients: ['t1d', 't2dm'],
      delivery: 'pen',
    },
  ],
};
