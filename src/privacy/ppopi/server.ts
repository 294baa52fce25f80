/**
 * PPOPI's server (Chen & Ye 2025, §4.1, §5.2, §5.4–5.7): honest but
 * curious. It collects the task's negotiation parameters and releases g^r
 * (§5.2), converts each user's uploaded ciphertexts to the KGC's key with
 * the user's authorisation A_i (§5.4, eqs. 17–18), realigns them so that
 * each is a BCP encryption of its record's message (§3.3 eq. 8 with a₀ = 0),
 * has the KGC turn them into equality tags (§5.5; kgc.ts says how and why it
 * differs from eq. 22), counts the (state, action, next state) transitions
 * by tag and iterates the policy (attemptServer.ts), and answers encrypted
 * requests (§5.6) and policy requests (§5.7) of the task's users, in tags.
 *
 * It never holds a key that opens a record: its own BCP key opens only the
 * sealed task key s_t. What it sees is the tags, i.e. which records are
 * equal, and the shape of each attempt (its length, where it revisits a
 * state).
 */
import { randomInt } from 'node:crypto';
import { modInverse, modPow } from '../bcp/arith.js';
import type { BcpKeyPair, BcpParameters } from '../bcp/types.js';
import { AttemptPolicyServer, type PolicyView } from './attemptServer.js';
import { checkUnit, checkUploadedValue } from './checks.js';
import type { TaskShape, ValueKind } from './encoding.js';
import type { ImproveStats, LearningOptions } from './policyIteration.js';
import { type EncryptedAttempt, type PolicyAnswer, PpopiRefusal, type UnificationItem, type UploadedValue } from './messages.js';
import { open, type SealedBox } from './sealedBox.js';

const PARTY = 'server';

/** How the server reaches the KGC: in process, or over the network (net/kgcClient.ts). */
export interface KgcEndpoint {
  unify(taskId: string, serverId: string, items: readonly UnificationItem[]): Promise<string[]> | string[];
}

interface ServerTask {
  readonly participants: ReadonlySet<string>;
  readonly shape: TaskShape;
  readonly negotiation: Map<string, bigint>;
  gr?: bigint;
  /** (g^r)^{−s_t} mod N²: with A_i it removes a user's blinding g^{(s_t − s_ti)·r} (eq. 18). */
  grPowerInverse?: bigint;
  /** Per user, A_i·(g^r)^{−s_t} mod N² (eq. 18's factor), set by its authorisation. */
  readonly conversion: Map<string, bigint>;
  readonly learner: AttemptPolicyServer;
}

/** Costs of one upload, ms. */
export interface SubmitCosts {
  /** Checking, conversion and realignment of every value (§5.4, §5.5). */
  readonly convertMs: number;
  /** The KGC's unification, as the server waits for it. */
  readonly unifyMs: number;
  /** Counting and policy iteration. */
  readonly learnMs: number;
  /** The policy iteration's counts (eq. 9 sweeps, eq. 10 steps). */
  readonly improvement: ImproveStats;
}

export class PolicyServer {
  readonly id: string;
  readonly params: BcpParameters;
  private readonly keyPair: BcpKeyPair;
  private readonly kgc: KgcEndpoint;
  private readonly tasks = new Map<string, ServerTask>();

  constructor(id: string, params: BcpParameters, keyPair: BcpKeyPair, kgc: KgcEndpoint) {
    this.id = id;
    this.params = params;
    this.keyPair = keyPair;
    this.kgc = kgc;
  }

  /** Opens a task with its users (registered at the KGC) and its public shape and learning options. */
  openTask(taskId: string, participants: readonly string[], shape: TaskShape, learning: Partial<LearningOptions> = {}): void {
    if (this.tasks.has(taskId)) throw new PpopiRefusal(PARTY, `task '${taskId}'`, 'already exists');
    this.tasks.set(taskId, {
      participants: new Set(participants),
      shape,
      negotiation: new Map(),
      conversion: new Map(),
      learner: new AttemptPolicyServer(shape.actionCount, learning),
    });
  }

  /** §5.2: a participant's np_i. */
  receiveNegotiation(taskId: string, userId: string, np: bigint): void {
    const task = this.participantTask(taskId, userId, 'negotiation');
    if (task.gr !== undefined) throw new PpopiRefusal(PARTY, 'negotiation', `task '${taskId}' has already released g^r`);
    checkUnit(PARTY, 'negotiation.np', np, this.params);
    task.negotiation.set(userId, np);
  }

