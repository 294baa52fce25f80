/**
 * Running a two-party protocol: find its plan by a dry run, have the dealer
 * generate the plan's correlated randomness, run both parties.
 *
 * `runInProcess` puts both parties in one process over an in-memory channel
 * (fast simulation, tests); the networked edge servers run the same protocol
 * functions, each with its own party, over the framed TLS link, with the
 * dealer in its own process. Both take the same items in the same order, so
 * the two modes run the same code.
 */
import { type ChannelStats, memoryChannelPair } from './channel.js';
import { generatePlan, type Plan } from './correlated.js';
import { type Party, type PartyIndex, silentChannel } from './party.js';
import { MaterialPool, PlanRecorder } from './pool.js';

/** A protocol as each party runs it: its own inputs are captured by the function. */
export type PartyProgram<T> = (party: Party) => Promise<T>;

export interface DryRun {
  readonly plan: Plan;
  /** What one party would send and receive, and in how many rounds. */
  readonly traffic: ChannelStats;
}

/**
 * The plan of a protocol run: the same for both parties (a data-oblivious
 * protocol takes the same items whatever its inputs), found by running it on
 * zero material with a channel that answers zeros.
 */
export async function dryRun<T>(program: PartyProgram<T>, id: PartyIndex = 0): Promise<DryRun> {
  const material = new PlanRecorder();
  const channel = silentChannel();
  await program({ id, channel, material });
  return { plan: material.requests, traffic: { ...channel.stats } };
}

/** A party with the dealer's material for a plan. */
export function partyWith(id: PartyIndex, channel: Party['channel'], plan: Plan, material: BigUint64Array): Party & { readonly material: MaterialPool } {
  return { id, channel, material: new MaterialPool(plan, material) };
}

export interface InProcessResult<T> {
  readonly outputs: [T, T];
  /** Party 0's traffic (party 1's is the same, mirrored). */
  readonly traffic: ChannelStats;
}

/**
 * Both parties in this process: `programs[i]` is party i's side (with its
 * shares). The plan comes from a dry run of party 0's side unless given.
 */
export async function runInProcess<T>(programs: [PartyProgram<T>, PartyProgram<T>], plan?: Plan): Promise<InProcessResult<T>> {
  const thePlan = plan ?? (await dryRun(programs[0])).plan;
  const [m0, m1] = generatePlan(thePlan);
  const [c0, c1] = memoryChannelPair();
  const p0 = partyWith(0, c0, thePlan, m0);
  const p1 = partyWith(1, c1, thePlan, m1);
  const outputs = await Promise.all([programs[0](p0), programs[1](p1)]);
  if (!p0.material.exhausted || !p1.material.exhausted) throw new Error('a protocol run left correlated randomness of its plan unused: its plan does not match its run');
  return { outputs, traffic: { ...c0.stats } };
}
