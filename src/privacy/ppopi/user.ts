/**
 * A PPOPI user (Chen & Ye 2025, §4.1, §5.2, §5.3, §5.6, §5.7): contributes
 * its negotiation parameter, encrypts its attempt records under its own
 * authorisation, and reads the policy (or a request's answer) through the
 * task's tag key.
 *
 * Encryption (§5.3, eqs. 13–16) of a message m: b ∈ Z_N and ρ ∈ [1, N/4]
 * fresh for every value, and
 *   c = (m − b, (g^ρ, g^{(s_t − s_ti)·r} · h_KGC^ρ · (1 + bN))) mod N²,
 * the second part a BCP encryption of b under the KGC's key, blinded by
 * g^{(s_t − s_ti)·r} = (g^r)^{s_t} / A_i, which only the user's authorisation
 * A_i = (g^r)^{s_ti} removes (§5.4). The paper writes the per-record
 * randomness as r_i, the name of the negotiation exponent of eq. 11; reusing
 * one exponent for every record would give every record of a user the same
 * first component and the same mask factor, so the ratio of two second
 * components would reveal b₁ − b₂ and with it m₁ − m₂. It is drawn afresh
 * for every value here (docs/ppopi.md §5).
 *
 * g^ρ and h_KGC^ρ use fixed-base tables (bcp's Encryptor): no squarings,
 * ~|N|/w multiplications each.
 */
import { modInverse, modPow } from '../bcp/arith.js';
import { Encryptor } from '../bcp/bcp.js';
import { cfEncrypt } from '../bcp/cf.js';
import { randomInRange } from '../bcp/random.js';
import type { BcpKeyPair, BcpParameters } from '../bcp/types.js';
import type { PolicyView } from './attemptServer.js';
import { deliveredPolicy } from './plainPipeline.js';
import { encodeValue, recordProof, type TaskShape, type ValueKind, valueTag } from './encoding.js';
import type { EncryptedAttempt, PolicyAnswer, UploadedValue, UserTaskSecrets } from './messages.js';
import { PpopiRefusal } from './messages.js';
import { checkGroupElement } from './checks.js';
import { open, type SealedBox } from './sealedBox.js';

/**
 * BCP encryption under the KGC's key with fixed-base tables for g and
 * h_KGC (bcp's Encryptor), shareable by the users of one process (its
 * tables are public): at 2048 bits ~0.2 s and ~6.5 MB each to build.
 */
export function kgcEncryptor(params: BcpParameters, kgcPublicKey: bigint, window?: number): Encryptor {
  return new Encryptor(params, kgcPublicKey, { window });
}

interface UserTask {
  readonly shape: TaskShape;
  readonly secrets: UserTaskSecrets;
  /** A_i = (g^r)^{s_ti} (eq. 13). */
  readonly authorisation: bigint;
  /** g^{(s_t − s_ti)·r} mod N² (eq. 16's blinding factor). */
  readonly blinding: bigint;
  labels?: { readonly states: Map<string, number>; readonly actions: Map<string, number> };
}

/** A user's view of the delivered policy: Q(state, action) in its own plaintext terms, undefined where untried or unknown. */
export type PlainPolicy = (state: number, action: number) => number | undefined;

export class PpopiUser {
  readonly id: string;
  readonly params: BcpParameters;
  private readonly keyPair: BcpKeyPair;
  private readonly encryptor: Encryptor;
  private readonly tasks = new Map<string, UserTask>();

  constructor(id: string, params: BcpParameters, keyPair: BcpKeyPair, encryptor: Encryptor) {
    this.id = id;
    this.params = params;
    this.keyPair = keyPair;
    this.encryptor = encryptor;
  }

  /** §5.2 eq. 11: np_i = g^{r_i}, r_i ∈ [1, N/4] drawn here and never sent. */
  negotiationParameter(): bigint {
    return this.encryptor.powerOfG(randomInRange(1n, this.params.n / 4n));
  }

