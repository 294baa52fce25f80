/**
 * The `mdp` controller: Shifrin & Siegelmann 2017's Insulin Optimization
 * Policy Algorithm (§3.2) run on a patient measured a few times a day and
 * injecting with pens. At each meter reading it takes the state (glucose
 * level × slot), counts the transition from the previous reading under the
 * action then given (phases B and D), and injects a dose triplet:
 *
 * - learning (phase B, the first `learningDays` days): the physician's
 *   regimen π0, a multiple-daily-injection schedule with a sliding scale;
 *   with probability `exploration`, a neighbouring dose instead, so that the
 *   counts hold more than one action per state — under a deterministic π0
 *   the learned policy could only repeat π0. A dose is raised only on a
 *   reading above `raiseAboveMgDl` (default 180, the top of the target
 *   range), as a physician would try more insulin only then;
 * - exploitation (phases C–D): value iteration on the counts, the greedy
 *   policy, recomputed every `recalibrateEvery` transitions; π0 decides in
 *   states without data. With a `policyTable` (a policy learned elsewhere:
 *   pooled from many patients by PPOPI, policyTable.ts) it follows this
 *   patient's table instead, unchanged, π0 where the table has no action.
 */
import type { MdiOptions } from '../multipleDailyInjections.js';
import { physicianAction, physicianActions } from './physicianRegimen.js';
import { PHYSICIAN_DECIDES, type PolicyTables } from './policyTable.js';
import type { RandomStream } from '../../random/streams.js';
import type { Controller, ControllerContext, Delivery, InsulinRequest, Observation } from '../types.js';
import type { TransitionCounts } from './counts.js';
import { type MdpDefinition, type MdpSolution, mdpSolver, newCounts } from './model.js';
import { capAction, deliveredAction, HypoglycaemiaGuard, type HypoglycaemiaGuardOptions, MAX_TRANSITION_GAP_MIN, meterSlotProblem, NO_INSULIN, penRequest, SlotReadings } from './penAtSlots.js';
import { glucoseReward } from './reward.js';
import { actionCount, actionDoses, actionIndex, actionIndices, type DoseTriplet, stateCount, stateIndex, glucoseLevel } from './space.js';
import { POLICY_SOURCE } from './valueIteration.js';

export interface MdpControllerOptions {
  readonly definition: MdpDefinition;
  /** Days under π0 before the first policy (phase B). */
  readonly learningDays: number;
  /** π0: the physician's injection regimen. */
  readonly physicianRegimen: MdiOptions;
  /** M: transitions between recalibrations in phase D. */
  readonly recalibrateEvery: number;
  /** Probability of a neighbouring dose at a reading during learning. */
  readonly exploration: number;
  /** How far a neighbouring dose is: this many steps of one preparation's dose list. */
  readonly explorationSteps: number;
  /** Learning tries a higher dose only on a reading above this, mg/dL. */
  readonly raiseAboveMgDl: number;
  /**
   * After a reading below `belowMgDl`, for `days` days no dose exceeds π0's
   * at the same reading (exploration and policy alike); undefined: no guard.
   */
  readonly hypoglycaemiaGuard?: HypoglycaemiaGuardOptions;
  /** Counts to start from (a policy file learned elsewhere), or none. */
  readonly startFrom?: { readonly file: string; readonly counts: TransitionCounts };
  /** Tables to follow after the learning days instead of solving the counts (policyTable.ts), or none. */
  readonly policyTable?: PolicyTables;
}

/** Whose slots a meter problem names. */
export const MDP_SLOT_OWNER = "the MDP's";

export class MdpController implements Controller {
  private readonly options: MdpControllerOptions;
  private readonly def: MdpDefinition;
  private readonly bodyWeightKg: number;
  private readonly counts: TransitionCounts;
  private readonly explore: RandomStream;
  /** π0's action for each state's lower-bound glucose: the preferred action on ties. */
  private readonly physicianPreferred: Int32Array;
  private readonly solver: ReturnType<typeof mdpSolver>;
  private solution: MdpSolution | undefined;
  /** This patient's policy table (option `policyTable`): followed as is after the learning days. */
  private readonly table: Int32Array | undefined;
  private transitionsSinceSolve = 0;
  private readonly readings: SlotReadings;
  private readonly guard: HypoglycaemiaGuard;
  /** The control instant of the last action taken, whose delivery updates it. */
  private decisionMin = -1;
  private previous: { state: number; action: number; timeMin: number } | undefined;
  // Daily log.
  private readonly log = { phase: [] as number[], meanReward: [] as number[], readings: [] as number[], learnedStates: [] as number[], recalibrations: [] as number[], insulinU: [] as number[], guarded: [] as number[] };
  private day = { rewardSum: 0, readings: 0, recalibrations: 0, insulinU: 0, guarded: 0 };

