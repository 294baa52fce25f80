/**
 * The `q-learning` controller: online Q-learning of insulin doses (OIDPR,
 * optimized insulin dosage via privacy-preserving reinforcement learning
 * for diabetics, §III-A / §IV) on a patient measured a few times a day and
 * injecting with pens, on the state and action spaces of the insulin-
 * regimen MDP (Shifrin & Siegelmann 2017: glucose level × day slot, dose
 * triplets). At each reading it acts on (one per slot a day, near the
 * slot's time: src/control/mdp/penAtSlots.ts, as the `mdp` controller):
 *
 * - it completes the previous reading's experience record (s, a, s′, r),
 *   a the action the pen actually gave and r the MDP reward of the reading
 *   reached, and — when a was chosen while learning — applies the
 *   fixed-point update of qLearning.ts with τ = 1 (`updateOnline`);
 * - learning (days 1 … `learningDays`): chooses ε-greedily, ε decaying from
 *   `epsilon.start` by `epsilon.decayPerStep` per decision down to
 *   `epsilon.end`, with the seeded stream `epsilon`;
 * - exploitation (after): the greedy action of the table learned, which no
 *   longer changes (its experience is still kept);
 * - the hypoglycaemia guard (penAtSlots.ts): for `days` days after a reading
 *   below `belowMgDl`, no insulin — the Q-learner has no physician's regimen
 *   whose doses could cap it, as the `mdp` controller's π0 does.
 *
 * Ties of the greedy choice go to the lowest action index, the least
 * insulin, so a state the table has never seen gets none.
 */
import type { RandomStream } from '../../random/streams.js';
import { capAction, deliveredAction, HypoglycaemiaGuard, type HypoglycaemiaGuardOptions, MAX_TRANSITION_GAP_MIN, meterSlotProblem, NO_INSULIN, penRequest, SlotReadings } from '../mdp/penAtSlots.js';
import { glucoseReward } from '../mdp/reward.js';
import { actionCount, actionDoses, glucoseLevel, stateCount, stateIndex } from '../mdp/space.js';
import type { Controller, ControllerContext, Delivery, InsulinRequest, Observation } from '../types.js';
import { type QLearningDefinition, qLearningParameters } from './definition.js';
import { decodeFixed } from './fixedPoint.js';
import { epsilonGreedy, epsilonSchedule, type ExperienceRecord, greedyAction, greedyPolicy, qIndex, type QLearningParameters, updateOnline } from './qLearning.js';

export interface QLearningControllerOptions {
  readonly definition: QLearningDefinition;
  /** Days of ε-greedy online learning; then the greedy policy of the table learned. */
  readonly learningDays: number;
  /** After a reading below `belowMgDl`, for `days` days no insulin; undefined: no guard. */
  readonly hypoglycaemiaGuard?: HypoglycaemiaGuardOptions;
  /** A Q-table to start from (a Q-table file, qTableFile.ts), or all 0. */
  readonly startFrom?: { readonly file: string; readonly q: BigInt64Array };
}

/** Whose slots a meter problem names. */
export const Q_LEARNING_SLOT_OWNER = "the Q-learning controller's";

/** The action of no insulin: every dose list starts at 0 (Shifrin & Siegelmann 2017, §2.3), and index 0 is (0, 0, 0). */
const NO_INSULIN_ACTION = 0;

export class QLearningController implements Controller {
  private readonly options: QLearningControllerOptions;
  private readonly def: QLearningDefinition;
  private readonly params: QLearningParameters;
  private q: BigInt64Array;
  private readonly epsilonAt: (step: number) => number;
  private readonly rng: RandomStream;
  /** ε-greedy decisions made: the step of the ε schedule. */
  private decisions = 0;
  private readonly readings: SlotReadings;
  private readonly guard: HypoglycaemiaGuard;
  /** Updates applied to each entry of the table. */
  private readonly updates: Int32Array;
  private readonly experienceRecords: ExperienceRecord[] = [];
  /** The control instant of the last action taken, whose delivery updates it. */
  private decisionMin = -1;
  private previous: { state: number; action: number; timeMin: number; learning: boolean } | undefined;
  // Daily log.
  private readonly log = {
    phase: [] as number[],
    meanReward: [] as number[],
    readings: [] as number[],
    epsilon: [] as number[],
    explored: [] as number[],
    updates: [] as number[],
    insulinU: [] as number[],
    guarded: [] as number[],
  };
  private day = QLearningController.newDay();

  private static newDay() {
    return { rewardSum: 0, readings: 0, epsilon: NaN, explored: 0, updates: 0, insulinU: 0, guarded: 0 };
  }

  constructor(options: QLearningControllerOptions, context: ControllerContext) {
    this.options = options;
    this.def = options.definition;
    const meterProblem = context.meterTimesOfDayMin && meterSlotProblem(this.def.space.slots, context.meterTimesOfDayMin, Q_LEARNING_SLOT_OWNER);
    if (meterProblem) throw new Error(meterProblem);
    this.params = qLearningParameters(this.def);
    const entries = this.params.states * this.params.actions;
    if (options.startFrom && options.startFrom.q.length !== entries) throw new Error(`${options.startFrom.file}: the Q-table has ${options.startFrom.q.length} entries, not ${entries}`);
    this.q = options.startFrom ? options.startFrom.q.slice() : new BigInt64Array(entries);
    this.updates = new Int32Array(entries);
    this.epsilonAt = epsilonSchedule(this.def.epsilon);
    this.rng = context.random('epsilon');
    this.readings = new SlotReadings(this.def.space.slots, context.startTimeOfDayMin);
    this.guard = new HypoglycaemiaGuard(options.hypoglycaemiaGuard);
  }

