/**
 * The Q-learning definition as files write it (controller options, Q-table
 * files): the learning spaces of the MDP definition — glucose axis, day
 * slots, dose lists, reward (src/control/mdp/definitionFile.ts, parsed by
 * the same code) — and the learning parameters of OIDPR (optimized insulin
 * dosage via privacy-preserving reinforcement learning for diabetics),
 * §III-A / §IV: α, γ, the fixed-point fraction bits, batch size τ, rounds
 * R_max and the ε schedule. Its JSON Schema, defaults and checks across
 * fields, with errors naming the file and the field.
 */
import { InputError } from '../../io/errors.js';
import { joinField } from '../../io/schema.js';
import { doseGrid, type LearningSpaces, parseSpaces, SPACES_PROPERTIES, type SpacesFile, spaceMismatch, spacesToFile } from '../mdp/definitionFile.js';
import { DEFAULT_REWARD } from '../mdp/reward.js';
import { actionCount, stateCount } from '../mdp/space.js';
import { DEFAULT_FRACTION_BITS, encodeFixed } from './fixedPoint.js';
import type { EpsilonScheduleOptions, QLearningParameters } from './qLearning.js';

export interface QLearningDefinition extends LearningSpaces {
  /** α, the learning rate. */
  readonly alpha: number;
  /** γ, the discount of one transition (reading to next reading). */
  readonly gamma: number;
  /** f, fraction bits of the fixed-point Q-values. */
  readonly fractionBits: number;
  /** τ, records per batch when training from experience. */
  readonly batchSize: number;
  /** R_max, passes over the batches when training from experience. */
  readonly rounds: number;
  /** ε_i = max(end, start·decayPerStep^i) at the i-th ε-greedy decision. */
  readonly epsilon: Required<EpsilonScheduleOptions>;
}

/** As written in a file. */
export interface QLearningDefinitionFile extends SpacesFile {
  alpha?: number;
  gamma?: number;
  fractionBits?: number;
  batchSize?: number;
  rounds?: number;
  epsilon?: { start?: number; end?: number; decayPerStep?: number };
}

/** The schema's properties of the learning parameters (beside the spaces). */
export const Q_LEARNING_PARAMETER_PROPERTIES = {
  alpha: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'α, the learning rate (OIDPR default 0.1)' },
  gamma: { type: 'number', minimum: 0, exclusiveMaximum: 1, description: 'γ, the discount of one transition, reading to next reading (OIDPR default 0.7)' },
  fractionBits: { type: 'integer', minimum: 8, maximum: 24, description: 'fraction bits f of the fixed-point Q-values in Z_2^64 (default 16)' },
  batchSize: { type: 'integer', minimum: 1, maximum: 1000000, description: 'τ, experience records per batch when training from experience (OIDPR default 10)' },
  rounds: { type: 'integer', minimum: 1, maximum: 10000, description: 'R_max, passes over the batches when training from experience (OIDPR default 2)' },
  epsilon: {
    type: 'object',
    additionalProperties: false,
    description: 'ε-greedy exploration: ε_i = max(end, start·decayPerStep^i) at the i-th decision (defaults 1, 0.1, 0.95)',
    properties: {
      start: { type: 'number', minimum: 0, maximum: 1 },
      end: { type: 'number', minimum: 0, maximum: 1 },
      decayPerStep: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    },
  },
} as const;

/** The schema's properties of a whole definition, to embed in an options or Q-table file schema. */
export const Q_LEARNING_DEFINITION_PROPERTIES = { ...SPACES_PROPERTIES, ...Q_LEARNING_PARAMETER_PROPERTIES } as const;

/**
 * The four-point self-monitoring profile of insulin-treated T2DM — before
 * breakfast, lunch and dinner and at bedtime — at the meter times of the
 * shipped T2DM scenarios (src/devices/smbg.ts FIVE_A_DAY without 16:00).
 */
export const Q_LEARNING_SLOTS = [
  { name: 'breakfast', time: '07:00' },
  { name: 'lunch', time: '12:00' },
  { name: 'dinner', time: '19:00' },
  { name: 'bedtime', time: '22:00' },
];

/** ε from 1 (OIDPR) down to the paper's ε = 0.1, by a factor 0.95 per decision. */
export const DEFAULT_EPSILON: Required<EpsilonScheduleOptions> = { start: 1, end: 0.1, decayPerStep: 0.95 };

