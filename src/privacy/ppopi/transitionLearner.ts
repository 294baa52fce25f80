/**
 * The server's learner for pooled transitions of a continuing task (the
 * insulin application of PPOPI, Chen & Ye 2025, §5.6, on the MDP of
 * Shifrin & Siegelmann 2017): it is handed records (state, action, next
 * state, reward) whose states and actions are keys — plain values in the
 * plain reference, equality tags in the encrypted run — and answers, per
 * state key, its trusted actions with their Q values, best first.
 *
 * Keys are only compared for equality: each is interned to a dense id in
 * first-seen order (states and actions separately, in the order state,
 * action, next state of each record), and all arithmetic runs on the ids
 * (continuingPolicyIteration.ts). Fed the same records in the same order, a
 * learner over plain keys and one over tags compute bit-identical Q values
 * and give identical answers, up to the names of the keys.
 *
 * The policy is iterated lazily, when an answer is asked for after new
 * records: the values then depend on the records and their order only, not
 * on how the uploads were batched.
 */
import { Interner } from './attemptServer.js';
import { type ContinuingImproveStats, type ContinuingLearningOptions, ContinuingPolicyIteration } from './continuingPolicyIteration.js';
import type { ActionValue } from './messages.js';

/** One record as the server counts it: keys, and the reward in the clear. */
export interface KeyedTransition {
  readonly state: string;
  readonly action: string;
  readonly next: string;
  readonly reward: number;
}

/** What the learner holds, for the reports: what the server has learned of the pooled records. */
export interface TransitionLearnerSummary {
  /** Records counted. */
  readonly transitions: number;
  /** Distinct state keys and action keys seen. */
  readonly states: number;
  readonly actions: number;
  /** (state, action) pairs seen, and those trusted (at least minVisits visits). */
  readonly pairs: number;
  readonly trustedPairs: number;
  /** State keys some record arrived in: the server knows each one's reward. */
  readonly statesWithReward: number;
  /** Distinct reward values among the records. */
  readonly distinctRewards: number;
}

export class TransitionLearner {
  private readonly states = new Interner();
  private readonly actions = new Interner();
  private readonly learner: ContinuingPolicyIteration;
  private readonly rewards = new Set<number>();
  private transitions = 0;
  private dirty = false;
  private lastStats: ContinuingImproveStats | undefined;

  /** @param actionCount the task's number of actions (public): no more distinct action keys are accepted. */
  constructor(actionCount: number, options: Partial<ContinuingLearningOptions> & { readonly gamma: number }) {
    this.learner = new ContinuingPolicyIteration(actionCount, options);
  }

  get options(): ContinuingLearningOptions {
    return this.learner.options;
  }

  get actionCount(): number {
    return this.learner.actionCount;
  }

  /** Count a batch of records. Checked whole before anything is counted. */
  ingest(batch: readonly KeyedTransition[]): void {
    const newActions = new Set<string>();
    for (const [i, t] of batch.entries()) {
      if (!Number.isFinite(t.reward)) throw new RangeError(`transitions[${i}].reward must be a finite number (got ${t.reward})`);
      if (!this.actions.has(t.action)) newActions.add(t.action);
    }
    if (this.actions.keys.length + newActions.size > this.actionCount) {
      throw new RangeError(`the batch would bring the distinct actions to ${this.actions.keys.length + newActions.size}, more than the task's ${this.actionCount}`);
    }
    for (const t of batch) {
      const state = this.states.id(t.state);
      const action = this.actions.id(t.action);
      const next = this.states.id(t.next);
      this.learner.addTransition(state, action, next, t.reward);
      this.rewards.add(t.reward);
      this.transitions++;
    }
    if (batch.length > 0) this.dirty = true;
  }

  /** Policy iteration, if records came since the last one; the stats of the last iteration. */
  improve(): ContinuingImproveStats | undefined {
    if (this.dirty) {
      this.lastStats = this.learner.improve();
      this.dirty = false;
    }
    return this.lastStats;
  }

  /**
   * §5.6's answer for a state key: its trusted actions with Q(s, a), best
   * first (ties in the order the actions were first seen); empty for a key
   * never seen or a state without a trusted pair.
   */
  answer(stateKey: string): ActionValue[] {
    this.improve();
    if (!this.states.has(stateKey)) return [];
    const s = this.states.id(stateKey);
    return this.learner
      .trustedActions(s)
      .map((a) => ({ action: this.actions.keys[a], q: this.learner.q(s, a)! }))
      .sort((x, y) => y.q - x.q); // stable: equal Q values keep ascending ids
  }

  summary(): TransitionLearnerSummary {
    let pairs = 0;
    let trustedPairs = 0;
    let statesWithReward = 0;
    for (let s = 0; s < this.learner.stateCount; s++) {
      if (this.learner.arrivalCount(s) > 0) statesWithReward++;
      for (let a = 0; a < this.actions.keys.length; a++) {
        const n = this.learner.visits(s, a);
        if (n > 0) pairs++;
        if (n >= this.options.minVisits) trustedPairs++;
      }
    }
    return {
      transitions: this.transitions,
      states: this.states.keys.length,
      actions: this.actions.keys.length,
      pairs,
      trustedPairs,
      statesWithReward,
      distinctRewards: this.rewards.size,
    };
  }
}
