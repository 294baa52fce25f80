/**
 * The Grid World experiment file (experiments/ppopi-gridworld.json): the
 * mazes of Chen & Ye 2025, §7 (how many, their seed, size and wall
 * probability), the learning (γ), the study's limits, the key size of the
 * encrypted run and the modes to run. Checked by the project's one schema
 * validator; errors name the file and the field.
 */
import { InputError } from '../../io/errors.js';
import { readJsonFile } from '../../io/json.js';
import { compileValidator } from '../../io/schema.js';
import { STUDY_MODES, type StudyMode } from './gridWorldStudy.js';

export interface GridWorldExperiment {
  /** The file it was read from. */
  readonly file: string;
  readonly name: string;
  readonly description?: string;
  readonly mazes: number;
  /** Key of the mazes' random streams (as text: 7 and "7" are the same seed). */
  readonly seed: number | string;
  readonly columns: number;
  readonly rows: number;
  readonly wallProbability: number;
  readonly gamma: number;
  readonly maxRounds: number;
  readonly maxStepsPerAttempt: number;
  /** Bit length of the encrypted run's modulus N (passed to its pipeline). */
  readonly keyBits: number;
  readonly modes: readonly StudyMode[];
}

export const DEFAULT_KEY_BITS = 1024;

type ExperimentFile = Omit<GridWorldExperiment, 'file' | 'keyBits'> & { keyBits?: number };

const positiveInteger = { type: 'integer', minimum: 1 } as const;

/** JSON Schema of a Grid World experiment file (draft-07, closed). */
export const GRID_WORLD_EXPERIMENT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'glucosim PPOPI Grid World experiment',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'mazes', 'seed', 'columns', 'rows', 'wallProbability', 'gamma', 'maxRounds', 'maxStepsPerAttempt', 'modes'],
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string', minLength: 1 },
    mazes: { ...positiveInteger, description: 'number of mazes (the paper: 100)' },
    seed: { type: ['integer', 'string'], description: 'key of the mazes\' random streams' },
    columns: { type: 'integer', minimum: 2, description: 'maze width; start in column 0, goal in the last column (the paper: 20)' },
    rows: { ...positiveInteger, description: 'maze height (the paper: 10)' },
    wallProbability: { type: 'number', minimum: 0, exclusiveMaximum: 1, description: 'probability that a cell other than start and goal is a wall (the paper: 0.2)' },
    gamma: {
      type: 'number',
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      description: 'discount of policy evaluation; below 1 so that a policy bumping into a wall for ever still has a finite value',
    },
    maxRounds: { ...positiveInteger, description: 'rounds (attempts) per maze before it is given up as unconverged' },
    maxStepsPerAttempt: { ...positiveInteger, description: 'steps after which an attempt is cut short' },
    keyBits: { type: 'integer', minimum: 128, maximum: 8192, description: `bit length of N for the encrypted run (default ${DEFAULT_KEY_BITS})` },
    modes: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...STUDY_MODES] } },
  },
} as const;

const validate = compileValidator<ExperimentFile>(GRID_WORLD_EXPERIMENT_SCHEMA);

/** Check an experiment file's JSON; `file` names it in errors. */
export function parseGridWorldExperiment(json: unknown, file: string): GridWorldExperiment {
  const raw = validate(json, file);
  if (typeof raw.seed === 'string' && raw.seed.trim() === '') throw new InputError(file, 'seed', 'must not be empty');
  return { ...raw, file, keyBits: raw.keyBits ?? DEFAULT_KEY_BITS };
}

/** Read and check an experiment file. */
export function loadGridWorldExperiment(file: string): GridWorldExperiment {
  return parseGridWorldExperiment(readJsonFile(file, 'experiment file'), file);
}