  /** §5.2 eq. 12: g^r = ∏ np_i mod N², released to the KGC and the users once every participant has sent np_i. */
  taskParameter(taskId: string): bigint {
    const task = this.task(taskId);
    if (task.gr !== undefined) return task.gr;
    const missing = [...task.participants].filter((id) => !task.negotiation.has(id));
    if (missing.length > 0) throw new PpopiRefusal(PARTY, 'taskParameter', `no negotiation parameter yet from ${missing.join(', ')}`);
    let gr = 1n;
    for (const id of task.participants) gr = (gr * task.negotiation.get(id)!) % this.params.nSquared;
    task.gr = gr;
    return gr;
  }

  /** §5.2: the task key s_t, sealed to the server by the KGC. */
  acceptGrant(taskId: string, box: SealedBox): void {
    const task = this.task(taskId);
    if (task.gr === undefined) throw new PpopiRefusal(PARTY, 'grant', `task '${taskId}' has not released g^r yet`);
    const { taskKey } = JSON.parse(open(this.params, this.keyPair, box).toString('utf8')) as { taskKey: string };
    task.grPowerInverse = modInverse(modPow(task.gr, BigInt(`0x${taskKey}`), this.params.nSquared), this.params.nSquared);
  }

  /** §5.3: a user's authorisation A_i = (g^r)^{s_ti}, received over the secret channel. */
  authorise(taskId: string, userId: string, authorisation: bigint): void {
    const task = this.participantTask(taskId, userId, 'authorisation');
    if (task.grPowerInverse === undefined) throw new PpopiRefusal(PARTY, 'authorisation', `task '${taskId}' has no task key yet`);
    checkUnit(PARTY, 'authorisation', authorisation, this.params);
    task.conversion.set(userId, (authorisation * task.grPowerInverse) % this.params.nSquared);
  }

  /**
   * §5.3–5.5: one attempt history from a user. Checked whole, converted,
   * unified and only then counted: a refused value refuses the attempt and
   * nothing is counted. Then the policy is iterated.
   */
  async submitAttempt(taskId: string, userId: string, attempt: EncryptedAttempt & { readonly truncated?: boolean }): Promise<SubmitCosts> {
    const task = this.participantTask(taskId, userId, 'attempt');
    const t0 = performance.now();
    if (!Array.isArray(attempt.states) || !Array.isArray(attempt.actions) || attempt.states.length !== attempt.actions.length + 1 || attempt.actions.length === 0) {
      throw new PpopiRefusal(PARTY, 'attempt', 'an attempt has at least one action and one state more than actions');
    }
    const fields = [...attempt.states.map((_, i) => `attempt.states[${i}]`), ...attempt.actions.map((_, i) => `attempt.actions[${i}]`)];
    const items = [...attempt.states, ...attempt.actions].map((value, i) => this.convert(task, userId, value, fields[i], i < attempt.states.length ? 'state' : 'action'));
    const t1 = performance.now();
    const tags = await this.unifyShuffled(taskId, items, fields);
    const t2 = performance.now();
    try {
      task.learner.ingest({ states: tags.slice(0, attempt.states.length), actions: tags.slice(attempt.states.length), truncated: attempt.truncated === true });
    } catch (err) {
      if (err instanceof RangeError) throw new PpopiRefusal(PARTY, 'attempt', err.message);
      throw err;
    }
    const stats = task.learner.improve();
    const t3 = performance.now();
    return { convertMs: t1 - t0, unifyMs: t2 - t1, learnMs: t3 - t2, improvement: { evaluationSweeps: stats.evaluationSweeps, improvementSteps: stats.improvementSteps, settled: stats.settled } };
  }

  /** §5.4–5.5 alone: the equality tags of a user's uploaded values, all of one kind, in order (nothing is counted). */
  async tags(taskId: string, userId: string, kind: ValueKind, values: readonly UploadedValue[]): Promise<string[]> {
    return this.tagsOf(taskId, userId, 'values', values.map((value, i) => ({ value, field: `values[${i}]`, kind })));
  }

  /** §5.6: an encrypted request for the action at a state; the state's tried actions, best first, in tags. */
  async request(taskId: string, userId: string, state: UploadedValue): Promise<PolicyAnswer> {
    const task = this.participantTask(taskId, userId, 'request');
    const [tag] = await this.unifyShuffled(taskId, [this.convert(task, userId, state, 'request.state', 'state')], ['request.state']);
    // The same values as deliverPolicy, for this state only.
    const actions = task.learner.stateActions(tag).sort((x, y) => y.q - x.q);
    return { actionCount: task.shape.actionCount, actions };
  }

  /** §5.7: the whole policy, in tags, for one of the task's users. */
  deliverPolicy(taskId: string, userId: string): PolicyView {
    return this.participantTask(taskId, userId, 'policy').learner.policyView();
  }

