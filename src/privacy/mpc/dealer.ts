/**
 * The dealer's side of a session: the two parties each ask for their half
 * of the material of the same plan; the first request generates both halves
 * and keeps the other until its party asks (or the session expires). Each
 * half is handed out once, and only to its own party; a party asking for a
 * different plan than the other did is refused (the servers are out of
 * step, or one is lying), so neither gets material for it.
 *
 * Used as is in process, and behind the dealer process's TLS link.
 */
import { generatePlan, type Plan, planLength, planProblem } from './correlated.js';
import type { PartyIndex } from './party.js';
import type { Words } from './ring.js';

/** Finished session ids a dealer remembers (random 64-bit ids: an old one comes back only by replay). */
export const MAX_REMEMBERED = 1 << 16;

/** Plans the dealer keeps one spare set of material for, and the largest such plan (words per party, 8 MiB). */
export const MAX_SPARE_PLANS = 16;
export const MAX_SPARE_WORDS = 1 << 20;

/** How long a half waits for its party, ms: longer than an edge server's session deadline twice over (es1 may wait that long for its client's half, then run). */
export const DEFAULT_SESSION_TTL_MS = 300_000;

interface Pending {
  readonly planKey: string;
  readonly halves: [Words | undefined, Words | undefined];
  readonly taken: [boolean, boolean];
  readonly timer: NodeJS.Timeout;
}

export class SessionDealer {
  private readonly sessions = new Map<string, Pending>();
  /** Pre-generated material by plan, each used once (at most MAX_SPARE_PLANS plans). */
  private readonly spares = new Map<string, [Words, Words]>();
  /** Sessions both parties have collected (the latest MAX_REMEMBERED): such a session id is never served again. */
  private readonly finished = new Set<string>();

  constructor(private readonly ttlMs = DEFAULT_SESSION_TTL_MS) {}

  /** Party `party`'s half of the material for `plan` in session `session`. */
  material(session: string, party: PartyIndex, plan: Plan): Words {
    const problem = planProblem(plan);
    if (problem) throw new Error(`session ${session}: ${problem}`);
    if (this.finished.has(session)) throw new Error(`session ${session}: its material was already handed out (or withdrawn)`);
    const planKey = JSON.stringify(plan);
    let pending = this.sessions.get(session);
    if (!pending) {
      const halves = this.spareFor(planKey, plan);
      // On expiry the session is closed for good: a late party must not get half of a new, uncorrelated generation.
      const timer = setTimeout(() => {
        this.sessions.delete(session);
        this.finish(session);
      }, this.ttlMs);
      timer.unref();
      pending = { planKey, halves, taken: [false, false], timer };
      this.sessions.set(session, pending);
    } else if (pending.planKey !== planKey) {
      this.drop(session, pending);
      this.finish(session);
      throw new Error(`session ${session}: party ${party} asked for a different plan than party ${1 - party}; the session's material is withdrawn`);
    }
    if (pending.taken[party]) throw new Error(`session ${session}: party ${party} already has its material`);
    const half = pending.halves[party]!;
    pending.taken[party] = true;
    pending.halves[party] = undefined;
    if (pending.taken[0] && pending.taken[1]) {
      this.drop(session, pending);
      this.finish(session);
    }
    return half;
  }

  /**
   * Material for a plan: the spare generated after the last session of the
   * same plan if there is one (it was never handed out), else new; then a
   * new spare is generated when the process is idle, so that the next
   * session of a recurring plan (every SecRep of one model, say) does not
   * wait for generation: the offline phase ahead of the online one.
   */
  private spareFor(planKey: string, plan: Plan): [Words, Words] {
    const spare = this.spares.get(planKey);
    this.spares.delete(planKey);
    const halves = spare ?? generatePlan(plan);
    if (this.spares.size < MAX_SPARE_PLANS && planLength(plan) <= MAX_SPARE_WORDS) {
      setImmediate(() => {
        if (!this.spares.has(planKey) && this.spares.size < MAX_SPARE_PLANS) this.spares.set(planKey, generatePlan(plan));
      });
    }
    return halves;
  }

  /** Sessions waiting for their second party. */
  get waiting(): number {
    return this.sessions.size;
  }

  /** Remember a finished session, forgetting the oldest beyond MAX_REMEMBERED (a Set keeps insertion order). */
  private finish(session: string): void {
    this.finished.add(session);
    if (this.finished.size > MAX_REMEMBERED) this.finished.delete(this.finished.values().next().value!);
  }

  private drop(session: string, pending: Pending): void {
    clearTimeout(pending.timer);
    this.sessions.delete(session);
  }
}