  /** The experience records of the run so far, in time order (what `experienceFromDays` gives on its days). */
  experience(): readonly ExperienceRecord[] {
    return this.experienceRecords;
  }

  /** The Q-table as it stands (a copy). */
  table(): BigInt64Array {
    return this.q.slice();
  }

  decide(obs: Observation): InsulinRequest {
    // Act once per reading, in the control period in which it was taken…
    if (!this.readings.isNew(obs)) return NO_INSULIN;
    // Every low reading starts the guard, also one not acted on.
    this.guard.seen(obs.glucoseMgDl, obs.glucoseTimeMin);
    // …and on one reading per slot a day, near the slot's time.
    const slot = this.readings.slotToActOn(obs.glucoseTimeMin);
    if (slot === undefined) return NO_INSULIN;
    const state = stateIndex(this.def.space, glucoseLevel(this.def.space.glucose, obs.glucoseMgDl), slot);
    const reward = glucoseReward(this.def.space.glucose, this.def.reward, obs.glucoseMgDl);
    this.day.rewardSum += reward;
    this.day.readings++;

    if (this.previous && obs.glucoseTimeMin - this.previous.timeMin <= MAX_TRANSITION_GAP_MIN) {
      const record: ExperienceRecord = { state: this.previous.state, action: this.previous.action, nextState: state, reward };
      this.experienceRecords.push(record);
      if (this.previous.learning) {
        this.q = updateOnline(this.params, this.q, record);
        this.updates[qIndex(this.params.actions, record.state, record.action)]++;
        this.day.updates++;
      }
    }

    const learning = obs.day <= this.options.learningDays;
    const greedy = greedyAction(this.q, this.params.actions, state);
    let action = greedy;
    if (learning) {
      const epsilon = this.epsilonAt(this.decisions++);
      action = epsilonGreedy(this.q, this.params.actions, state, epsilon, this.rng);
      this.day.epsilon = epsilon;
      if (action !== greedy) this.day.explored++;
    }
    if (this.guard.active(obs.glucoseTimeMin)) {
      const capped = capAction(this.def.actions, action, NO_INSULIN_ACTION);
      if (capped !== action) this.day.guarded++;
      action = capped;
    }
    this.previous = { state, action, timeMin: obs.glucoseTimeMin, learning };
    this.decisionMin = obs.timeMin;
    return penRequest(this.def.actions, action);
  }

  /** The experience records what the pen gave (rounded or capped), as the nearest action. */
  delivered(delivery: Delivery): void {
    const given = deliveredAction(this.def.actions, delivery);
    this.day.insulinU += given.insulinU;
    if (this.previous && delivery.timeMin === this.decisionMin) this.previous = { ...this.previous, action: given.action };
  }

  endOfDay(): void {
    // endOfDay comes once a day, in order: this is day log.phase.length + 1.
    this.log.phase.push(this.log.phase.length + 1 <= this.options.learningDays ? 0 : 1);
    this.log.meanReward.push(this.day.readings ? this.day.rewardSum / this.day.readings : NaN);
    this.log.readings.push(this.day.readings);
    this.log.epsilon.push(this.day.epsilon);
    this.log.explored.push(this.day.explored);
    this.log.updates.push(this.day.updates);
    this.log.insulinU.push(this.day.insulinU);
    this.log.guarded.push(this.day.guarded);
    this.day = QLearningController.newDay();
  }

  /**
   * Per day: phase (0 learning, 1 exploitation), mean reward of the
   * readings acted on, readings, ε of the day's last decision (NaN without
   * one), decisions that explored (not the greedy action), updates of the
   * table, insulin given (U), decisions the guard cut. Then, one value per
   * state (index = slot·L + level; see `describeQLearningLog`), the greedy
   * policy of the final table: `policy.regularU`, `policy.nphU`,
   * `policy.longU`, `policy.value` (its Q-value), `policy.updates` (updates
   * of the chosen entry), `policy.stateUpdates`; `q`, the whole table
   * decoded (δ·σ, row-major; exact: round(q·2^f) gives the int64 values
   * back), and `actionCount` and `stateCount` (one value each).
   */
  dailyLog(): Readonly<Record<string, readonly number[]>> {
    const { states: S, actions: A, fractionBits: f } = this.params;
    const policy = greedyPolicy(this.q, S, A);
    const out = { regularU: [] as number[], nphU: [] as number[], longU: [] as number[], value: [] as number[], updates: [] as number[], stateUpdates: [] as number[] };
    for (let s = 0; s < S; s++) {
      const a = policy[s]!;
      const doses = actionDoses(this.def.actions, a);
      out.regularU.push(doses.regular);
      out.nphU.push(doses.nph);
      out.longU.push(doses.long);
      out.value.push(decodeFixed(this.q[qIndex(A, s, a)]!, f));
      out.updates.push(this.updates[qIndex(A, s, a)]!);
      let n = 0;
      for (let b = 0; b < A; b++) n += this.updates[qIndex(A, s, b)]!;
      out.stateUpdates.push(n);
    }
    return {
      ...this.log,
      'policy.regularU': out.regularU,
      'policy.nphU': out.nphU,
      'policy.longU': out.longU,
      'policy.value': out.value,
      'policy.updates': out.updates,
      'policy.stateUpdates': out.stateUpdates,
      q: Array.from(this.q, (v) => decodeFixed(v, f)),
      actionCount: [actionCount(this.def.actions)],
      stateCount: [stateCount(this.def.space)],
    };
  }
}