  /**
   * §5.4–5.5 for values of any record layout: the user checked against the
   * task (a refusal names `field`), each value checked (refused with its own
   * field; the KGC refuses one that is not of its `kind`), converted, realigned and unified, sent to the KGC in a random
   * order; the tags in the order given. For learners other than the attempt
   * counter (transitionServer.ts), so that conversion has one implementation.
   */
  async tagsOf(taskId: string, userId: string, field: string, values: readonly { readonly value: UploadedValue; readonly field: string; readonly kind: ValueKind }[]): Promise<string[]> {
    const task = this.participantTask(taskId, userId, field);
    const items = values.map(({ value, field, kind }) => this.convert(task, userId, value, field, kind));
    return this.unifyShuffled(taskId, items, values.map((v) => v.field));
  }

  /** Eq. 18 then eq. 8 with a₀ = 0: (m − b, Enc_{s_t-blinded}(b)) → Enc_KGC(m). */
  private convert(task: ServerTask, userId: string, value: UploadedValue, field: string, kind: ValueKind): UnificationItem {
    const factor = task.conversion.get(userId);
    if (factor === undefined) throw new PpopiRefusal(PARTY, field, `no authorisation from '${userId}' for this task`);
    checkUploadedValue(PARTY, field, value, this.params);
    const { n, nSquared } = this.params;
    const converted = (value.ciphertext.mask.b * factor) % nSquared;
    // Realignment to a₀ = 0 is ⊕ Enc(m − b) with the trivial encryption (1, 1 + (m − b)N): B·(1 + kN) = B + (B·k mod N)·N mod N².
    // Written out rather than by bcp's addPlain, whose unit check (a gcd, ~0.2 ms at 2048 bits) would run on every value; the KGC's decryption refuses a non-unit anyway.
    const realigned = (converted + ((converted * value.ciphertext.masked) % n) * n) % nSquared;
    return { ciphertext: { a: value.ciphertext.mask.a, b: realigned }, proof: value.proof, kind };
  }

  /**
   * The KGC's tags for `items`, sent in a random order (node:crypto) so that
   * the KGC cannot tell which record of the attempt each message is. A KGC
   * refusal of the shuffled batch's item k is passed on naming the field of
   * the value it came from (`fields`, in the order of `items`), not k.
   */
  private async unifyShuffled(taskId: string, items: readonly UnificationItem[], fields: readonly string[]): Promise<string[]> {
    const order = items.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    let tags: string[];
    try {
      tags = await this.kgc.unify(taskId, this.id, order.map((i) => items[i]));
    } catch (err) {
      throw inOriginalPlace(err, order, fields);
    }
    if (!Array.isArray(tags) || tags.length !== items.length) throw new PpopiRefusal(PARTY, 'unify', `the KGC answered ${Array.isArray(tags) ? tags.length : 'no'} tags for ${items.length} values`);
    const inOrder = new Array<string>(items.length);
    order.forEach((original, shuffled) => (inOrder[original] = tags[shuffled]));
    return inOrder;
  }

  private task(taskId: string): ServerTask {
    const task = this.tasks.get(taskId);
    if (task === undefined) throw new PpopiRefusal(PARTY, 'task', `no task '${taskId}'`);
    return task;
  }

  private participantTask(taskId: string, userId: string, field: string): ServerTask {
    const task = this.task(taskId);
    if (!task.participants.has(userId)) throw new PpopiRefusal(PARTY, field, `'${userId}' is not a registered user of task '${taskId}'`);
    return task;
  }
}

/**
 * The KGC's fields of a unification item's parts, as the user's value names
 * them. Only the item and its proof: the user's `mask.a` and `mask.b` are
 * refused by convert() before the KGC sees them, and the realigned `b` the
 * KGC gets is the server's, in range by construction.
 */
const ITEM_PART: Readonly<Record<string, string>> = { '': '', '.proof': '.proof' };

/** A KGC refusal of `unify.items[k]…` of the shuffled batch as a refusal of the value it came from (`fields[order[k]]…`); other errors as they are. */
function inOriginalPlace(err: unknown, order: readonly number[], fields: readonly string[]): unknown {
  if (!(err instanceof PpopiRefusal)) return err;
  const match = /^unify\.items\[(\d+)\](.*)$/.exec(err.field);
  const original = match === null ? undefined : order[Number(match[1])];
  const part = match === null ? undefined : ITEM_PART[match[2]];
  if (original === undefined || part === undefined || fields[original] === undefined) return err;
  return new PpopiRefusal(err.party, `${fields[original]}${part}`, err.reason);
}