  constructor(options: MdpControllerOptions, context: ControllerContext) {
    this.options = options;
    this.def = options.definition;
    const meterProblem = context.meterTimesOfDayMin && meterSlotProblem(this.def.space.slots, context.meterTimesOfDayMin, MDP_SLOT_OWNER);
    if (meterProblem) throw new Error(meterProblem);
    this.bodyWeightKg = context.therapy.bodyWeightKg;
    this.counts = newCounts(this.def);
    this.solver = mdpSolver(this.def);
    for (const [s, a, next, n] of options.startFrom?.counts.entries() ?? []) this.counts.add(s, a, next, n);
    this.explore = context.random('exploration');
    this.readings = new SlotReadings(this.def.space.slots, context.startTimeOfDayMin);
    this.guard = new HypoglycaemiaGuard(options.hypoglycaemiaGuard);
    this.physicianPreferred = physicianActions(options.physicianRegimen, this.def.space, this.def.actions, this.bodyWeightKg);
    if (options.policyTable) {
      const table = options.policyTable.get(context.seed, context.therapy.patient);
      if (!table) throw new Error(`${options.policyTable.file} has no policy table for patient ${context.therapy.patient} under seed ${context.seed}`);
      this.table = table;
    }
  }

  /** π0 at a reading in a slot (physicianRegimen.ts). */
  private physicianAction(glucoseMgDl: number, slot: number): number {
    return physicianAction(this.options.physicianRegimen, this.def.space.slots, this.def.actions, slot, this.bodyWeightKg, glucoseMgDl);
  }

  /** During learning: π0's action, or with probability `exploration` one of π0's neighbours (`explorationSteps` along one preparation's dose list). */
  private learningAction(physician: number, glucoseMgDl: number): number {
    if (!(this.explore.uniform() < this.options.exploration)) return physician;
    const i = actionIndices(this.def.actions, physician);
    const raise = glucoseMgDl > this.options.raiseAboveMgDl;
    const moves: DoseTriplet[] = [];
    for (const prep of ['regular', 'nph', 'long'] as const) {
      const n = this.def.actions[prep].length;
      const step = this.options.explorationSteps;
      if (raise && i[prep] + step < n) moves.push({ ...i, [prep]: i[prep] + step });
      if (i[prep] - step >= 0) moves.push({ ...i, [prep]: i[prep] - step });
    }
    if (moves.length === 0) return physician;
    const m = moves[this.explore.integerIn(0, moves.length - 1)];
    return actionIndex(this.def.actions, m.regular, m.nph, m.long);
  }

  /** The hypoglycaemia guard (penAtSlots.ts): after a low reading, no more than π0 of any preparation. */
  private guarded(action: number, physician: number, readingMin: number): number {
    if (!this.guard.active(readingMin)) return action;
    const capped = capAction(this.def.actions, action, physician);
    if (capped !== action) this.day.guarded++;
    return capped;
  }

  private solve(): void {
    this.solution = this.solver(this.counts, this.physicianPreferred, this.solution?.values);
    this.transitionsSinceSolve = 0;
    this.day.recalibrations++;
  }

