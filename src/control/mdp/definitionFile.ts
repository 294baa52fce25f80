/**
 * The MDP definition as files write it (controller options, policy.json):
 * glucose axis, named slots at "HH:MM", dose lists, reward, discount — its
 * JSON Schema, defaults, and the checks across fields, with errors naming
 * the file and the field. The first four — the learning spaces (states,
 * actions, reward) — are shared with the Q-learning definition
 * (src/control/qlearning/definition.ts).
 */
import { InputError } from '../../io/errors.js';
import { joinField } from '../../io/schema.js';
import { formatTimeOfDay, parseTimeOfDay, TIME_OF_DAY_PATTERN } from '../../io/timeOfDay.js';
import type { MdpDefinition } from './model.js';
import { DEFAULT_REWARD, type RewardParameters, rewardProblem } from './reward.js';
import { type ActionSpace, actionSpaceProblem, levelCountProblem, type StateSpace } from './space.js';

/** The learning spaces as written in a file: glucose axis, slots, dose lists, reward. */
export interface SpacesFile {
  glucose?: { minMgDl: number; maxMgDl: number; bfcMgDl: number };
  slots?: { name: string; time: string }[];
  actions?: { regular: number[]; nph: number[]; long: number[] };
  reward?: { targetMgDl: number; hypoLevels: number };
}

/** As written in a file. */
export interface MdpDefinitionFile extends SpacesFile {
  discount?: { gamma: number; per: 'measurement' | 'day' };
  minVisits?: number;
  tolerance?: number;
}

/** What a learner of glucose levels × slots needs of a definition: the state and action spaces and the reward (MDP and Q-learning alike). */
export interface LearningSpaces {
  readonly space: StateSpace;
  readonly actions: ActionSpace;
  readonly reward: RewardParameters;
}

const doses = { type: 'array', minItems: 1, maxItems: 64, items: { type: 'number', minimum: 0, maximum: 200 } } as const;

/** The schema's properties of the learning spaces (glucose, slots, actions, reward), to embed in an MDP or Q-learning schema. */
export const SPACES_PROPERTIES = {
  glucose: {
    type: 'object',
    additionalProperties: false,
    required: ['minMgDl', 'maxMgDl', 'bfcMgDl'],
    description: 'the glucose axis gl_min…gl_max cut into (max − min)/bfc levels (Shifrin & Siegelmann 2017, §2.1.1)',
    properties: {
      minMgDl: { type: 'number', minimum: 0, maximum: 1000 },
      maxMgDl: { type: 'number', minimum: 1, maximum: 1000 },
      bfcMgDl: { type: 'number', exclusiveMinimum: 0, maximum: 1000 },
    },
  },
  slots: {
    type: 'array',
    minItems: 1,
    maxItems: 24,
    description: 'the measurement times of day (§2.1.2); a reading belongs to the nearest',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'time'],
      properties: { name: { type: 'string', minLength: 1 }, time: { type: 'string', pattern: TIME_OF_DAY_PATTERN } },
    },
  },
  actions: {
    type: 'object',
    additionalProperties: false,
    required: ['regular', 'nph', 'long'],
    description: 'doses (U) of short-, intermediate- and long-acting insulin, each list starting at 0 (§2.3)',
    properties: { regular: doses, nph: doses, long: doses },
  },
  reward: {
    type: 'object',
    additionalProperties: false,
    required: ['targetMgDl', 'hypoLevels'],
    description: 'gl_h and L^c of the reward (§2.2)',
    properties: { targetMgDl: { type: 'number', minimum: 0, maximum: 1000 }, hypoLevels: { type: 'integer', minimum: 1 } },
  },
} as const;

/** The schema's properties, to embed in an options or policy schema. */
export const MDP_DEFINITION_PROPERTIES = {
  ...SPACES_PROPERTIES,
  discount: {
    type: 'object',
    additionalProperties: false,
    required: ['gamma', 'per'],
    description: 'γ per measurement (equation 1) or per day (equation 2), §2.5',
    properties: { gamma: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 }, per: { enum: ['measurement', 'day'] } },
  },
  minVisits: { type: 'integer', minimum: 1, description: 'visits a (state, action) pair needs before the policy may choose it' },
  tolerance: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'value iteration stops when ‖V − V*‖∞ is within this' },
} as const;

/** Morning, noon, afternoon, evening, night (§2.1.2, example 2.1) at the meter times of src/devices/smbg.ts FIVE_A_DAY. */
export const DEFAULT_SLOTS = [
  { name: 'morning', time: '07:00' },
  { name: 'noon', time: '12:00' },
  { name: 'afternoon', time: '16:00' },
  { name: 'evening', time: '19:00' },
  { name: 'night', time: '22:00' },
];

/** Whole-unit doses 0, step, 2·step, … up to max. */
export function doseGrid(step: number, max: number): number[] {
  return Array.from({ length: Math.floor(max / step + 1e-9) + 1 }, (_, i) => Math.round(i * step * 1e9) / 1e9);
}

