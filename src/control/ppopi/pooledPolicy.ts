/**
 * One insulin policy learned from many patients' encrypted records: the
 * "categories of individuals" Shifrin & Siegelmann 2017 name as their next
 * step (§5), through PPOPI (Chen & Ye 2025, §5).
 *
 * 1. Each patient is a PPOPI user. Its transitions are the MDP's own
 *    (the record walk of src/control/mdp/transitionWalk.ts, with the MDP
 *    definition's state and action indices and the reward of the reached
 *    level, as the Q-learning experience records take them); it shuffles
 *    them and uploads them encrypted, rewards in the clear (§5.3).
 * 2. The server converts and unifies them into tags (§5.4–5.5), counts and
 *    iterates the policy (src/privacy/ppopi/transitionLearner.ts).
 * 3. Each patient asks, by one encrypted request per MDP state (§5.6),
 *    for the state's trusted actions and their Q values, reads the answer
 *    through the task's tag key and picks its dose (tableChoice.ts): its
 *    dosing table.
 *
 * The same learner is fed the same records in the same order in the clear
 * (keys `s:<state>`, `a:<action>`); every patient's answers from the
 * encrypted requests must equal the plain learner's, action for action and
 * Q value for Q value, or the pipeline fails: the tables it returns are
 * those of the plain pooled policy.
 *
 * Asking about every state, not only the one a reading falls in, keeps the
 * patient's daily glucose from the server: the requests are the same for
 * every patient, and the patient doses from its table afterwards without
 * asking anything.
 */
import type { InProcessSystem } from '../../privacy/ppopi/system.js';
import { openTask } from '../../privacy/ppopi/system.js';
import type { ContinuingLearningOptions } from '../../privacy/ppopi/continuingPolicyIteration.js';
import { actionKey, stateKey } from '../../privacy/ppopi/plainPipeline.js';
import { type TransitionLearnerSummary, TransitionLearner } from '../../privacy/ppopi/transitionLearner.js';
import { TransitionPolicyServer } from '../../privacy/ppopi/transitionServer.js';
import { encryptTransitions } from '../../privacy/ppopi/transitionUser.js';
import type { RandomStream } from '../../random/streams.js';
import type { MdpDefinition } from '../mdp/model.js';
import { actionCount, stateCount } from '../mdp/space.js';
import type { ExperienceRecord } from '../qlearning/qLearning.js';
import { tableFromAnswers, type ValuedAction } from './tableChoice.js';

/** One patient of the pool. */
export interface PoolingPatient {
  /** Its name, which is also its PPOPI user id. */
  readonly patient: string;
  /** Its transitions (s, a, s′, r), in time order. */
  readonly transitions: readonly ExperienceRecord[];
  /** π0's action per state (src/control/mdp/physicianRegimen.ts `physicianActions`). */
  readonly preferred: Int32Array;
}

/** The learner's options for a definition: γ per measurement and the definition's minVisits. */
export function learnerOptions(definition: MdpDefinition): Partial<ContinuingLearningOptions> & { readonly gamma: number } {
  if (definition.discount.per !== 'measurement') {
    // A per-day discount needs to know which transitions cross midnight, i.e. the slots of the states, which the tags hide.
    throw new RangeError(`the pooled learner discounts per measurement (the server sees no time of day), not per ${definition.discount.per}`);
  }
  return { gamma: definition.discount.gamma, minVisits: definition.minVisits };
}

/** A plain learner's answer in the patient's terms. */
function plainAnswer(learner: TransitionLearner, state: number): ValuedAction[] {
  return learner.answer(stateKey(state)).map(({ action, q }) => ({ action: Number(action.slice(2)), q }));
}

