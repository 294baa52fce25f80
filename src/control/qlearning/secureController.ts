/**
 * The `secure-q` controller: insulin doses from a Q-learning model that no
 * single server can read (OIDPR, optimized insulin dosage via privacy-
 * preserving reinforcement learning for diabetics, §IV-3). At each reading
 * it acts on (one per slot a day, near the slot's time, as the `mdp` and
 * `q-learning` controllers: src/control/mdp/penAtSlots.ts), the patient's
 * device splits its state into two shares, the two edge servers run SecRep
 * on their shares of the Q-table and return shares of the greedy action and
 * of its doses, and the device adds them. The servers are either real
 * processes reached over TLS (`servers`) or played in this process from the
 * model's two share files (simulation; the same protocol code).
 *
 * It does not learn in the loop: the model is trained beforehand by
 * SecQ-learning (`glucosim secure-q train`). The hypoglycaemia guard of the
 * `q-learning` controller applies (no insulin for `days` after a low).
 */
import { ServerPair } from '../../privacy/edge/clients.js';
import type { PskKeys } from '../../privacy/net/keys.js';
import type { Decision } from '../../privacy/oidpr/inProcess.js';
import { InProcessServers } from '../../privacy/oidpr/inProcess.js';
import { capAction, deliveredAction, HypoglycaemiaGuard, type HypoglycaemiaGuardOptions, meterSlotProblem, NO_INSULIN, penRequest, SlotReadings } from '../mdp/penAtSlots.js';
import { actionDoses, glucoseLevel, stateIndex } from '../mdp/space.js';
import { type Controller, type ControllerContext, type Delivery, type InsulinRequest, type Observation, WALL_CLOCK_SERIES_PREFIX } from '../types.js';
import { qLearningParameters } from './definition.js';
import { readModelShares, SECURE_Q_SLOT_OWNER, type SecureModel } from './secureModel.js';

export interface SecureServers {
  readonly es0: { readonly host: string; readonly port: number };
  readonly es1: { readonly host: string; readonly port: number };
  /** The patient device's keys (TLS-PSK), or plaintext (loopback benchmarks). */
  readonly keys?: PskKeys;
  readonly plaintext?: boolean;
  readonly identity?: string;
}

export interface SecureQControllerOptions {
  readonly model: SecureModel;
  /** Real edge servers; undefined: both played in this process from the share files. */
  readonly servers?: SecureServers;
  readonly hypoglycaemiaGuard?: HypoglycaemiaGuardOptions;
}


/** Doses the servers return may differ from the definition's by fixed-point rounding only. */
const DOSE_TOLERANCE_U = 1e-3;

interface Recommender {
  recommend(states: readonly number[], signal: AbortSignal): Promise<Decision[]>;
  close(): void;
}

