/**
 * PPOPI's server for a continuing task with rewards (the insulin
 * application of Chen & Ye 2025: pooled transitions of an insulin-regimen
 * MDP, Shifrin & Siegelmann 2017). It wraps the task's `PolicyServer`,
 * whose conversion and unification (§5.4–5.5, `PolicyServer.tagsOf`) turn
 * each uploaded state and action into an equality tag, and feeds the tags
 * to a `TransitionLearner` (transitionLearner.ts) instead of the attempt
 * counter; it answers encrypted requests (§5.6) from the same learner.
 *
 * THE REWARDS TRAVEL IN THE CLEAR. The server cannot compute a reward from
 * a tag, and policy iteration needs one per record, so each record carries
 * its reward as a plain number. In the insulin MDP the reward of a record
 * is r(s′) = r^l − r^n of the glucose level it reached (Shifrin & Siegelmann
 * 2017, §2.2), a public function of the level that takes a different value
 * on every level of the default axis: the server learns, for every state
 * tag some record arrived in, its reward, hence its glucose level, and from
 * each user's batch that patient's count of readings per level. It sees no
 * dose and no time of day (though every reading leads to the next slot's,
 * so the tags' transitions sort them into the day's slots, unnamed). The
 * paper's Grid World punishes every step alike (−1), which reveals nothing.
 * docs/ppopi.md §9.4 discusses what would leak less, and why a blinded
 * reward would not hide the levels.
 *
 * Each user's batch is one upload; the server learns, per user, how many
 * transitions it sent and their equality pattern. Users shuffle their
 * transitions before encrypting them, so the order of a batch is not the
 * order of the patient's readings.
 */
import type { TaskShape } from './encoding.js';
import type { ContinuingLearningOptions } from './continuingPolicyIteration.js';
import { type PolicyAnswer, PpopiRefusal, type UploadedValue } from './messages.js';
import type { PolicyServer } from './server.js';
import { type TransitionLearnerSummary, TransitionLearner } from './transitionLearner.js';

const PARTY = 'server';

/** One encrypted transition as a user uploads it: state, action, next state encrypted (§5.3), the reward in the clear. */
export interface EncryptedTransition {
  readonly state: UploadedValue;
  readonly action: UploadedValue;
  readonly next: UploadedValue;
  /** The reward of the transition, plain (see the module comment: the server learns it). */
  readonly reward: number;
}

/** Costs of one upload, ms. */
export interface TransitionSubmitCosts {
  /** Conversion, realignment and the KGC's unification, as the server waits for them (§5.4–5.5). */
  readonly unifyMs: number;
  /** Interning and counting (the policy is iterated when next asked for). */
  readonly countMs: number;
}

export class TransitionPolicyServer {
  private readonly server: PolicyServer;
  private readonly learners = new Map<string, TransitionLearner>();

  /** @param server the PPOPI server whose tasks (opened, negotiated and authorised: system.ts `openTask`) this one learns for. */
  constructor(server: PolicyServer) {
    this.server = server;
  }

  get id(): string {
    return this.server.id;
  }

  /** Starts learning for a task the PolicyServer has opened, with the task's shape and the learner's options (γ per transition). */
  openTask(taskId: string, shape: TaskShape, learning: Partial<ContinuingLearningOptions> & { readonly gamma: number }): void {
    if (this.learners.has(taskId)) throw new PpopiRefusal(PARTY, `task '${taskId}'`, 'already learns transitions');
    this.learners.set(taskId, new TransitionLearner(shape.actionCount, learning));
  }

  /**
   * One user's batch of transitions: checked whole, converted, unified and
   * only then counted; a refused value or reward refuses the batch and
   * nothing is counted.
   */
  async submitTransitions(taskId: string, userId: string, transitions: readonly EncryptedTransition[]): Promise<TransitionSubmitCosts> {
    const learner = this.learner(taskId);
    if (!Array.isArray(transitions) || transitions.length === 0) throw new PpopiRefusal(PARTY, 'transitions', 'must be a non-empty list');
    transitions.forEach((t, i) => {
      if (typeof t?.reward !== 'number' || !Number.isFinite(t.reward)) throw new PpopiRefusal(PARTY, `transitions[${i}].reward`, 'must be a finite number');
    });
    const t0 = performance.now();
    const tags = await this.server.tagsOf(
      taskId,
      userId,
      'transitions',
      transitions.flatMap((t, i) => [
        { value: t.state, field: `transitions[${i}].state`, kind: 'state' as const },
        { value: t.action, field: `transitions[${i}].action`, kind: 'action' as const },
        { value: t.next, field: `transitions[${i}].next`, kind: 'state' as const },
      ]),
    );
    const t1 = performance.now();
    learner.ingest(transitions.map((t, i) => ({ state: tags[3 * i], action: tags[3 * i + 1], next: tags[3 * i + 2], reward: t.reward })));
    return { unifyMs: t1 - t0, countMs: performance.now() - t1 };
  }

  /** §5.6: an encrypted request for a state; its trusted actions with their Q values, best first, in tags. */
  async request(taskId: string, userId: string, state: UploadedValue): Promise<PolicyAnswer> {
    const learner = this.learner(taskId);
    const [tag] = await this.server.tagsOf(taskId, userId, 'request', [{ value: state, field: 'request.state', kind: 'state' }]);
    return { actionCount: learner.actionCount, actions: learner.answer(tag) };
  }

  /** What the server holds of a task's records (for the reports), after iterating the policy. */
  summary(taskId: string): TransitionLearnerSummary & { readonly evaluationSweeps: number; readonly improvementSteps: number } {
    const learner = this.learner(taskId);
    const stats = learner.improve();
    return { ...learner.summary(), evaluationSweeps: stats?.evaluationSweeps ?? 0, improvementSteps: stats?.improvementSteps ?? 0 };
  }

  private learner(taskId: string): TransitionLearner {
    const learner = this.learners.get(taskId);
    if (learner === undefined) throw new PpopiRefusal(PARTY, 'task', `task '${taskId}' does not learn transitions`);
    return learner;
  }
}
