/**
 * What PPOPI's parties send each other (Chen & Ye 2025, §5), as plain typed
 * values: BigInts in process, hex strings on the wire (wire.ts). Every value
 * a party receives is checked before it is used, and a refusal names the
 * party that refused, the field and the reason, in one line; a refused
 * upload or request changes nothing (no record is counted).
 */
import type { BcpCiphertext, CfCiphertext } from '../bcp/types.js';
import type { PolicyViewAction } from './attemptServer.js';
import type { ValueKind } from './encoding.js';
import type { SealedBox } from './sealedBox.js';

/** A refusal by one party: `kgc: attempt.states[3]: not a ciphertext under this key`. */
export class PpopiRefusal extends Error {
  readonly party: string;
  readonly field: string;
  readonly reason: string;

  constructor(party: string, field: string, reason: string) {
    super(`${party}: ${field}: ${reason}`);
    this.name = 'PpopiRefusal';
    this.party = party;
    this.field = field;
    this.reason = reason;
  }
}

/**
 * One encrypted value as a user uploads it (§5.3, eqs. 14–16): the
 * Catalano–Fiore pair (m − b, β) with β = (g^ρ, g^{(s_t − s_ti)·r}·h_KGC^ρ·(1 + bN)),
 * and `proof`, an HMAC of β's first component under the task's record key,
 * by which the KGC knows the ciphertext came from one of the task's users
 * (not in the paper; docs/ppopi.md §4 says why).
 */
export interface UploadedValue {
  readonly ciphertext: CfCiphertext;
  /** HMAC-SHA256 of g^ρ under the task's record key, hex. */
  readonly proof: string;
}

/** An attempt in the user's own terms (§5.3): the states visited and the actions taken; states.length = actions.length + 1. */
export interface PlainAttempt {
  readonly states: readonly number[];
  readonly actions: readonly number[];
  /** True when the attempt was cut at the step limit before the goal (its last state is then not terminal). */
  readonly truncated?: boolean;
}

/** An attempt history (§5.3): the states visited and the actions taken; states.length = actions.length + 1. */
export interface EncryptedAttempt {
  readonly states: readonly UploadedValue[];
  readonly actions: readonly UploadedValue[];
}

/**
 * One ciphertext the server asks the KGC to unify (§5.5): BCP under the KGC's
 * key of the record's message, the user's proof of its first component, and
 * the kind of value its place in the record holds (a state or an action: the
 * server knows it from the place, the KGC from the plaintext, so it tells
 * neither anything new). A value of the other kind is refused: counted in the
 * wrong place, its tag would be a state the users' label tables do not know.
 */
export interface UnificationItem {
  readonly ciphertext: BcpCiphertext;
  readonly proof: string;
  readonly kind: ValueKind;
}

/** What the KGC hands each participant of a task on confirming it (§5.2), sealed to their public keys. */
export interface TaskGrant {
  readonly server: SealedBox;
  readonly users: ReadonlyMap<string, SealedBox>;
}

/** The secrets inside a user's sealed grant. */
export interface UserTaskSecrets {
  /** s_t, the task key (§5.2). */
  readonly taskKey: bigint;
  /** The key of the equality tags (encoding.ts). */
  readonly tagKey: Buffer;
  /** The key of the users' proofs (UploadedValue.proof). */
  readonly recordKey: Buffer;
}

/** A tried action of a state, as delivered: its tag and its value Q(s, a). */
export type ActionValue = PolicyViewAction;

/** The answer to an encrypted request (§5.6): the requested state's tried actions, best first; empty for a state the server has never seen. */
export interface PolicyAnswer {
  readonly actionCount: number;
  readonly actions: readonly ActionValue[];
}
