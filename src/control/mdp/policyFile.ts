/**
 * `policy.json`: what `glucosim mdp learn` writes and the `mdp` controller
 * can start from — the MDP definition, the counts ν(s, a, s′) it was learned
 * from (so a controller starting from it keeps counting, phase D), and the
 * policy per state with its visit counts, value and where it comes from.
 */
import { InputError } from '../../io/errors.js';
import { readJsonFile } from '../../io/json.js';
import { compileValidator } from '../../io/schema.js';
import { TransitionCounts } from './counts.js';
import { definitionToFile, MDP_DEFINITION_PROPERTIES, type MdpDefinitionFile, parseMdpDefinition, spaceMismatch } from './definitionFile.js';
import { type MdpDefinition, type MdpSolution, newCounts } from './model.js';
import { levelGlucoseMgDl, actionCount, actionDoses, type DoseTriplet, levelCount, stateCount, stateLevel, stateSlot } from './space.js';
import { POLICY_SOURCE } from './valueIteration.js';

export const POLICY_FORMAT = 'glucosim-mdp-policy/1';

export interface PolicyState {
  readonly slot: string;
  /** 1-based level, as the paper counts, and its glucose interval [from, to) mg/dL. */
  readonly level: number;
  readonly fromMgDl: number;
  readonly toMgDl: number;
  readonly reward: number;
  readonly value: number;
  /** The learned dose triplet, or null where the physician's regimen decides (no data). */
  readonly action: DoseTriplet | null;
  readonly source: 'learned' | 'physician';
  /** Visits of the chosen (state, action) pair, and of the state under any action. */
  readonly visits: number;
  readonly stateVisits: number;
}

export interface PolicyDocument {
  readonly format: typeof POLICY_FORMAT;
  /** What it was learned from (files, patients, glucosim version): free-form, for the reader. */
  readonly learnedFrom: Readonly<Record<string, unknown>>;
  readonly definition: Required<MdpDefinitionFile>;
  /** [state, action, next state, count] of every counted transition. */
  readonly counts: readonly (readonly [number, number, number, number])[];
  readonly transitions: number;
  readonly valueIteration: { readonly sweeps: number; readonly errorBound: number; readonly converged: boolean };
  readonly states: readonly PolicyState[];
}

/** The policy document of a solved model. */
export function policyDocument(def: MdpDefinition, counts: TransitionCounts, solution: MdpSolution, learnedFrom: Record<string, unknown>): PolicyDocument {
  const states: PolicyState[] = [];
  for (let s = 0; s < stateCount(def.space); s++) {
    const level = stateLevel(def.space, s);
    const learned = solution.policy.source[s] === POLICY_SOURCE.learned;
    states.push({
      slot: def.space.slots.names[stateSlot(def.space, s)],
      level: level + 1,
      fromMgDl: levelGlucoseMgDl(def.space.glucose, level),
      toMgDl: levelGlucoseMgDl(def.space.glucose, level + 1),
      reward: solution.model.reward[s],
      value: solution.values[s],
      action: learned ? actionDoses(def.actions, solution.policy.action[s]) : null,
      source: learned ? 'learned' : 'physician',
      visits: solution.policy.visits[s],
      stateVisits: counts.stateVisits(s),
    });
  }
  return {
    format: POLICY_FORMAT,
    learnedFrom,
    definition: definitionToFile(def),
    counts: counts.entries(),
    transitions: counts.total,
    valueIteration: { sweeps: solution.sweeps, errorBound: solution.errorBound, converged: solution.converged },
    states,
  };
}

const count = { type: 'integer', minimum: 0 } as const;

const POLICY_SCHEMA = {
  type: 'object',
  required: ['format', 'definition', 'counts'],
  properties: {
    format: { const: POLICY_FORMAT },
    learnedFrom: { type: 'object' },
    definition: { type: 'object', additionalProperties: false, required: Object.keys(MDP_DEFINITION_PROPERTIES), properties: MDP_DEFINITION_PROPERTIES },
    counts: { type: 'array', items: { type: 'array', minItems: 4, maxItems: 4, items: count } },
    transitions: count,
    valueIteration: { type: 'object' },
    states: { type: 'array' },
  },
} as const;

const validatePolicy = compileValidator<{ definition: MdpDefinitionFile; counts: number[][] }>(POLICY_SCHEMA);

/**
 * Read a policy file: its definition and counts (the policy itself is
 * recomputed from them). With `expected`, the file must have the same state
 * and action spaces, else it is refused naming the field that differs.
 */
export function readPolicyFile(file: string, expected?: MdpDefinition): { definition: MdpDefinition; counts: TransitionCounts } {
  const raw = validatePolicy(readJsonFile(file, 'MDP policy file'), file);
  const definition = parseMdpDefinition(raw.definition, file, 'definition');
  if (expected) {
    const mismatch = spaceMismatch(expected, definition);
    if (mismatch) {
      throw new InputError(file, `definition.${mismatch.field}`, `is ${mismatch.theirs}, but the controller's is ${mismatch.ours}: a policy of another state or action space cannot be used`);
    }
  }
  const counts = newCounts(definition);
  const S = stateCount(definition.space);
  const A = actionCount(definition.actions);
  raw.counts.forEach(([s, a, next, n], i) => {
    if (s >= S || next >= S) throw new InputError(file, `counts[${i}]`, `state ${Math.max(s, next)} is outside the ${S} states (${levelCount(definition.space.glucose)} levels × ${definition.space.slots.names.length} slots)`);
    if (a >= A) throw new InputError(file, `counts[${i}]`, `action ${a} is outside the ${A} actions`);
    if (n < 1) throw new InputError(file, `counts[${i}]`, 'a count must be at least 1');
    counts.add(s, a, next, n);
  });
  return { definition, counts };
}
