/**
 * Pooled learning of the insulin MDP through PPOPI (src/control/ppopi/):
 * every patient's table read from encrypted requests equals the plain
 * pooled policy of the same learner, and both are the MDP controller's own
 * greedy policy on the pooled counts; each patient's own table is the MDP
 * controller's policy on its own counts; the server refuses a bad reward
 * and counts nothing. 512-bit fixture keys, a few synthetic patients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEFINITION, parseMdpDefinition } from '../../../src/control/mdp/definitionFile.js';
import { type MdpDefinition, newCounts, solveMdp } from '../../../src/control/mdp/model.js';
import { PHYSICIAN_DECIDES } from '../../../src/control/mdp/policyTable.js';
import { glucoseReward } from '../../../src/control/mdp/reward.js';
import { actionCount, actionIndex, levelGlucoseMgDl, stateCount, stateIndex, stateSlot } from '../../../src/control/mdp/space.js';
import { POLICY_SOURCE } from '../../../src/control/mdp/valueIteration.js';
import { learnerOptions, ownTables, pooledTables, type PoolingPatient, shuffled } from '../../../src/control/ppopi/pooledPolicy.js';
import { tableFromAnswers } from '../../../src/control/ppopi/tableChoice.js';
import { PpopiRefusal } from '../../../src/privacy/ppopi/messages.js';
import { type InProcessSystem, inProcessSystem, openTask } from '../../../src/privacy/ppopi/system.js';
import { TransitionLearner } from '../../../src/privacy/ppopi/transitionLearner.js';
import { TransitionPolicyServer } from '../../../src/privacy/ppopi/transitionServer.js';
import { encryptTransitions } from '../../../src/privacy/ppopi/transitionUser.js';
import { randomStream } from '../../../src/random/streams.js';
import { fixture } from '../../privacy/bcp/helpers.js';

const DEFINITION: MdpDefinition = parseMdpDefinition({ ...DEFAULT_DEFINITION, discount: { gamma: 0.98, per: 'measurement' }, tolerance: 1e-11 }, 'test', '');
const PATIENTS = ['p1', 'p2', 'p3', 'p4'];
const SEED = 'pooled-test';

/**
 * A patient's walk over the MDP's states: slots in turn, glucose drifting
 * down with regular insulin (2 U steps) and up without; the reward of the
 * reached level, as the records' walk gives it.
 */
function syntheticPatient(patient: string, n: number): PoolingPatient {
  const random = randomStream(SEED, patient, 'walk');
  const S = stateCount(DEFINITION.space);
  const L = S / DEFINITION.space.slots.names.length;
  const T = DEFINITION.space.slots.names.length;
  const transitions = [];
  let level = random.integerIn(3, 7);
  let slot = 0;
  for (let i = 0; i < n; i++) {
    const regular = random.integerIn(0, 4);
    const nph = random.integerIn(0, 2) * 2;
    const drift = 1 - regular / 2 + random.integerIn(-1, 1);
    const nextLevel = Math.min(L - 1, Math.max(0, level + Math.round(drift)));
    const nextSlot = (slot + 1) % T;
    const state = stateIndex(DEFINITION.space, level, slot);
    const nextState = stateIndex(DEFINITION.space, nextLevel, nextSlot);
    transitions.push({ state, action: actionIndex(DEFINITION.actions, regular, nph, 0), nextState, reward: glucoseReward(DEFINITION.space.glucose, DEFINITION.reward, levelGlucoseMgDl(DEFINITION.space.glucose, nextLevel) + 1) });
    level = nextLevel;
    slot = nextSlot;
  }
  // π0: 4 U regular and 6 U NPH in the first slot, nothing elsewhere (any fixed table would do).
  const preferred = Int32Array.from({ length: S }, (_, s) => (stateSlot(DEFINITION.space, s) === 0 ? actionIndex(DEFINITION.actions, 2, 3, 0) : 0));
  return { patient, transitions, preferred };
}

let system: InProcessSystem;
const patients = PATIENTS.map((p, i) => syntheticPatient(p, 60 + 10 * i));

beforeAll(() => {
  const { parameters, master } = fixture(512);
  system = inProcessSystem(parameters, master, [...PATIENTS, 'mallory']);
}, 60_000);

afterAll(async () => {
  await system.kgc.close();
});

