/**
 * The exact value of a fixed policy: the Bellman equation of a policy π,
 * V = r + W_π V (W_π the discounted transition weights of π's actions), is
 * linear, so V = (I − W_π)⁻¹ r, solved with mathjs's LU decomposition. The
 * check on value iteration (it must reach the value of its own greedy
 * policy) and the way to compare a learned policy with another on the same
 * model. Dense: for models of up to a few thousand states.
 */
import { lusolve } from 'mathjs';
import type { CompiledMdp } from './valueIteration.js';

/**
 * V^π per state. `policy[s]` is an action visited in s, or −1 in a state
 * without data, whose value is the model's unknown-state value.
 */
export function evaluatePolicy(m: CompiledMdp, policy: Int32Array): Float64Array {
  const S = m.stateCount;
  const a: number[][] = Array.from({ length: S }, (_, s) => {
    const row = new Array<number>(S).fill(0);
    row[s] = 1;
    return row;
  });
  const b: number[] = new Array<number>(S);
  for (let s = 0; s < S; s++) {
    const noData = m.pairStart[s] === m.pairStart[s + 1];
    if (noData || policy[s] < 0) {
      if (!noData) throw new RangeError(`state ${s} has data: the policy must choose one of its visited actions`);
      b[s] = m.unknownValue[s];
      continue;
    }
    let pair = -1;
    for (let k = m.pairStart[s]; k < m.pairStart[s + 1]; k++) if (m.pairAction[k] === policy[s]) pair = k;
    if (pair < 0) throw new RangeError(`action ${policy[s]} was never visited in state ${s}: it has no transition estimate`);
    for (let e = m.nextStart[pair]; e < m.nextStart[pair + 1]; e++) a[s][m.nextState[e]] -= m.nextWeight[e];
    b[s] = m.reward[s];
  }
  const x = lusolve(a, b) as number[][];
  return Float64Array.from(x, (row) => row[0]);
}
