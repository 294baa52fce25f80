/**
 * The server's learning core in PPOPI (Chen & Ye 2025, §5.5 counting and
 * policy update, §5.7 delivery): it is handed attempts whose states and
 * actions are keys — plain values in the plain run, equality tags (equal
 * iff the plaintexts are equal) in the encrypted one — counts transitions,
 * runs policy iteration over them and delivers, per state key, the tried
 * action keys with their Q values.
 *
 * Keys are only ever compared for equality: each is interned to a dense id
 * in first-seen order (states and actions separately), and everything
 * numeric happens on the ids (policyIteration.ts). Fed the same attempts in
 * the same order, a server over plain keys and one over tags therefore
 * compute bit-identical Q values, and users who decide on those values
 * take identical decisions in both runs.
 */
import { type ImproveStats, IdPolicyIteration, type LearningOptions } from './policyIteration.js';

/**
 * One attempt as the server sees it: states.length = actions.length + 1,
 * states[i] --actions[i]--> states[i + 1]. The last state is where the
 * attempt ended: the goal (terminal, value 0), unless `truncated` says the
 * attempt was cut short by a step limit.
 */
export interface KeyedAttempt {
  readonly states: readonly string[];
  readonly actions: readonly string[];
  /** True when the attempt stopped at a step limit, not at the goal (default false). */
  readonly truncated?: boolean;
}

export interface PolicyViewAction {
  readonly action: string;
  readonly q: number;
}

export interface PolicyViewState {
  readonly state: string;
  readonly terminal: boolean;
  /** Tried actions in first-seen order, with Q(state, action). */
  readonly actions: readonly PolicyViewAction[];
}

/**
 * What a user is given back (Chen & Ye 2025, §5.7): per known state key,
 * the tried action keys and their Q values; an action of the task that is
 * not listed for a state is untried there and is worth `optimisticValue`.
 */
export interface PolicyView {
  readonly actionCount: number;
  readonly optimisticValue: number;
  /** States in first-seen order. */
  readonly states: readonly PolicyViewState[];
}

export interface ServerImproveStats extends ImproveStats {
  readonly states: number;
  readonly actions: number;
}

/** Keys to dense ids, in first-seen order (also the transition learner's, transitionLearner.ts). */
export class Interner {
  private readonly ids = new Map<string, number>();
  readonly keys: string[] = [];

  id(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.keys.length;
      this.ids.set(key, id);
      this.keys.push(key);
    }
    return id;
  }

  has(key: string): boolean {
    return this.ids.has(key);
  }

  /** The id of a key seen before, or undefined (never assigns one). */
  find(key: string): number | undefined {
    return this.ids.get(key);
  }
}

export class AttemptPolicyServer {
  private readonly states = new Interner();
  private readonly actions = new Interner();
  private readonly learner: IdPolicyIteration;

  /**
   * @param actionCount the task's number of actions (a public parameter:
   *   four in the Grid World); a state with fewer tried actions still has
   *   an untried, optimistic one.
   */
  constructor(actionCount: number, options: Partial<LearningOptions> = {}) {
    this.learner = new IdPolicyIteration(actionCount, options);
  }

  get options(): LearningOptions {
    return this.learner.options;
  }

  get actionCount(): number {
    return this.learner.actionCount;
  }

  /** Count an attempt's transitions and its terminal state. Checked whole before anything is counted. */
  ingest(attempt: KeyedAttempt): void {
    const { states, actions } = attempt;
    if (states.length !== actions.length + 1) {
      throw new RangeError(`an attempt has one state more than actions (got ${states.length} states, ${actions.length} actions)`);
    }
    const newActions = new Set<string>();
    for (const a of actions) if (!this.actions.has(a)) newActions.add(a);
    if (this.actions.keys.length + newActions.size > this.actionCount) {
      throw new RangeError(`the attempt would bring the distinct actions to ${this.actions.keys.length + newActions.size}, more than the task's ${this.actionCount}`);
    }
    let from = this.states.id(states[0]);
    this.learner.ensureState(from);
    for (let i = 0; i < actions.length; i++) {
      const action = this.actions.id(actions[i]);
      const to = this.states.id(states[i + 1]);
      this.learner.addTransition(from, action, to);
      from = to;
    }
    if (attempt.truncated !== true) this.learner.markTerminal(from);
  }

  /** Policy iteration (eq. 9 and 10), warm-started from the previous round's values and policy. */
  improve(): ServerImproveStats {
    const stats = this.learner.improve();
    return { ...stats, states: this.states.keys.length, actions: this.actions.keys.length };
  }

  /** The delivered policy: every known state with its tried actions' Q values, in first-seen order. */
  policyView(): PolicyView {
    const states: PolicyViewState[] = this.states.keys.map((state, s) => ({ state, terminal: this.learner.isTerminal(s), actions: this.actionValues(s) }));
    return { actionCount: this.actionCount, optimisticValue: this.options.optimisticValue, states };
  }

  /** One state's tried actions with their Q values (none for a state never seen): what a request (§5.6) is answered from. */
  stateActions(stateKey: string): PolicyViewAction[] {
    const s = this.states.find(stateKey);
    return s === undefined ? [] : this.actionValues(s);
  }

  private actionValues(s: number): PolicyViewAction[] {
    return this.learner.triedActions(s).map((a) => ({ action: this.actions.keys[a], q: this.learner.q(s, a)! }));
  }
}
