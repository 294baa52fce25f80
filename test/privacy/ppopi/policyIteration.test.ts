/**
 * The server's learning core (attemptServer.ts over policyIteration.ts):
 * Q values of small hand-made MDPs against their closed forms, optimism
 * for untried actions, a self-loop (bumping into a wall), a random
 * stochastic MDP against independent value iteration, warm starts, and the
 * checks of an attempt and of the options.
 */
import { describe, expect, it } from 'vitest';
import { AttemptPolicyServer, type PolicyView } from '../../../src/privacy/ppopi/attemptServer.js';
import { IdPolicyIteration, learningOptions } from '../../../src/privacy/ppopi/policyIteration.js';
import { randomStream } from '../../../src/random/streams.js';

/** Q of (state key, action key) in a view; undefined if not listed. */
function qOf(view: PolicyView, state: string, action: string): number | undefined {
  return view.states.find((s) => s.state === state)?.actions.find((a) => a.action === action)?.q;
}

describe('policy iteration on hand-made MDPs', () => {
  it('a deterministic chain A → B → G: Q(B) = −1, Q(A) = −1 − γ', () => {
    const gamma = 0.9;
    const server = new AttemptPolicyServer(1, { gamma });
    server.ingest({ states: ['A', 'B', 'G'], actions: ['go', 'go'] });
    server.improve();
    const view = server.policyView();
    expect(view.states.map((s) => s.state)).toEqual(['A', 'B', 'G']);
    expect(view.states.map((s) => s.terminal)).toEqual([false, false, true]);
    expect(qOf(view, 'B', 'go')).toBeCloseTo(-1, 12);
    expect(qOf(view, 'A', 'go')).toBeCloseTo(-1 - gamma, 9);
    expect(view.states[2].actions).toEqual([]);
  });

  it('a slip: x reaches G three times in four and stays once; y leads to M, whose untried action is optimistic', () => {
    const gamma = 0.9;
    const server = new AttemptPolicyServer(2, { gamma });
    // Counts: (S, x) → G ×3, → S ×1; (S, y) → M ×1; (M, x) → G ×1.
    server.ingest({ states: ['S', 'S', 'G'], actions: ['x', 'x'] });
    server.ingest({ states: ['S', 'G'], actions: ['x'] });
    server.ingest({ states: ['S', 'G'], actions: ['x'] });
    server.ingest({ states: ['S', 'M', 'G'], actions: ['y', 'x'] });
    server.improve();
    const view = server.policyView();
    // M has the untried action y (value −1), so v(M) = −1 and Q(S, y) = −1 − γ.
    expect(qOf(view, 'S', 'y')).toBeCloseTo(-1 - gamma, 9);
    // π(S) = x: v(S) = −1 + γ(¾·0 + ¼·v(S)) → v(S) = −1/(1 − γ/4); Q(S, x) = v(S).
    const vS = -1 / (1 - gamma / 4);
    expect(qOf(view, 'S', 'x')).toBeCloseTo(vS, 9);
    expect(qOf(view, 'M', 'x')).toBeCloseTo(-1, 12);
    expect(qOf(view, 'M', 'y')).toBeUndefined();
    expect(view.optimisticValue).toBe(-1);
    expect(view.actionCount).toBe(2);
  });

  it('a state whose every action has been tried, one of them a bump into a wall: the policy takes the way out', () => {
    const gamma = 0.99;
    const server = new AttemptPolicyServer(2, { gamma });
    // Round 1: S has tried only `out`, to T; T and U have tried everything (a bump and the way on).
    server.ingest({ states: ['S', 'T', 'T', 'U', 'U', 'G'], actions: ['out', 'bump', 'out', 'bump', 'out'] });
    server.improve();
    expect(server.policyView().states[0].actions.map((a) => a.action)).toEqual(['out']);
    // Round 2: S bumps too. Judged with round 1's v(S) = −1 (optimistic), bumping (−1 − γ)
    // beats going out (−1 − γ − γ²): the policy first bumps for ever, evaluation must
    // still converge, and the next improvement takes the way out.
    server.ingest({ states: ['S', 'S', 'T', 'U', 'G'], actions: ['bump', 'out', 'out', 'out'] });
    const stats = server.improve();
    expect(stats.improvementSteps).toBe(2);
    const view = server.policyView();
    const vS = -1 - gamma - gamma * gamma;
    expect(qOf(view, 'S', 'out')).toBeCloseTo(vS, 9);
    expect(qOf(view, 'S', 'bump')).toBeCloseTo(-1 + gamma * vS, 9);
    expect(qOf(view, 'T', 'bump')).toBeCloseTo(-1 + gamma * (-1 - gamma), 9);
  });

  it('a random stochastic MDP: Q values equal those of independent value iteration to 1e-7', () => {
    const gamma = 0.95;
    const source = randomStream(3, 'mdp', 'test');
    const states = 12;
    const actions = 3;
    const server = new IdPolicyIteration(actions, { gamma });
    server.ensureState(states - 1);
    server.markTerminal(states - 1);
    // Every (s, a) of non-terminal states tried 1..5 times, to random next states: no optimism left.
    const counts: number[][][] = [];
    for (let s = 0; s < states - 1; s++) {
      counts.push([]);
      for (let a = 0; a < actions; a++) {
        counts[s].push(new Array<number>(states).fill(0));
        const visits = source.integerIn(1, 5);
        for (let k = 0; k < visits; k++) {
          const next = source.integerIn(0, states - 1);
          counts[s][a][next]++;
          server.addTransition(s, a, next);
        }
      }
    }
    server.improve();
    // Value iteration from scratch in the test, to 1e-14.
    const v = new Array<number>(states).fill(0);
    const q = (s: number, a: number) => {
      const n = counts[s][a].reduce((x, y) => x + y, 0);
      return -1 + gamma * counts[s][a].reduce((sum, c, t) => sum + (c / n) * v[t], 0);
    };
    for (let it = 0; it < 2000; it++) for (let s = 0; s < states - 1; s++) v[s] = Math.max(...[0, 1, 2].map((a) => q(s, a)));
    for (let s = 0; s < states - 1; s++) {
      for (let a = 0; a < actions; a++) expect(Math.abs(server.q(s, a)! - q(s, a))).toBeLessThan(1e-7);
      expect(Math.abs(server.value(s) - v[s])).toBeLessThan(1e-7);
    }
  });

  it('warm start: a second improve without new attempts changes nothing and takes one step', () => {
    const server = new AttemptPolicyServer(4);
    server.ingest({ states: ['a', 'b', 'c', 'a', 'd'], actions: ['1', '2', '3', '4'] });
    server.improve();
    const before = server.policyView();
    const stats = server.improve();
    expect(stats.improvementSteps).toBe(1);
    expect(stats.evaluationSweeps).toBeLessThanOrEqual(2);
    expect(server.policyView()).toEqual(before);
  });

  it('a truncated attempt does not make its last state terminal', () => {
    const server = new AttemptPolicyServer(1);
    server.ingest({ states: ['A', 'B'], actions: ['go'], truncated: true });
    server.improve();
    const view = server.policyView();
    expect(view.states[1].terminal).toBe(false);
    // B never departed: worth the optimistic value −1, so Q(A) = −1 + γ(−1).
    expect(qOf(view, 'A', 'go')).toBeCloseTo(-1.99, 12);
  });
});

describe('checks', () => {
  it('refuses an attempt whose lengths do not match, or with more distinct actions than the task has, counting nothing', () => {
    const server = new AttemptPolicyServer(2);
    expect(() => server.ingest({ states: ['A', 'B'], actions: [] })).toThrow(/one state more than actions/);
    expect(() => server.ingest({ states: ['A', 'B', 'C', 'D'], actions: ['x', 'y', 'z'] })).toThrow(/more than the task's 2/);
    expect(server.policyView().states).toEqual([]);
  });

  it('refuses γ = 1, a margin below the evaluation error, and a bad action count', () => {
    expect(() => learningOptions({ gamma: 1 })).toThrow(/gamma must be in \(0, 1\)/);
    expect(() => learningOptions({ gamma: 0 })).toThrow(/gamma/);
    expect(() => learningOptions({ gamma: 0.99, tolerance: 1e-6, improvementMargin: 1e-7 })).toThrow(/improvementMargin/);
    expect(() => new AttemptPolicyServer(0)).toThrow(/actionCount/);
    expect(learningOptions()).toMatchObject({ gamma: 0.99, optimisticValue: -1 });
  });
});
