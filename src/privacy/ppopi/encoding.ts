/**
 * How a PPOPI task's plaintexts are written as BCP messages, and the equality
 * tags they become.
 *
 * A record holds states and actions. Both are small non-negative integers
 * (a maze cell, an index into the MDP's action space), so a state 3 and an
 * action 3 would encrypt the same message and get the same tag: the server
 * would learn that "this state equals that action", a relation that has no
 * meaning but is still a leak. The kind is therefore written into the message
 * (message = 2·value + kind), and the key generation centre, which decrypts
 * each message when it unifies it, refuses a message whose value is outside
 * the task's declared range: a forged or corrupted ciphertext is refused, not
 * counted.
 */
import { createHmac } from 'node:crypto';

export type ValueKind = 'state' | 'action';

/** A task's public shape: how many states and actions the records may name. */
export interface TaskShape {
  readonly stateCount: number;
  readonly actionCount: number;
}

const KIND_BIT: Readonly<Record<ValueKind, bigint>> = { state: 0n, action: 1n };

/** The BCP message of a state or an action. */
export function encodeValue(kind: ValueKind, value: number): bigint {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${kind} ${value} is not a non-negative integer`);
  return 2n * BigInt(value) + KIND_BIT[kind];
}

/** The kind and value of a decrypted message, or a reason it is not one of this task's. */
export function decodeValue(message: bigint, shape: TaskShape): { kind: ValueKind; value: number } | { reason: string } {
  const kind: ValueKind = (message & 1n) === 0n ? 'state' : 'action';
  const value = message >> 1n;
  const count = kind === 'state' ? shape.stateCount : shape.actionCount;
  if (value >= BigInt(count)) return { reason: `decrypts to no ${kind} of this task (there are ${count})` };
  return { kind, value: Number(value) };
}

/**
 * The equality tag of a message: HMAC-SHA256 under the task's tag key, which
 * the key generation centre holds and gives to the task's users but never to
 * the server. Equal messages get equal tags; without the key a tag says
 * nothing about its message (HMAC is a pseudorandom function, Bellare 2006),
 * so the server learns which records are equal and nothing else.
 */
export function equalityTag(tagKey: Buffer, message: bigint): string {
  return createHmac('sha256', tagKey).update(message.toString(16)).digest('hex');
}

/** The tag of a state or an action, as a user with the task's tag key computes it. */
export function valueTag(tagKey: Buffer, kind: ValueKind, value: number): string {
  return equalityTag(tagKey, encodeValue(kind, value));
}

/**
 * A user's proof that a value's first component g^ρ is one of the task's
 * records: HMAC-SHA256 under the task's record key, which users hold and the
 * server does not (docs/ppopi.md §4). Hex, 64 digits.
 */
export function recordProof(recordKey: Buffer, firstComponent: bigint): string {
  return createHmac('sha256', recordKey).update(firstComponent.toString(16)).digest('hex');
}