/** Fisher–Yates with a seeded stream: a patient's upload order. */
export function shuffled<T>(items: readonly T[], random: RandomStream): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.integerIn(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Each patient's table learned from its own transitions alone, by the same learner in the clear. */
export function ownTables(definition: MdpDefinition, patients: readonly PoolingPatient[]): { readonly tables: ReadonlyMap<string, Int32Array>; readonly summaries: ReadonlyMap<string, TransitionLearnerSummary> } {
  const options = learnerOptions(definition);
  const S = stateCount(definition.space);
  const tables = new Map<string, Int32Array>();
  const summaries = new Map<string, TransitionLearnerSummary>();
  for (const p of patients) {
    const learner = new TransitionLearner(actionCount(definition.actions), options);
    learner.ingest(p.transitions.map((t) => ({ state: stateKey(t.state), action: actionKey(t.action), next: stateKey(t.nextState), reward: t.reward })));
    tables.set(p.patient, tableFromAnswers(Array.from({ length: S }, (_, s) => plainAnswer(learner, s)), p.preferred));
    summaries.set(p.patient, learner.summary());
  }
  return { tables, summaries };
}

export interface PooledCosts {
  /** The users' encryption of their transitions (§5.3), ms, all patients. */
  readonly encryptMs: number;
  /** The server's conversion and the KGC's unification of the uploads (§5.4–5.5), ms. */
  readonly unifyMs: number;
  /** Counting, ms. */
  readonly countMs: number;
  /** Policy iteration, ms. */
  readonly iterateMs: number;
  /** The encrypted requests (§5.6): encryption, conversion, unification, answer, reading, ms, all patients. */
  readonly requestMs: number;
  readonly requests: number;
  /** Values encrypted and unified: 3 per transition, 1 per request. */
  readonly valuesUnified: number;
}

export interface PooledResult {
  /** Each patient's table from its encrypted requests (equal to the plain pooled learner's: checked). */
  readonly tables: ReadonlyMap<string, Int32Array>;
  /** What the server holds of the pooled records, and its last policy iteration. */
  readonly server: TransitionLearnerSummary & { readonly evaluationSweeps: number; readonly improvementSteps: number };
  readonly costs: PooledCosts;
}

export interface PoolingOptions {
  /** The PPOPI task of this pool (one per study seed). */
  readonly taskId: string;
  /** Each patient's stream for the order of its upload. */
  readonly shuffle: (patient: string) => RandomStream;
  readonly progress?: (line: string) => void;
}

/**
 * The pooled policy through PPOPI (module comment): `system` must have
 * every patient registered as a user. Throws if any patient's answers
 * from its encrypted requests differ from the plain pooled learner's.
 */
export async function pooledTables(definition: MdpDefinition, patients: readonly PoolingPatient[], system: InProcessSystem, options: PoolingOptions): Promise<PooledResult> {
  const learning = learnerOptions(definition);
  const shape = { stateCount: stateCount(definition.space), actionCount: actionCount(definition.actions) };
  const { taskId } = options;
  const progress = options.progress ?? (() => {});
  const ids = patients.map((p) => p.patient);
  openTask(system, taskId, shape, {}, ids);
  const server = new TransitionPolicyServer(system.server);
  server.openTask(taskId, shape, learning);
  const plain = new TransitionLearner(shape.actionCount, learning);

  let encryptMs = 0;
  let unifyMs = 0;
  let countMs = 0;
  let valuesUnified = 0;
  for (const [i, p] of patients.entries()) {
    if (p.transitions.length === 0) continue;
    const batch = shuffled(p.transitions, options.shuffle(p.patient)).map((t) => ({ state: t.state, action: t.action, next: t.nextState, reward: t.reward }));
    const user = system.users.get(p.patient)!;
    const t0 = performance.now();
    const encrypted = encryptTransitions(user, taskId, batch);
    encryptMs += performance.now() - t0;
    const costs = await server.submitTransitions(taskId, p.patient, encrypted);
    unifyMs += costs.unifyMs;
    countMs += costs.countMs;
    valuesUnified += 3 * batch.length;
    plain.ingest(batch.map((t) => ({ state: stateKey(t.state), action: actionKey(t.action), next: stateKey(t.next), reward: t.reward })));
    progress(`${taskId}: patient ${i + 1}/${patients.length} uploaded ${batch.length} transitions`);
  }
  const t1 = performance.now();
  const summary = server.summary(taskId);
  const iterateMs = performance.now() - t1;
  plain.improve();

  const tables = new Map<string, Int32Array>();
  // The plain pooled learner's answers, the same for every patient: each encrypted answer must equal them bit for bit
  // (then the tables, made by the same deterministic tableFromAnswers, are equal too).
  const references = Array.from({ length: shape.stateCount }, (_, s) => plainAnswer(plain, s));
  const t2 = performance.now();
  for (const [i, p] of patients.entries()) {
    const user = system.users.get(p.patient)!;
    const answers: ValuedAction[][] = [];
    for (let s = 0; s < shape.stateCount; s++) {
      const answer = user.readAnswer(taskId, await server.request(taskId, p.patient, user.encryptValue(taskId, 'state', s)));
      const reference = references[s];
      if (answer.length !== reference.length || answer.some((a, k) => a.action !== reference[k].action || !Object.is(a.q, reference[k].q))) {
        throw new Error(`PPOPI: patient ${p.patient}'s answer for state ${s} differs from the plain pooled learner's (${JSON.stringify(answer)} vs ${JSON.stringify(reference)})`);
      }
      answers.push(answer);
    }
    tables.set(p.patient, tableFromAnswers(answers, p.preferred));
    progress(`${taskId}: patient ${i + 1}/${patients.length} read its table (${shape.stateCount} encrypted requests)`);
  }
  const requestMs = performance.now() - t2;
  const requests = patients.length * shape.stateCount;
  return {
    tables,
    server: summary,
    costs: { encryptMs, unifyMs, countMs, iterateMs, requestMs, requests, valuesUnified: valuesUnified + requests },
  };
}