  /** §5.2–5.3: opens the task's secrets (sealed to this user by the KGC), draws s_ti and forms A_i and the blinding factor. */
  joinTask(taskId: string, gr: bigint, grant: SealedBox, shape: TaskShape): void {
    checkGroupElement(this.id, 'taskParameter', gr, this.params);
    const payload = JSON.parse(open(this.params, this.keyPair, grant).toString('utf8')) as Record<string, string>;
    const secrets: UserTaskSecrets = {
      taskKey: BigInt(`0x${payload.taskKey}`),
      tagKey: Buffer.from(payload.tagKey, 'hex'),
      recordKey: Buffer.from(payload.recordKey, 'hex'),
    };
    const nSquared = this.params.nSquared;
    const userTaskKey = randomInRange(1n, nSquared / 2n); // s_ti ∈ [1, N²/2] (§5.3)
    const authorisation = modPow(gr, userTaskKey, nSquared);
    const blinding = (modPow(gr, secrets.taskKey, nSquared) * modInverse(authorisation, nSquared)) % nSquared;
    this.tasks.set(taskId, { shape, secrets, authorisation, blinding });
  }

  /** §5.3: A_i, for the server, over the secret channel, when the user agrees to its records' use. */
  authorisation(taskId: string): bigint {
    return this.task(taskId).authorisation;
  }

  /** §5.3 eqs. 14–16: one state or action: its Catalano–Fiore form under the KGC's key, the mask's second component blinded. */
  encryptValue(taskId: string, kind: ValueKind, value: number): UploadedValue {
    const task = this.task(taskId);
    const { masked, mask } = cfEncrypt(this.encryptor, encodeValue(kind, value));
    return { ciphertext: { masked, mask: { a: mask.a, b: (mask.b * task.blinding) % this.params.nSquared } }, proof: recordProof(task.secrets.recordKey, mask.a) };
  }

  /** An attempt: every state and action encrypted. */
  encryptAttempt(taskId: string, attempt: { readonly states: readonly number[]; readonly actions: readonly number[] }): EncryptedAttempt {
    return {
      states: attempt.states.map((s) => this.encryptValue(taskId, 'state', s)),
      actions: attempt.actions.map((a) => this.encryptValue(taskId, 'action', a)),
    };
  }

  /** §5.7: the delivered policy read through the tag key (the labels of every state and action of the task). */
  readPolicy(taskId: string, view: PolicyView): PlainPolicy {
    const { states, actions } = this.labels(taskId);
    return deliveredPolicy(view, decoder(states, this.id, 'policy.states', 'state'), decoder(actions, this.id, 'policy.actions', 'action'));
  }

  /** §5.6: a request's answer read through the tag key: the tried actions with their values, best first. */
  readAnswer(taskId: string, answer: PolicyAnswer): { action: number; q: number }[] {
    const actionOf = this.labels(taskId).actions;
    return answer.actions.map(({ action, q }) => {
      const a = actionOf.get(action);
      if (a === undefined) throw new PpopiRefusal(this.id, 'answer.actions', 'an action tag is none of this task\'s actions');
      return { action: a, q };
    });
  }

  /** Tag → value of every state and action of the task (computed once per task). */
  private labels(taskId: string): { states: Map<string, number>; actions: Map<string, number> } {
    const task = this.task(taskId);
    task.labels ??= {
      states: tagIndex(task.secrets.tagKey, 'state', task.shape.stateCount),
      actions: tagIndex(task.secrets.tagKey, 'action', task.shape.actionCount),
    };
    return task.labels;
  }

  private task(taskId: string): UserTask {
    const task = this.tasks.get(taskId);
    if (task === undefined) throw new PpopiRefusal(this.id, 'task', `not a member of task '${taskId}'`);
    return task;
  }
}

/** A label table as a decoder that refuses a tag of no value of the task. */
function decoder(index: Map<string, number>, party: string, field: string, kind: string): (tag: string) => number {
  return (tag) => {
    const value = index.get(tag);
    if (value === undefined) throw new PpopiRefusal(party, field, `a tag is none of this task's ${kind}s`);
    return value;
  };
}

/** Tag → value for every value of one kind (the user's label table, §5.7). */
function tagIndex(tagKey: Buffer, kind: ValueKind, count: number): Map<string, number> {
  const index = new Map<string, number>();
  for (let v = 0; v < count; v++) index.set(valueTag(tagKey, kind, v), v);
  return index;
}
