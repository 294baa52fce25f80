/**
 * The Q-learning definition (src/control/qlearning/definition.ts) and
 * Q-table files (qTableFile.ts): defaults, refusals naming the field, and a
 * Q-table written and read back bit for bit, refused under another space.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { actionCount, stateCount } from '../../../src/control/mdp/space.js';
import { DEFAULT_Q_LEARNING_DEFINITION, parseQLearningDefinition, qLearningDefinitionToFile, qLearningParameters } from '../../../src/control/qlearning/definition.js';
import { greedyPolicy } from '../../../src/control/qlearning/qLearning.js';
import { qTableDocument, readQTable, writeQTable } from '../../../src/control/qlearning/qTableFile.js';
import { InputError } from '../../../src/io/errors.js';

function refusal(parse: () => unknown): InputError {
  try {
    parse();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('Q-learning definition', () => {
  it('defaults: 10 levels × 4 slots, regular 0–18 U in 2 U steps, OIDPR\'s α, γ, τ, R_max, ε from 1 to 0.1', () => {
    const def = parseQLearningDefinition({}, 'test', '');
    expect(stateCount(def.space)).toBe(40);
    expect(actionCount(def.actions)).toBe(10);
    expect(def.actions.regular).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(def.space.slots.timesOfDayMin).toEqual([420, 720, 1140, 1320]);
    expect([def.alpha, def.gamma, def.fractionBits, def.batchSize, def.rounds]).toEqual([0.1, 0.7, 16, 10, 2]);
    expect(def.epsilon).toEqual({ start: 1, end: 0.1, decayPerStep: 0.95 });
    expect(qLearningParameters(def)).toEqual({ states: 40, actions: 10, alpha: 0.1, gamma: 0.7, fractionBits: 16 });
    // A partial ε keeps the other defaults; the file form is the inverse of parsing.
    expect(parseQLearningDefinition({ epsilon: { end: 0.05 } }, 'test', '').epsilon).toEqual({ start: 1, end: 0.05, decayPerStep: 0.95 });
    expect(qLearningDefinitionToFile(def)).toEqual(DEFAULT_Q_LEARNING_DEFINITION);
  });

  it('refuses, naming the field: ε rising, α below one ulp, and the spaces\' own rules', () => {
    const at = (raw: object) => refusal(() => parseQLearningDefinition(raw, 'q.json', 'controller.options'));
    expect(at({ epsilon: { start: 0.2, end: 0.5 } }).message).toBe('q.json: controller.options.epsilon.end: must not be above epsilon.start (0.2): ε decreases from start to end');
    expect(at({ alpha: 0.001, fractionBits: 8 }).field).toBe('controller.options.alpha');
    expect(at({ glucose: { minMgDl: 40, maxMgDl: 340, bfcMgDl: 35 } }).field).toBe('controller.options.glucose');
    expect(at({ actions: { regular: [2, 4], nph: [0], long: [0] } }).field).toBe('controller.options.actions.regular');
    expect(at({ slots: [{ name: 'a', time: '12:00' }, { name: 'b', time: '07:00' }] }).field).toBe('controller.options.slots[1].time');
    expect(at({ reward: { targetMgDl: 110, hypoLevels: 10 } }).field).toBe('controller.options.reward.hypoLevels');
  });
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'glucosim-qtable-'));
  dirs.push(d);
  return d;
}

describe('Q-table files', () => {
  const def = parseQLearningDefinition({ actions: { regular: [0, 2, 4], nph: [0, 10], long: [0] } }, 'test', '');
  const S = stateCount(def.space);
  const A = actionCount(def.actions);
  const q = new BigInt64Array(S * A);
  for (let i = 0; i < q.length; i++) q[i] = BigInt((i * 7919) % 200_003) - 100_000n;
  q[0] = 2n ** 62n; // beyond a double's 53 bits: kept exactly
  q[1] = -(2n ** 63n);

  it('writes the raw int64 values as decimal strings, one row per state, with the greedy policy, and reads them back exactly', () => {
    const file = join(tempDir(), 'q.json');
    writeQTable(file, def, q, { from: 'a test' });
    const text = readFileSync(file, 'utf8');
    const doc = JSON.parse(text) as ReturnType<typeof qTableDocument>;
    expect(doc.format).toBe('glucosim-qtable/1');
    expect(doc.fractionBits).toBe(16);
    expect(doc.q).toHaveLength(S);
    expect(doc.q[0]).toEqual([String(2n ** 62n), String(-(2n ** 63n)), ...Array.from(q.subarray(2, A), String)]);
    expect(text).toContain(`    ${JSON.stringify(doc.q[3])},\n`);
    const greedy = greedyPolicy(q, S, A);
    expect(doc.policy.map((p) => p.action)).toEqual([...greedy]);
    expect(doc.policy[0]).toMatchObject({ slot: 'breakfast', level: 1, fromMgDl: 40, toMgDl: 70 });
    const back = readQTable(file, def);
    expect([...back.q]).toEqual([...q]);
    expect(back.definition).toEqual(def);
    expect(back.learnedFrom).toEqual({ from: 'a test' });
  });

  it('refuses a table of another space or fraction bits, or of the wrong shape, naming the field', () => {
    const dir = tempDir();
    const file = join(dir, 'q.json');
    writeQTable(file, def, q);
    const other = parseQLearningDefinition({}, 'test', '');
    expect(refusal(() => readQTable(file, other)).field).toBe('definition.actions.regular');
    const finer = parseQLearningDefinition({ actions: { regular: [0, 2, 4], nph: [0, 10], long: [0] }, fractionBits: 20 }, 'test', '');
    expect(refusal(() => readQTable(file, finer)).message).toMatch(/q\.json: definition\.fractionBits: is 16, but the controller's is 20/);
    // α, γ, ε and the reward may differ.
    expect(() => readQTable(file, { ...def, alpha: 0.5, gamma: 0.9 })).not.toThrow();
    const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
    const broken = (change: (d: Record<string, any>) => void) => {
      const copy = structuredClone(doc);
      change(copy);
      const path = join(dir, 'broken.json');
      writeFileSync(path, JSON.stringify(copy));
      return refusal(() => readQTable(path, def));
    };
    expect(broken((d) => d.q.pop()).field).toBe('q');
    expect(broken((d) => d.q[2].pop()).field).toBe('q[2]');
    expect(broken((d) => (d.q[1][0] = '9223372036854775808')).field).toBe('q[1][0]');
    expect(broken((d) => (d.q[1][0] = '1.5')).field).toBe('q[1][0]');
    expect(broken((d) => (d.fractionBits = 12)).field).toBe('fractionBits');
    expect(broken((d) => (d.format = 'glucosim-qtable/2')).field).toBe('format');
    expect(broken((d) => delete d.definition.epsilon).field).toBe('definition.epsilon');
  });
});
