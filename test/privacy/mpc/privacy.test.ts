/**
 * Privacy of the protocols as a server sees them: a party's view must not
 * depend on the secrets. Its input shares and dealer material are uniform
 * by construction (tested below for shares); what is tested here is every
 * message it receives. Tested statistically: the view for two different
 * secret inputs, over many runs, must come from the same distribution (two-
 * sample Kolmogorov–Smirnov per word position, Bonferroni-corrected), and
 * the same test must catch a sharing that leaks (a negative control).
 */
import { randomInt } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { open } from '../../../src/privacy/mpc/arithmetic.js';
import { type ChannelStats, memoryChannelPair, type PeerChannel } from '../../../src/privacy/mpc/channel.js';
import { generatePlan } from '../../../src/privacy/mpc/correlated.js';
import { dryRun, partyWith, type PartyProgram } from '../../../src/privacy/mpc/session.js';
import { shareIndices, shareWords } from '../../../src/privacy/mpc/shares.js';
import { shareModel, shareRecords } from '../../../src/privacy/oidpr/model.js';
import { SecQLearning, SecRep } from '../../../src/privacy/oidpr/protocols.js';

/** A channel that keeps what it receives. */
function recording(inner: PeerChannel): PeerChannel & { received: bigint[] } {
  const received: bigint[] = [];
  return {
    received,
    get stats(): ChannelStats {
      return inner.stats;
    },
    async exchange(op, words) {
      const got = await inner.exchange(op, words);
      received.push(...got);
      return got;
    },
  };
}

/** Party 0's received messages for one run of a two-party program. */
async function viewOfParty0<T>(programs: [PartyProgram<T>, PartyProgram<T>]): Promise<bigint[]> {
  const { plan } = await dryRun(programs[0]);
  const [m0, m1] = generatePlan(plan);
  const [c0, c1] = memoryChannelPair();
  const rec = recording(c0);
  await Promise.all([programs[0](partyWith(0, rec, plan, m0)), programs[1](partyWith(1, c1, plan, m1))]);
  return rec.received;
}