  decide(obs: Observation): InsulinRequest {
    // Act once per reading, in the control period in which it was taken…
    if (!this.readings.isNew(obs)) return NO_INSULIN;
    // Every low reading starts the guard, also one the MDP does not act on (a CGM's at 03:00).
    this.guard.seen(obs.glucoseMgDl, obs.glucoseTimeMin);
    // …and on one reading per slot a day, near the slot's time.
    const slot = this.readings.slotToActOn(obs.glucoseTimeMin);
    if (slot === undefined) return NO_INSULIN;
    const state = stateIndex(this.def.space, glucoseLevel(this.def.space.glucose, obs.glucoseMgDl), slot);
    this.day.rewardSum += glucoseReward(this.def.space.glucose, this.def.reward, obs.glucoseMgDl);
    this.day.readings++;

    const exploiting = obs.day > this.options.learningDays;
    if (this.previous && obs.glucoseTimeMin - this.previous.timeMin <= MAX_TRANSITION_GAP_MIN) {
      this.counts.add(this.previous.state, this.previous.action, state);
      if (exploiting) this.transitionsSinceSolve++;
    }
    if (exploiting && !this.table && (!this.solution || this.transitionsSinceSolve >= this.options.recalibrateEvery)) this.solve();

    const physician = this.physicianAction(obs.glucoseMgDl, slot);
    let action: number;
    if (exploiting && this.table) {
      action = this.table[state] === PHYSICIAN_DECIDES ? physician : this.table[state];
    } else if (this.solution) {
      const learned = this.solution.policy.source[state] === POLICY_SOURCE.learned;
      action = learned ? this.solution.policy.action[state] : physician;
    } else {
      action = this.learningAction(physician, obs.glucoseMgDl);
    }
    action = this.guarded(action, physician, obs.glucoseTimeMin);
    this.previous = { state, action, timeMin: obs.glucoseTimeMin };
    this.decisionMin = obs.timeMin;
    return penRequest(this.def.actions, action);
  }

  /** The counts record what the pen gave (rounded or capped), as the nearest action. */
  delivered(delivery: Delivery): void {
    const given = deliveredAction(this.def.actions, delivery);
    this.day.insulinU += given.insulinU;
    if (this.previous && delivery.timeMin === this.decisionMin) this.previous = { ...this.previous, action: given.action };
  }

  endOfDay(): void {
    const following = this.table !== undefined && this.log.phase.length + 1 > this.options.learningDays;
    this.log.phase.push(this.solution || following ? 1 : 0);
    this.log.meanReward.push(this.day.readings ? this.day.rewardSum / this.day.readings : NaN);
    this.log.readings.push(this.day.readings);
    this.log.learnedStates.push(
      following
        ? this.table!.reduce((n, a) => n + (a === PHYSICIAN_DECIDES ? 0 : 1), 0)
        : this.solution
          ? this.solution.policy.source.reduce((n, s) => n + (s === POLICY_SOURCE.learned ? 1 : 0), 0)
          : 0,
    );
    this.log.recalibrations.push(this.day.recalibrations);
    this.log.insulinU.push(this.day.insulinU);
    this.log.guarded.push(this.day.guarded);
    this.day = { rewardSum: 0, readings: 0, recalibrations: 0, insulinU: 0, guarded: 0 };
  }

  /**
   * Per day: phase (0 learning, 1 exploitation), mean reward of the
   * readings, readings, states with a learned action, recalibrations,
   * insulin given (U). Then the final policy, one value per state (index =
   * slot·L + level; see `describeMdpLog`): `policy.regularU`, `policy.nphU`,
   * `policy.longU` (NaN where π0 decides), `policy.visits`, `policy.stateVisits`.
   */
  dailyLog(): Readonly<Record<string, readonly number[]>> {
    const S = stateCount(this.def.space);
    // The policy as it stands at the end: the table followed, or solved afresh from every count (also in a run that never left phase B).
    const final = this.table ? undefined : this.solver(this.counts, this.physicianPreferred);
    const policy = { regularU: [] as number[], nphU: [] as number[], longU: [] as number[], visits: [] as number[], stateVisits: [] as number[] };
    for (let s = 0; s < S; s++) {
      const action = final ? (final.policy.source[s] === POLICY_SOURCE.learned ? final.policy.action[s] : PHYSICIAN_DECIDES) : this.table![s];
      const doses = action === PHYSICIAN_DECIDES ? { regular: NaN, nph: NaN, long: NaN } : actionDoses(this.def.actions, action);
      policy.regularU.push(doses.regular);
      policy.nphU.push(doses.nph);
      policy.longU.push(doses.long);
      // With a table, the visits are this patient's own (a pooled table's pairs were visited by many).
      policy.visits.push(final ? final.policy.visits[s] : action === PHYSICIAN_DECIDES ? 0 : this.counts.visits(s, action));
      policy.stateVisits.push(this.counts.stateVisits(s));
    }
    return {
      ...this.log,
      'policy.regularU': policy.regularU,
      'policy.nphU': policy.nphU,
      'policy.longU': policy.longU,
      'policy.visits': policy.visits,
      'policy.stateVisits': policy.stateVisits,
      actionCount: [actionCount(this.def.actions)],
      ...(this.table ? { policyTable: [1] } : {}),
    };
  }
}