/**
 * Defaults for a virtual T2DM patient measured five times a day, chosen on
 * the shipped cohort (docs/model.md §5): 40–340 mg/dL in 30 mg/dL levels
 * (10 levels; the lowest, below 70 mg/dL, is 𝕃_hyp — the paper's BFC = 1
 * would need years of five readings a day to fill), regular 0–20 U and NPH
 * 0–30 U in 2 U steps, no long-acting insulin; γ = 0.9 per day; every visit
 * counts (as in the paper's phase B).
 */
export const DEFAULT_DEFINITION: Required<MdpDefinitionFile> = {
  glucose: { minMgDl: 40, maxMgDl: 340, bfcMgDl: 30 },
  slots: DEFAULT_SLOTS,
  actions: { regular: doseGrid(2, 20), nph: doseGrid(2, 30), long: [0] },
  reward: { ...DEFAULT_REWARD },
  discount: { gamma: 0.9, per: 'day' },
  minVisits: 1,
  tolerance: 1e-6,
};

/**
 * The learning spaces of a file section whose defaults are filled in,
 * checked across fields; errors under `field` of `file`.
 */
export function parseSpaces(merged: Required<SpacesFile>, file: string, field: string): LearningSpaces {
  const at = (path: string) => joinField(field, path);
  const axisProblem = levelCountProblem(merged.glucose);
  if (axisProblem) throw new InputError(file, at('glucose'), axisProblem);
  const times = merged.slots.map((s, i) => parseTimeOfDay(s.time, file, at(`slots[${i}].time`)));
  for (let i = 1; i < times.length; i++) {
    if (!(times[i] > times[i - 1])) throw new InputError(file, at(`slots[${i}].time`), 'slot times must be in ascending order within the day, without repeats');
  }
  const names = new Set<string>();
  merged.slots.forEach((s, i) => {
    if (names.has(s.name)) throw new InputError(file, at(`slots[${i}].name`), `'${s.name}' is used twice`);
    names.add(s.name);
  });
  const actionProblem = actionSpaceProblem(merged.actions);
  if (actionProblem) throw new InputError(file, at(`actions.${actionProblem.field}`), actionProblem.reason);
  const problem = rewardProblem(merged.glucose, merged.reward);
  if (problem) throw new InputError(file, at(`reward.${problem.field}`), problem.reason);
  return {
    space: { glucose: { ...merged.glucose }, slots: { names: merged.slots.map((s) => s.name), timesOfDayMin: times } },
    actions: { regular: [...merged.actions.regular], nph: [...merged.actions.nph], long: [...merged.actions.long] },
    reward: { ...merged.reward },
  };
}

/** The definition of a file section, defaults filled in, checked across fields; errors under `field` of `file`. */
export function parseMdpDefinition(raw: MdpDefinitionFile, file: string, field: string, defaults: Required<MdpDefinitionFile> = DEFAULT_DEFINITION): MdpDefinition {
  const merged = { ...defaults, ...raw };
  return {
    ...parseSpaces(merged, file, field),
    discount: { ...merged.discount },
    minVisits: merged.minVisits,
    tolerance: merged.tolerance,
  };
}

/** Learning spaces as a file writes them (the inverse of parseSpaces). */
export function spacesToFile(def: LearningSpaces): Required<SpacesFile> {
  return {
    glucose: { ...def.space.glucose },
    slots: def.space.slots.names.map((name, i) => ({ name, time: formatTimeOfDay(def.space.slots.timesOfDayMin[i]) })),
    actions: { regular: [...def.actions.regular], nph: [...def.actions.nph], long: [...def.actions.long] },
    reward: { ...def.reward },
  };
}

/** A definition as a file writes it (the inverse of parseMdpDefinition). */
export function definitionToFile(def: MdpDefinition): Required<MdpDefinitionFile> {
  return {
    ...spacesToFile(def),
    discount: { ...def.discount },
    minVisits: def.minVisits,
    tolerance: def.tolerance,
  };
}

/**
 * The first place where two definitions' state or action spaces differ, as
 * a field path and the two values, or undefined when counts (or a Q-table)
 * learned under one mean the same under the other (reward, discount,
 * minVisits and tolerance may differ: they change the solution, not the
 * counts).
 */
export function spaceMismatch(a: LearningSpaces, b: LearningSpaces): { field: string; ours: string; theirs: string } | undefined {
  const fa = spacesToFile(a);
  const fb = spacesToFile(b);
  const checks: [string, unknown, unknown][] = [
    ['glucose', fa.glucose, fb.glucose],
    ['slots', fa.slots, fb.slots],
    ['actions.regular', fa.actions.regular, fb.actions.regular],
    ['actions.nph', fa.actions.nph, fb.actions.nph],
    ['actions.long', fa.actions.long, fb.actions.long],
  ];
  for (const [field, x, y] of checks) {
    if (JSON.stringify(x) !== JSON.stringify(y)) return { field, ours: JSON.stringify(x), theirs: JSON.stringify(y) };
  }
  return undefined;
}