/** The MDP controller's greedy policy on counts, as a table (π0 where it has no data). */
function mdpTable(transitions: PoolingPatient['transitions'], preferred: Int32Array): Int32Array {
  const counts = newCounts(DEFINITION);
  for (const t of transitions) counts.add(t.state, t.action, t.nextState);
  const solution = solveMdp(DEFINITION, counts, preferred);
  expect(solution.converged).toBe(true);
  return Int32Array.from({ length: stateCount(DEFINITION.space) }, (_, s) => (solution.policy.source[s] === POLICY_SOURCE.learned ? solution.policy.action[s] : PHYSICIAN_DECIDES));
}

describe('pooled tables through PPOPI', () => {
  it('every patient\'s table from encrypted requests equals the plain pooled policy and the MDP solver\'s on the pooled counts', async () => {
    const started = performance.now();
    const result = await pooledTables(DEFINITION, patients, system, { taskId: 'pooled', shuffle: (p) => randomStream(SEED, p, 'order') });
    // The plain reference, rebuilt here: the same learner fed the same shuffled batches in the clear.
    const plain = new TransitionLearner(actionCount(DEFINITION.actions), learnerOptions(DEFINITION));
    for (const p of patients) {
      plain.ingest(shuffled(p.transitions, randomStream(SEED, p.patient, 'order')).map((t) => ({ state: `s:${t.state}`, action: `a:${t.action}`, next: `s:${t.nextState}`, reward: t.reward })));
    }
    const all = patients.flatMap((p) => p.transitions);
    let learned = 0;
    for (const p of patients) {
      const answers = Array.from({ length: stateCount(DEFINITION.space) }, (_, s) => plain.answer(`s:${s}`).map((a) => ({ action: Number(a.action.slice(2)), q: a.q })));
      const table = result.tables.get(p.patient)!;
      expect([...table]).toEqual([...tableFromAnswers(answers, p.preferred)]);
      expect([...table]).toEqual([...mdpTable(all, p.preferred)]);
      learned += table.filter((a) => a !== PHYSICIAN_DECIDES).length;
    }
    expect(learned).toBeGreaterThan(4 * 20);
    expect(result.server.transitions).toBe(all.length);
    expect(result.costs.requests).toBe(PATIENTS.length * stateCount(DEFINITION.space));
    // Rewards are a level's: the server learns at most one value per level reached.
    expect(result.server.distinctRewards).toBeLessThanOrEqual(10);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('each patient\'s own table is the MDP solver\'s policy on its own counts', () => {
    const { tables } = ownTables(DEFINITION, patients);
    for (const p of patients) expect([...tables.get(p.patient)!]).toEqual([...mdpTable(p.transitions, p.preferred)]);
  });

  it('refuses a non-finite reward, a stranger and a per-day discount, counting nothing', async () => {
    openTask(system, 'refusals', { stateCount: stateCount(DEFINITION.space), actionCount: actionCount(DEFINITION.actions) }, {}, ['p1', 'p2']);
    const server = new TransitionPolicyServer(system.server);
    server.openTask('refusals', { stateCount: stateCount(DEFINITION.space), actionCount: actionCount(DEFINITION.actions) }, learnerOptions(DEFINITION));
    const p1 = system.users.get('p1')!;
    const batch = encryptTransitions(p1, 'refusals', [
      { state: 1, action: 2, next: 3, reward: 0.5 },
      { state: 3, action: 2, next: 4, reward: NaN },
    ]);
    await expect(server.submitTransitions('refusals', 'p1', batch)).rejects.toThrow('server: transitions[1].reward: must be a finite number');
    await expect(server.submitTransitions('refusals', 'mallory', encryptTransitions(p1, 'refusals', [{ state: 1, action: 2, next: 3, reward: 0 }]))).rejects.toThrow(
      new PpopiRefusal('server', 'transitions', "'mallory' is not a registered user of task 'refusals'"),
    );
    expect(server.summary('refusals').transitions).toBe(0);
    await server.submitTransitions('refusals', 'p1', encryptTransitions(p1, 'refusals', [{ state: 1, action: 2, next: 3, reward: 0.5 }]));
    const answer = p1.readAnswer('refusals', await server.request('refusals', 'p1', p1.encryptValue('refusals', 'state', 1)));
    expect(answer).toEqual([{ action: 2, q: 0.5 + 0.98 * (0.5 / (1 - 0.98)) }]);
    expect(() => learnerOptions({ ...DEFINITION, discount: { gamma: 0.9, per: 'day' } })).toThrow(/per measurement/);
  });
});