/**
 * Defaults, in the spirit of OIDPR's δ = 10 states and σ = 10 actions but
 * for T2DM on multiple daily injections: a Q-table learns every (state,
 * action) entry from its own visits (no model to share them, unlike the
 * MDP), so it must stay small to learn within weeks of four readings a day.
 * - States δ = 40: the MDP's 10 glucose levels (40–340 mg/dL in 30 mg/dL;
 *   the lowest, below 70 mg/dL, fined as near hypoglycaemia) × the 4 slots
 *   above.
 * - Actions σ = 10: regular insulin 0–18 U in 2 U steps before a meal or at
 *   bedtime; no NPH or long-acting choice (the cohort's own secretion covers
 *   basal needs, and every added preparation multiplies σ).
 * - α = 0.1, γ = 0.7, τ = 10, R_max = 2: OIDPR's defaults; f = 16 fraction
 *   bits (an ulp of 1.5e-5 against rewards of order 1); ε from 1 down to the
 *   paper's 0.1 by a factor 0.95 per decision (0.1 after 45 decisions, about
 *   11 days of four readings).
 * - The MDP's reward (gl_h = 110 mg/dL, L^c = 1).
 */
export const DEFAULT_Q_LEARNING_DEFINITION: Required<QLearningDefinitionFile> = {
  glucose: { minMgDl: 40, maxMgDl: 340, bfcMgDl: 30 },
  slots: Q_LEARNING_SLOTS,
  actions: { regular: doseGrid(2, 18), nph: [0], long: [0] },
  reward: { ...DEFAULT_REWARD },
  alpha: 0.1,
  gamma: 0.7,
  fractionBits: DEFAULT_FRACTION_BITS,
  batchSize: 10,
  rounds: 2,
  epsilon: { ...DEFAULT_EPSILON },
};

/** The definition of a file section (after its schema), defaults filled in, checked across fields; errors under `field` of `file`. */
export function parseQLearningDefinition(
  raw: QLearningDefinitionFile,
  file: string,
  field: string,
  defaults: Required<QLearningDefinitionFile> = DEFAULT_Q_LEARNING_DEFINITION,
): QLearningDefinition {
  const merged = { ...defaults, ...raw };
  const at = (path: string) => joinField(field, path);
  const spaces = parseSpaces(merged, file, field);
  const epsilon: Required<EpsilonScheduleOptions> = { ...DEFAULT_EPSILON, ...defaults.epsilon, ...raw.epsilon };
  if (epsilon.end > epsilon.start) throw new InputError(file, at('epsilon.end'), `must not be above epsilon.start (${epsilon.start}): ε decreases from start to end`);
  // α̂ = round(α·2^f) must be at least one ulp, or no update would ever move Q.
  if (encodeFixed(merged.alpha, merged.fractionBits) === 0n) {
    throw new InputError(file, at('alpha'), `${merged.alpha} is 0 at ${merged.fractionBits} fraction bits (one ulp is 2^−${merged.fractionBits}): raise alpha or fractionBits`);
  }
  return {
    ...spaces,
    alpha: merged.alpha,
    gamma: merged.gamma,
    fractionBits: merged.fractionBits,
    batchSize: merged.batchSize,
    rounds: merged.rounds,
    epsilon,
  };
}

/** A definition as a file writes it (the inverse of parseQLearningDefinition). */
export function qLearningDefinitionToFile(def: QLearningDefinition): Required<QLearningDefinitionFile> {
  return {
    ...spacesToFile(def),
    alpha: def.alpha,
    gamma: def.gamma,
    fractionBits: def.fractionBits,
    batchSize: def.batchSize,
    rounds: def.rounds,
    epsilon: { ...def.epsilon },
  };
}

/** What qLearning.ts needs of a definition: δ = stateCount, σ = actionCount, α, γ, f. */
export function qLearningParameters(def: QLearningDefinition): QLearningParameters {
  return { states: stateCount(def.space), actions: actionCount(def.actions), alpha: def.alpha, gamma: def.gamma, fractionBits: def.fractionBits };
}

/**
 * The first place where two definitions' Q-tables mean different things —
 * the state or action spaces, or the fraction bits of the values — as a
 * field path and the two values, or undefined. α, γ, τ, R_max, ε and the
 * reward may differ: they change how a table goes on learning, not what its
 * entries are.
 */
export function qTableMismatch(a: QLearningDefinition, b: QLearningDefinition): { field: string; ours: string; theirs: string } | undefined {
  const spaces = spaceMismatch(a, b);
  if (spaces) return spaces;
  if (a.fractionBits !== b.fractionBits) return { field: 'fractionBits', ours: String(a.fractionBits), theirs: String(b.fractionBits) };
  return undefined;
}
