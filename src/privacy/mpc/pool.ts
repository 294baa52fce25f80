/**
 * A party's supply of correlated randomness during one protocol run.
 *
 * Protocols here are data-oblivious: which items they take depends only on
 * public sizes. So a run's whole plan is found by a dry run (`PlanRecorder`:
 * zero material, a channel that answers zeros), the dealer generates the
 * plan at once (one message per party, not one per step) and the real run
 * takes from a `MaterialPool` that checks every take against the plan, so a
 * desynchronised protocol fails loudly instead of computing garbage, and no
 * item is ever taken twice.
 */
import { describeRequest, materialLength, type Plan, type Request, sameRequest } from './correlated.js';
import type { Words } from './ring.js';

export interface MaterialSource {
  take(request: Request): Words;
}

/** Takes from a dealer's material, in plan order, each item once. */
export class MaterialPool implements MaterialSource {
  private next = 0;
  private at = 0;

  constructor(
    private readonly plan: Plan,
    private readonly material: Words,
  ) {}

  take(request: Request): Words {
    const expected = this.plan[this.next];
    if (!expected) throw new Error(`correlated randomness exhausted: the protocol asked for ${describeRequest(request)} beyond its plan of ${this.plan.length} items`);
    if (!sameRequest(expected, request)) throw new Error(`correlated randomness out of step: item ${this.next} of the plan is ${describeRequest(expected)}, the protocol asked for ${describeRequest(request)}`);
    const len = materialLength(request);
    const words = this.material.subarray(this.at, this.at + len);
    this.next++;
    this.at += len;
    return words;
  }

  /** Whether the run took every planned item (checked at the end of a run). */
  get exhausted(): boolean {
    return this.next === this.plan.length;
  }
}

/** A dry run's material: zeros, while writing down what was asked for. */
export class PlanRecorder implements MaterialSource {
  readonly requests: Request[] = [];

  take(request: Request): Words {
    this.requests.push(request);
    return new BigUint64Array(materialLength(request));
  }
}
