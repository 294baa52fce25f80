/**
 * Both edge servers in this process, over an in-memory channel, with the
 * dealer's role played locally: the fast simulation mode of the `secure-q`
 * controller and of `glucosim secure-q train --in-process`. The patient's
 * and the provider's sides (splitting inputs, adding the returned shares)
 * are the same as over the network; so are the protocol functions.
 */
import type { ChannelStats } from '../mpc/channel.js';
import type { Plan } from '../mpc/correlated.js';
import { decodeFixed, signed } from '../mpc/ring.js';
import { dryRun, type PartyProgram, runInProcess } from '../mpc/session.js';
import { shareIndices } from '../mpc/shares.js';
import { type ModelShare, type PlainRecord, shareRecords } from './model.js';
import { SecQLearning, SecRep, type TrainingSchedule } from './protocols.js';

/** What the patient reads from the two returned shares. */
export interface Decision {
  readonly action: number;
  /** The action's doses (e.g. U of each insulin). */
  readonly doses: number[];
}

/** Plans kept at most (a server meets few protocol sizes; benchmarks sweep more). */
const MAX_CACHED_PLANS = 64;

/** Plans by protocol and public sizes: a protocol's plan never depends on its inputs. */
export class PlanCache {
  private readonly plans = new Map<string, Plan>();

  async plan<T>(key: string, program: PartyProgram<T>): Promise<Plan> {
    let plan = this.plans.get(key);
    if (!plan) {
      plan = (await dryRun(program)).plan;
      // Bounded: a Map keeps insertion order, so the oldest plan goes first.
      if (this.plans.size >= MAX_CACHED_PLANS) this.plans.delete(this.plans.keys().next().value!);
      this.plans.set(key, plan);
    }
    return plan;
  }
}

/** The patient adds the servers' shares (§IV-3): a_q = a′_q + a″_q. */
export function decisionsFrom(action: [BigUint64Array, BigUint64Array], doses: [BigUint64Array, BigUint64Array], width: number, fractionBits: number): Decision[] {
  return Array.from(action[0], (a0, k) => ({
    action: Number(signed(a0 + action[1][k])),
    doses: Array.from({ length: width }, (_, j) => decodeFixed(doses[0][k * width + j] + doses[1][k * width + j], fractionBits)),
  }));
}

export class InProcessServers {
  private shares: [ModelShare, ModelShare];
  private readonly plans = new PlanCache();
  /** Traffic of the last protocol run, party 0's side. */
  lastTraffic: ChannelStats | undefined;

  constructor(shares: [ModelShare, ModelShare]) {
    this.shares = shares;
  }

  get model(): readonly [ModelShare, ModelShare] {
    return this.shares;
  }

  /** SecRep for patient states (plaintext here: this function plays the patient device too). */
  async recommend(states: readonly number[]): Promise<Decision[]> {
    const { parameters, actionWidth } = this.shares[0];
    const [s0, s1] = shareIndices(states, parameters.states);
    const programs: [PartyProgram<Awaited<ReturnType<typeof SecRep>>>, PartyProgram<Awaited<ReturnType<typeof SecRep>>>] = [(p) => SecRep(p, this.shares[0], s0), (p) => SecRep(p, this.shares[1], s1)];
    const plan = await this.plans.plan(`SecRep/${parameters.states}/${parameters.actions}/${actionWidth}/${states.length}`, programs[0]);
    const { outputs, traffic } = await runInProcess(programs, plan);
    this.lastTraffic = traffic;
    return decisionsFrom([outputs[0].action, outputs[1].action], [outputs[0].doses, outputs[1].doses], actionWidth, parameters.fractionBits);
  }

  /** SecQ-learning on records the provider splits; the model changes only if the whole run succeeds. */
  async train(records: readonly PlainRecord[], schedule: TrainingSchedule): Promise<void> {
    const [r0, r1] = shareRecords(records, this.shares[0].parameters);
    const { outputs, traffic } = await runInProcess([(p) => SecQLearning(p, this.shares[0], r0, schedule), (p) => SecQLearning(p, this.shares[1], r1, schedule)]);
    this.lastTraffic = traffic;
    this.shares = [
      { ...this.shares[0], q: outputs[0] },
      { ...this.shares[1], q: outputs[1] },
    ];
  }

  /** The Q-table's plaintext (the provider's view, for checks against the plain reference). */
  revealQ(): BigInt64Array {
    const [a, b] = this.shares;
    const out = new BigInt64Array(a.q.length);
    for (let i = 0; i < out.length; i++) out[i] = signed(a.q[i] + b.q[i]);
    return out;
  }
}
