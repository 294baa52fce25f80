/**
 * How a patient turns the answers about its states into a dosing table:
 * the MDP controller's greedy rule (Shifrin & Siegelmann 2017, §3.2 step
 * C.2, as src/control/mdp/valueIteration.ts `greedyPolicy` applies it),
 * on the Q values an answer lists instead of values the patient computed.
 *
 * The rule runs on the patient's side because two of its parts are the
 * patient's own: the physician's regimen π0 it falls back on (a state
 * without data) and prefers on ties, which depends on its body weight.
 */
import { PHYSICIAN_DECIDES } from '../mdp/policyTable.js';

/** A tried action and its value, in the patient's own terms (action index of the MDP's action space). */
export interface ValuedAction {
  readonly action: number;
  readonly q: number;
}

/**
 * The action of one state: the highest Q; ties within 1e-12 relative go to
 * `preferred` (π0's action) if it is among them, else to the lowest action
 * index; PHYSICIAN_DECIDES when nothing was answered (no trusted pair).
 */
export function chooseAction(answer: readonly ValuedAction[], preferred: number): number {
  if (answer.length === 0) return PHYSICIAN_DECIDES;
  let best = -Infinity;
  for (const { q } of answer) if (q > best) best = q;
  const slack = 1e-12 * Math.max(1, Math.abs(best));
  let chosen = PHYSICIAN_DECIDES;
  for (const { action, q } of answer) {
    if (q < best - slack) continue;
    if (action === preferred) return action;
    if (chosen === PHYSICIAN_DECIDES || action < chosen) chosen = action;
  }
  return chosen;
}

/** A table from one answer per state (index = state) and π0's action per state. */
export function tableFromAnswers(answers: readonly (readonly ValuedAction[])[], preferred: Int32Array): Int32Array {
  return Int32Array.from(answers, (answer, s) => chooseAction(answer, preferred[s]));
}
