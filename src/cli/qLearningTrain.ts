/**
 * `glucosim q-learning train <records.csv> [options] --out table.json`:
 * plain fixed-point Q-learning (src/control/qlearning/qLearning.ts,
 * `trainBatches`: ρ batches of τ records for R_max rounds) on the
 * experience records of measurement records, written as a Q-table file
 * (glucosim-qtable/1) that the `q-learning` controller can start from
 * (`startFrom`). The same records and definition as `secure-q train`, in
 * the clear: the reference its secure training must equal.
 */
import { resolve } from 'node:path';
import { qLearningParameters } from '../control/qlearning/definition.js';
import { greedyPolicy, trainBatches } from '../control/qlearning/qLearning.js';
import { writeQTable } from '../control/qlearning/qTableFile.js';
import { type LearningArguments, learningInputs } from './learningInputs.js';
import { checkOutputFile } from './outputDir.js';
import { GLUCOSIM_VERSION } from './version.js';

export interface QLearningTrainArguments extends LearningArguments {
  readonly out: string;
  /** Replace an existing Q-table file. */
  readonly force?: boolean;
}

export function qLearningTrainCommand(args: QLearningTrainArguments): string {
  checkOutputFile(args.out, args.force, '--out', [args.records, ...(args.definition ? [args.definition] : [])]);
  const { definition, experience } = learningInputs(args);
  const parameters = qLearningParameters(definition);
  const { batchSize, rounds } = definition;
  const { q, steps } = trainBatches(parameters, experience.records, { batchSize, rounds });
  writeQTable(args.out, definition, q, {
    records: args.records,
    patients: experience.patients.map((p) => ({ patient: p.patient, transitions: p.count })),
    transitions: experience.records.length,
    batchSize,
    rounds,
    glucosim: GLUCOSIM_VERSION,
  });
  const policy = greedyPolicy(q, parameters.states, parameters.actions);
  const visited = new Set(experience.records.map((r) => r.state)).size;
  return `q-learning train: ${experience.records.length} transitions of ${experience.patients.length} patient(s), δ = ${parameters.states}, σ = ${parameters.actions}, τ = ${batchSize}, Rmax = ${rounds}: ${steps} steps; ${visited} of ${policy.length} states seen\n${resolve(args.out)}\n`;
}
