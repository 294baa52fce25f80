import { describe, expect, it } from 'vitest';
import { generatePlan, MAX_PLAN_WORDS, type Plan, planProblem } from '../../../src/privacy/mpc/correlated.js';
import { SessionDealer } from '../../../src/privacy/mpc/dealer.js';

const plan: Plan = [
  { kind: 'triple', n: 3 },
  { kind: 'onehot', n: 2, size: 5 },
  { kind: 'monomials', words: 2, variables: 3, subsets: [3, 5, 6, 7] },
  { kind: 'inject', n: 70, width: 2 },
];

describe('the dealer', () => {
  it("hands each party its half once, and the halves carry the correlations", () => {
    const dealer = new SessionDealer();
    const h1 = dealer.material('s', 1, plan);
    const h0 = dealer.material('s', 0, plan);
    const [g0, g1] = [h0, h1];
    // Triples: c = a·b.
    for (let i = 0; i < 3; i++) expect(BigInt.asUintN(64, (g0[i]! + g1[i]!) * (g0[3 + i]! + g1[3 + i]!))).toBe(BigInt.asUintN(64, g0[6 + i]! + g1[6 + i]!));
    // One-hots: the shared index in Z_5 points at the one hot entry.
    for (let k = 0; k < 2; k++) {
      const at = 9 + k * 6;
      const index = Number(g0[at]! + g1[at]!) % 5;
      const hot = Array.from({ length: 5 }, (_, j) => BigInt.asUintN(64, g0[at + 1 + j]! + g1[at + 1 + j]!));
      expect(hot).toEqual(Array.from({ length: 5 }, (_, j) => (j === index ? 1n : 0n)));
    }
    expect(() => dealer.material('s', 0, plan)).toThrow(/already handed out/);
    expect(dealer.waiting).toBe(0);
  });

  it('serves a recurring plan from a spare generated in idle time: fresh material, each half once', async () => {
    const dealer = new SessionDealer();
    const first = [dealer.material('x', 0, plan), dealer.material('x', 1, plan)];
    await new Promise((r) => setImmediate(r)); // the spare is made now
    const second = [dealer.material('y', 1, plan), dealer.material('y', 0, plan)];
    expect(Array.from(second[1]!.subarray(0, 9))).not.toEqual(Array.from(first[0]!.subarray(0, 9)));
    const [g0, g1] = [second[1]!, second[0]!];
    for (let i = 0; i < 3; i++) expect(BigInt.asUintN(64, (g0[i]! + g1[i]!) * (g0[3 + i]! + g1[3 + i]!))).toBe(BigInt.asUintN(64, g0[6 + i]! + g1[6 + i]!));
  });

  it('refuses a party that asks twice, and withdraws a session whose parties ask for different plans', () => {
    const dealer = new SessionDealer();
    dealer.material('a', 0, plan);
    expect(() => dealer.material('a', 0, plan)).toThrow(/already has its material/);
    dealer.material('b', 0, plan);
    expect(() => dealer.material('b', 1, plan.slice(1))).toThrow(/different plan/);
    expect(() => dealer.material('b', 1, plan)).toThrow(/already handed out/); // the withdrawn session stays closed
  });

  it('closes a session whose second half is not fetched in time: a late party gets a refusal, not new material', async () => {
    const dealer = new SessionDealer(20);
    dealer.material('late', 0, plan);
    await new Promise((r) => setTimeout(r, 60));
    expect(() => dealer.material('late', 1, plan)).toThrow(/already handed out \(or withdrawn\)/);
  });

  it('refuses malformed and oversized plans, naming the request', () => {
    expect(planProblem('x')).toMatch(/not a list/);
    expect(planProblem([{ kind: 'teleport', n: 1 }])).toMatch(/request 0 .*unknown kind/);
    expect(planProblem([{ kind: 'triple', n: -1 }])).toMatch(/request 0/);
    expect(planProblem([{ kind: 'qstep', first: 0, count: 1, rows: 2, cols: 2 }])).toMatch(/recordMasks/);
    expect(planProblem([{ kind: 'monomials', words: 1, variables: 3, subsets: [7] }])).toMatch(/needs subset 6/);
    expect(planProblem([{ kind: 'triple', n: MAX_PLAN_WORDS }])).toMatch(/more than/);
    expect(planProblem(plan)).toBeUndefined();
    expect(() => new SessionDealer().material('c', 0, [{ kind: 'triple', n: 1.5 }] as unknown as Plan)).toThrow(/request 0/);
  });

  it('generates material with node:crypto: two plans never share a word', () => {
    const [a] = generatePlan([{ kind: 'triple', n: 100 }]);
    const [b] = generatePlan([{ kind: 'triple', n: 100 }]);
    const seen = new Set(Array.from(a, String));
    expect(Array.from(b, String).some((w) => seen.has(w))).toBe(false);
  });
});
