/**
 * A PPOPI user's side of the insulin application (Chen & Ye 2025, §5.3):
 * its transitions (state, action, next state, reward) encrypted value by
 * value with `PpopiUser.encryptValue` (eqs. 14–16), the reward left in the
 * clear (transitionServer.ts says what that reveals).
 *
 * The user uploads its transitions in the order given; the caller shuffles
 * them first (the pooled pipeline does), so that the server does not get
 * the patient's readings in time order: a sequence of tags whose rewards
 * it knows would be the patient's diary of glucose levels.
 */
import type { EncryptedTransition } from './transitionServer.js';
import type { PpopiUser } from './user.js';

/** A transition in the user's own terms: task state and action numbers (encoding.ts) and the reward. */
export interface PlainTransition {
  readonly state: number;
  readonly action: number;
  readonly next: number;
  readonly reward: number;
}

/** Every state and action of the transitions encrypted for the task; rewards as they are. */
export function encryptTransitions(user: PpopiUser, taskId: string, transitions: readonly PlainTransition[]): EncryptedTransition[] {
  return transitions.map((t) => ({
    state: user.encryptValue(taskId, 'state', t.state),
    action: user.encryptValue(taskId, 'action', t.action),
    next: user.encryptValue(taskId, 'state', t.next),
    reward: t.reward,
  }));
}
