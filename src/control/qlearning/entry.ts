/**
 * The `q-learning` controller's registry entry: options (the Q-learning
 * definition without the batch training's τ and R_max, learning days, the
 * hypoglycaemia guard, a Q-table file to start from), its phases and the
 * table of its learned policy for the report.
 */
import { besideFile } from '../../io/paths.js';
import { guardOption, hypoglycaemiaGuardSchema, learningPhases, penDevicesProblem, variedPreparations } from '../mdp/penAtSlots.js';
import { levelCount, levelGlucoseMgDl } from '../mdp/space.js';
import type { ControllerEntry, LogTable, OptionsSource } from '../types.js';
import { QLearningController, type QLearningControllerOptions, Q_LEARNING_SLOT_OWNER } from './controller.js';
import { parseQLearningDefinition, Q_LEARNING_DEFINITION_PROPERTIES, type QLearningDefinitionFile } from './definition.js';
import { readQTable } from './qTableFile.js';

interface QLearningOptionsFile extends Omit<QLearningDefinitionFile, 'batchSize' | 'rounds'> {
  learningDays: number;
  hypoglycaemiaGuard?: { belowMgDl: number; days: number } | false;
  startFrom?: string;
}

/** The definition's properties the online controller takes: all but the batch training's τ and R_max (it learns one transition a step, τ = 1). */
const { batchSize: _batchSize, rounds: _rounds, ...ONLINE_DEFINITION_PROPERTIES } = Q_LEARNING_DEFINITION_PROPERTIES;

/** 72 mg/dL (4.0 mmol/L), as the `mdp` controller; one day, since the cap is no insulin at all rather than the physician's doses. */
const DEFAULT_GUARD = { belowMgDl: 72, days: 1 };

const OPTIONS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['learningDays'],
  properties: {
    learningDays: { type: 'integer', minimum: 0, maximum: 3650, description: 'days of ε-greedy online learning; then the greedy policy of the table learned' },
    hypoglycaemiaGuard: hypoglycaemiaGuardSchema('after a reading below belowMgDl, for `days` days give no insulin; false: no guard (OIDPR has none). Default 72 mg/dL, 1 day'),
    startFrom: { type: 'string', minLength: 1, description: 'a Q-table file (glucosim-qtable/1) to start from, relative to this file' },
    ...ONLINE_DEFINITION_PROPERTIES,
  },
} as const;

export function parseQLearningOptions(options: Readonly<Record<string, unknown>>, source: OptionsSource): QLearningControllerOptions {
  const raw = options as unknown as QLearningOptionsFile;
  const { learningDays: _l, hypoglycaemiaGuard: _g, startFrom: _s, ...definitionFile } = raw;
  const definition = parseQLearningDefinition(definitionFile, source.file, source.field);
  let startFrom: QLearningControllerOptions['startFrom'];
  if (raw.startFrom !== undefined) {
    const file = besideFile(source.file, raw.startFrom);
    startFrom = { file, q: readQTable(file, definition).q };
  }
  return {
    definition,
    learningDays: raw.learningDays,
    ...guardOption(raw.hypoglycaemiaGuard, DEFAULT_GUARD),
    ...(startFrom ? { startFrom } : {}),
  };
}

/** The greedy policy of one patient's log (QLearningController.dailyLog) as a table: slots × glucose levels. */
export function describeQLearningLog(log: Readonly<Record<string, readonly number[]>>, options: QLearningControllerOptions): LogTable[] {
  const def = options.definition;
  const L = levelCount(def.space.glucose);
  const regular = log['policy.regularU'];
  const nph = log['policy.nphU'];
  const long = log['policy.longU'];
  const updates = log['policy.updates'];
  const stateUpdates = log['policy.stateUpdates'];
  if (!regular || !nph || !long || !updates || !stateUpdates || regular.length !== L * def.space.slots.names.length) return [];
  const cell = (s: number) => {
    if (stateUpdates[s] === 0) return '—';
    const parts = [regular[s] ? `R${regular[s]}` : '', nph[s] ? `N${nph[s]}` : '', long[s] ? `L${long[s]}` : ''].filter(Boolean);
    return `${parts.join(' ') || '0'} (${updates[s]})`;
  };
  const header = ['slot', ...Array.from({ length: L }, (_, k) => `${levelGlucoseMgDl(def.space.glucose, k)}–${levelGlucoseMgDl(def.space.glucose, k + 1)}`)];
  const rows = def.space.slots.names.map((name, slot) => [name, ...Array.from({ length: L }, (_, k) => cell(slot * L + k))]);
  return [
    {
      title: 'Learned Q-policy',
      caption:
        'Greedy dose triplet per slot and glucose level (mg/dL) of the final Q-table: R regular, N NPH, L long-acting, U; in brackets the updates of that state-action entry; — where the state was never updated (the greedy choice is then no insulin).',
      header,
      rows,
    },
  ];
}

export const qLearningEntry: ControllerEntry<QLearningControllerOptions> = {
  name: 'q-learning',
  description:
    'OIDPR (optimized insulin dosage via privacy-preserving reinforcement learning for diabetics): online fixed-point Q-learning of pen doses at the meter readings, on the glucose level × time-of-day states of Shifrin & Siegelmann 2017, ε-greedy, then greedy (needs a pen and a meter)',
  optionsSchema: OPTIONS_SCHEMA,
  parseOptions: parseQLearningOptions,
  inputFiles: (options, file) => (typeof options.startFrom === 'string' ? [besideFile(file, options.startFrom)] : []),
  devicesProblem: (options, devices) => penDevicesProblem('q-learning', options.definition.space.slots, devices, Q_LEARNING_SLOT_OWNER),
  phases: (options, days) => learningPhases(options.learningDays, days, 'learning (ε-greedy)', 'exploitation (greedy Q-policy)'),
  describeLog: describeQLearningLog,
  preparations: (options) => variedPreparations(options.definition.actions),
  create: (options, context) => new QLearningController(options, context),
  examples: [
    {
      title: 'the defaults: regular insulin 0–18 U at the four-point profile, one day of ε-greedy learning, then greedy',
      options: { learningDays: 1 },
      patients: ['t2dm', 't1d'],
      delivery: 'pen',
    },
    {
      title: 'regular and NPH at five readings a day, 20 fraction bits, a slower ε schedule, no guard',
      options: {
        learningDays: 1,
        slots: [
          { name: 'morning', time: '07:00' },
          { name: 'noon', time: '12:00' },
          { name: 'afternoon', time: '16:00' },
          { name: 'evening', time: '19:00' },
          { name: 'night', time: '22:00' },
        ],
        glucose: { minMgDl: 60, maxMgDl: 320, bfcMgDl: 20 },
        actions: { regular: [0, 2, 4, 6], nph: [0, 8, 12], long: [0] },
        reward: { targetMgDl: 120, hypoLevels: 1 },
        alpha: 0.2,
        gamma: 0.9,
        fractionBits: 20,
        epsilon: { start: 0.5, end: 0.05, decayPerStep: 0.9 },
        hypoglycaemiaGuard: false,
      },
      patients: ['t2dm'],
      delivery: 'pen',
    },
  ],
};