/** Quantile of sorted values (linear interpolation), NaN if none. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (at - lo);
}

export class SecureQController implements Controller {
  private readonly options: SecureQControllerOptions;
  private readonly readings: SlotReadings;
  private readonly guard: HypoglycaemiaGuard;
  private recommender: Recommender | undefined;
  private signal: AbortSignal;
  private decisionMin = -1;
  private readonly latenciesMs: number[] = [];
  private readonly log = { decisions: [] as number[], insulinU: [] as number[], guarded: [] as number[] };
  private readonly latencyMedianMs: number[] = [];
  private day = { decisions: [] as number[], insulinU: 0, guarded: 0 };

  constructor(options: SecureQControllerOptions, context: ControllerContext) {
    this.options = options;
    const slots = options.model.definition.space.slots;
    const meterProblem = context.meterTimesOfDayMin && meterSlotProblem(slots, context.meterTimesOfDayMin, SECURE_Q_SLOT_OWNER);
    if (meterProblem) throw new Error(meterProblem);
    this.readings = new SlotReadings(slots, context.startTimeOfDayMin);
    this.guard = new HypoglycaemiaGuard(options.hypoglycaemiaGuard);
    this.signal = context.signal;
  }

  async start(context: ControllerContext): Promise<void> {
    this.signal = context.signal;
    const { model, servers } = this.options;
    if (!servers) {
      const local = new InProcessServers(readModelShares(model));
      this.recommender = { recommend: (states) => local.recommend(states), close: () => {} };
      return;
    }
    const pair = await ServerPair.connect({ servers: [servers.es0, servers.es1], keys: servers.keys, plaintext: servers.plaintext, identity: servers.identity });
    try {
      const info = await pair.describe();
      const expected = qLearningParameters(model.definition);
      if (info.modelId !== model.modelId) throw new Error(`the edge servers serve model ${info.modelId}, not ${model.modelId} (${model.dir}/model.json)`);
      if (info.parameters.states !== expected.states || info.parameters.actions !== expected.actions) throw new Error('the edge servers\' model has other state or action counts than model.json');
      this.recommender = { recommend: (states, signal) => pair.recommend(states, info, signal), close: () => pair.close() };
    } catch (e) {
      pair.close();
      throw e;
    }
  }

  async decide(obs: Observation): Promise<InsulinRequest> {
    if (!this.readings.isNew(obs)) return NO_INSULIN;
    this.guard.seen(obs.glucoseMgDl, obs.glucoseTimeMin);
    const slot = this.readings.slotToActOn(obs.glucoseTimeMin);
    if (slot === undefined) return NO_INSULIN;
    const def = this.options.model.definition;
    const state = stateIndex(def.space, glucoseLevel(def.space.glucose, obs.glucoseMgDl), slot);
    if (!this.recommender) throw new Error('secure-q: decide before start');
    const started = performance.now();
    const [decision] = await this.recommender.recommend([state], this.signal);
    const latency = performance.now() - started;
    this.latenciesMs.push(latency);
    this.day.decisions.push(latency);
    // The doses the servers' shares give must be the action's: a check on the whole protocol.
    const doses = actionDoses(def.actions, decision!.action);
    const expected = [doses.regular, doses.nph, doses.long];
    if (decision!.doses.some((d, i) => Math.abs(d - expected[i]!) > DOSE_TOLERANCE_U)) throw new Error(`secure-q: the servers' doses ${decision!.doses.join('/')} U are not action ${decision!.action}'s ${expected.join('/')} U`);
    let action = decision!.action;
    if (this.guard.active(obs.glucoseTimeMin)) {
      const capped = capAction(def.actions, action, 0);
      if (capped !== action) this.day.guarded++;
      action = capped;
    }
    this.decisionMin = obs.timeMin;
    return penRequest(def.actions, action);
  }

  delivered(delivery: Delivery): void {
    if (delivery.timeMin === this.decisionMin) this.day.insulinU += deliveredAction(this.options.model.definition.actions, delivery).insulinU;
  }

  endOfDay(): void {
    const sorted = [...this.day.decisions].sort((a, b) => a - b);
    this.log.decisions.push(sorted.length);
    this.latencyMedianMs.push(quantile(sorted, 0.5));
    this.log.insulinU.push(this.day.insulinU);
    this.log.guarded.push(this.day.guarded);
    this.day = { decisions: [], insulinU: 0, guarded: 0 };
  }

  /**
   * Per day: decisions made, insulin given (U), decisions the guard cut,
   * and `wallClock.latencyMedianMs`, the median time of the day's decisions
   * (ms: share, SecRep on the two servers, add). Then one value each:
   * `wallClock.p50Ms`, `wallClock.p99Ms`, `wallClock.maxMs` over the run.
   * The `wallClock.` series are measurements of this machine and network:
   * they differ from run to run (WALL_CLOCK_SERIES_PREFIX).
   */
  dailyLog(): Readonly<Record<string, readonly number[]>> {
    const sorted = [...this.latenciesMs].sort((a, b) => a - b);
    return {
      ...this.log,
      [`${WALL_CLOCK_SERIES_PREFIX}latencyMedianMs`]: this.latencyMedianMs,
      [`${WALL_CLOCK_SERIES_PREFIX}p50Ms`]: [quantile(sorted, 0.5)],
      [`${WALL_CLOCK_SERIES_PREFIX}p99Ms`]: [quantile(sorted, 0.99)],
      [`${WALL_CLOCK_SERIES_PREFIX}maxMs`]: [sorted.length ? sorted[sorted.length - 1]! : NaN],
    };
  }

  close(): void {
    this.recommender?.close();
    this.recommender = undefined;
  }
}