/** Two-sample KS statistic D of samples in [0, 1). */
function ksStatistic(a: number[], b: number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] <= v) i++;
    while (j < y.length && y[j] <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** Critical D for level α (asymptotic, Smirnov): c(α)·sqrt((n + m)/(n·m)), c(α) = sqrt(−ln(α/2)/2). */
function ksCritical(n: number, m: number, alpha: number): number {
  return Math.sqrt(-Math.log(alpha / 2) / 2) * Math.sqrt((n + m) / (n * m));
}

/** A word as a number in [0, 1) (its top 53 bits), or an index share in Z_size scaled to [0, 1). */
const unit = (w: bigint) => Number(w >> 11n) / 2 ** 53;

/** Views (per run: every received word) for two secrets; fails if any position's distributions differ. */
function positionsDiffering(viewsA: bigint[][], viewsB: bigint[][], scaleOf: (pos: number, w: bigint) => number): number[] {
  const positions = viewsA[0].length;
  expect(viewsB[0].length).toBe(positions);
  const alpha = 0.001 / positions; // Bonferroni over positions: a false alarm once in 1000 suite runs
  const crit = ksCritical(viewsA.length, viewsB.length, alpha);
  const bad: number[] = [];
  for (let pos = 0; pos < positions; pos++) {
    const d = ksStatistic(
      viewsA.map((v) => scaleOf(pos, v[pos])),
      viewsB.map((v) => scaleOf(pos, v[pos])),
    );
    if (d > crit) bad.push(pos);
  }
  return bad;
}

const params = { states: 4, actions: 3, alpha: 0.1, gamma: 0.7, fractionBits: 16 };
const RUNS = 300;

/** SecRep's view for a model and a patient state. */
async function secRepView(q: bigint[], state: number): Promise<bigint[]> {
  const [m0, m1] = shareModel({ parameters: params, q: BigInt64Array.from(q), actionSet: [[0], [2], [4]] });
  const [s0, s1] = shareIndices([state], params.states);
  return viewOfParty0([(p) => SecRep(p, m0, s0), (p) => SecRep(p, m1, s1)]);
}

/** The first exchange of SecRep opens index + mask in Z_δ: scale those by δ, the rest are ring words. */
const secRepScale = (pos: number, w: bigint) => (pos === 0 ? (Number(w) + 0.5) / params.states : unit(w));

describe('what a server sees', () => {
  it('SecRep: the view is the same for different states and Q-tables', async () => {
    const qA = [0n, 0n, 0n, 65536n, -65536n, 3n, 9n, 9n, 9n, -5n, 100000n, 7n];
    const qB = [500000n, -1n, 2n, 0n, 0n, 0n, -65536n, 65536n, 1n, 1n, 1n, 1n];
    const viewsA: bigint[][] = [];
    const viewsB: bigint[][] = [];
    for (let r = 0; r < RUNS; r++) {
      viewsA.push(await secRepView(qA, 1));
      viewsB.push(await secRepView(qB, 3));
    }
    expect(positionsDiffering(viewsA, viewsB, secRepScale)).toEqual([]);
  });

  it('SecQ-learning: the view is the same for different records', async () => {
    const recordsA = [
      { state: 0, action: 0, nextState: 1, reward: 1 },
      { state: 1, action: 2, nextState: 3, reward: -0.5 },
    ];
    const recordsB = [
      { state: 3, action: 1, nextState: 3, reward: -2 },
      { state: 2, action: 0, nextState: 0, reward: 0.25 },
    ];
    const view = async (records: typeof recordsA) => {
      const [m0, m1] = shareModel({ parameters: params, q: new BigInt64Array(12), actionSet: [[0], [2], [4]] });
      const [r0, r1] = shareRecords(records, params);
      return viewOfParty0([(p) => SecQLearning(p, m0, r0, { batchSize: 1, rounds: 1 }), (p) => SecQLearning(p, m1, r1, { batchSize: 1, rounds: 1 })]);
    };
    const viewsA: bigint[][] = [];
    const viewsB: bigint[][] = [];
    for (let r = 0; r < RUNS; r++) {
      viewsA.push(await view(recordsA));
      viewsB.push(await view(recordsB));
    }
    // The first 6 words open masked indices (s′ in Z_δ, then s in Z_δ and a in Z_σ per record).
    const sizes = [params.states, params.states, params.states, params.actions, params.states, params.actions];
    const scale = (pos: number, w: bigint) => (pos < 6 ? (Number(w) + 0.5) / sizes[pos] : unit(w));
    expect(positionsDiffering(viewsA, viewsB, scale)).toEqual([]);
  });

  it('negative control: the same test catches shares with too weak a mask', async () => {
    // A broken sharing: x0 drawn from 8 bits only, so x1 = x − x0 betrays x.
    const weak = (secret: bigint) => {
      const x0 = BigUint64Array.of(BigInt(randomInt(256)));
      const x1 = BigUint64Array.of(secret - x0[0]);
      return viewOfParty0([(p) => open(p, 'weak', x0), (p) => open(p, 'weak', x1)]);
    };
    const viewsA: bigint[][] = [];
    const viewsB: bigint[][] = [];
    for (let r = 0; r < RUNS; r++) {
      viewsA.push(await weak(1n << 62n));
      viewsB.push(await weak(3n << 62n));
    }
    expect(positionsDiffering(viewsA, viewsB, (_pos, w) => unit(w))).toEqual([0]);
  });

  it('shares are uniform: KS against U(0, 1) for ring shares, χ² for index shares', () => {
    // Shares come from node:crypto (no seed), so a test at α = 0.001 fails by chance once in a thousand runs
    // (as one in this suite did in CI). At α = 1e-9 with five times the draws, both thresholds are stricter
    // in absolute terms than before (KS 0.0103 vs 0.0138; χ² power grows with n faster than 53.3/22.5).
    const n = 100_000;
    const [s0] = shareWords(new BigUint64Array(n)); // all secrets 0
    const xs = Array.from(s0, unit).sort((a, b) => a - b);
    let d = 0;
    xs.forEach((x, i) => (d = Math.max(d, Math.abs(x - i / n), Math.abs(x - (i + 1) / n))));
    expect(d).toBeLessThan(3.27 / Math.sqrt(n)); // Kolmogorov, α = 1e-9: √(−ln(α/2)/2)
    const [i0] = shareIndices(new Array<number>(n).fill(3), 7);
    const counts = new Array<number>(7).fill(0);
    i0.forEach((v) => counts[v]++);
    const chi2 = counts.reduce((s, c) => s + (c - n / 7) ** 2 / (n / 7), 0);
    expect(chi2).toBeLessThan(53.34); // χ²(6) upper 1e-9 point: Q(x) = e^(−x/2)(1 + x/2 + x²/8)
  });
});

describe('randomness for shares and masks', () => {
  const privacyDir = join(__dirname, '../../../src/privacy');
  const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));

  it('no source file under src/privacy uses Math.random or a seeded generator', () => {
    const offenders = files(privacyDir)
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /Math\.random|seedrandom|random\/streams/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('protocol runs never call Math.random', async () => {
    const original = Math.random;
    Math.random = () => {
      throw new Error('Math.random called during a protocol run');
    };
    try {
      await secRepView([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n, 11n, 12n], 2);
    } finally {
      Math.random = original;
    }
  });
});
