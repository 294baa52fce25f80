/**
 * The property the encrypted run rests on: a server fed the same attempts
 * in the same order computes bit-identical Q values (Object.is) whether its
 * keys are plain values or opaque tags, since it only ever compares keys
 * for equality. Checked on the attempts of real Grid World studies and on
 * random stochastic attempt streams, with the keys renamed to random hex
 * strings and to names whose sort order is the reverse of first-seen order.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seededMaze } from '../../../src/cli/ppopiGridWorld.js';
import { AttemptPolicyServer, type KeyedAttempt } from '../../../src/privacy/ppopi/attemptServer.js';
import { type PlainAttempt, type PolicyPipeline, runGridWorldStudy } from '../../../src/privacy/ppopi/gridWorldStudy.js';
import { actionKey, plainPipeline, stateKey } from '../../../src/privacy/ppopi/plainPipeline.js';
import { randomStream } from '../../../src/random/streams.js';

type Rename = (key: string) => string;

/** A bijective renaming to random 16-byte hex strings. */
function hexRenaming(): Rename {
  const names = new Map<string, string>();
  const used = new Set<string>();
  return (key) => {
    let name = names.get(key);
    if (name === undefined) {
      do name = randomBytes(16).toString('hex');
      while (used.has(name));
      used.add(name);
      names.set(key, name);
    }
    return name;
  };
}

/** A bijective renaming whose names sort in the reverse of first-seen order (z999…, z998…). */
function reverseRenaming(): Rename {
  const names = new Map<string, string>();
  return (key) => {
    let name = names.get(key);
    if (name === undefined) {
      name = `z${String(999_999 - names.size).padStart(6, '0')}`;
      names.set(key, name);
    }
    return name;
  };
}

function renamed(attempt: KeyedAttempt, state: Rename, action: Rename): KeyedAttempt {
  return { states: attempt.states.map(state), actions: attempt.actions.map(action), truncated: attempt.truncated };
}

/** Feed both servers the attempts, improving after each; compare every Q value and the stats bit for bit. */
function expectIdentical(attempts: readonly KeyedAttempt[], renameState: Rename, renameAction: Rename): number {
  const plain = new AttemptPolicyServer(4);
  const tagged = new AttemptPolicyServer(4);
  let compared = 0;
  for (const attempt of attempts) {
    plain.ingest(attempt);
    tagged.ingest(renamed(attempt, renameState, renameAction));
    expect(tagged.improve()).toEqual(plain.improve());
    const a = plain.policyView();
    const b = tagged.policyView();
    expect(b.states.length).toBe(a.states.length);
    a.states.forEach((s, i) => {
      const t = b.states[i];
      expect(t.state).toBe(renameState(s.state));
      expect(t.terminal).toBe(s.terminal);
      expect(t.actions.map((x) => x.action)).toEqual(s.actions.map((x) => renameAction(x.action)));
      s.actions.forEach((x, k) => {
        if (!Object.is(t.actions[k].q, x.q)) throw new Error(`Q(${s.state}, ${x.action}) differs: ${x.q} vs ${t.actions[k].q}`);
        compared++;
      });
    });
  }
  return compared;
}

/** The attempts of a plain study of `count` mazes, in the order they were submitted. */
async function studyAttempts(count: number): Promise<KeyedAttempt[][]> {
  const shape = { columns: 12, rows: 6, wallProbability: 0.2 };
  const perMaze: KeyedAttempt[][] = [];
  await runGridWorldStudy(
    { mazes: Array.from({ length: count }, (_, i) => seededMaze(21, i, shape)), modes: ['plain'], maxRounds: 200, maxStepsPerAttempt: 5000 },
    {
      plain: (maze, index, learning): PolicyPipeline => {
        const inner = plainPipeline(maze, learning);
        perMaze[index] = [];
        return {
          ...inner,
          submit: (attempt: PlainAttempt) => {
            perMaze[index].push({ states: attempt.states.map(stateKey), actions: attempt.actions.map(actionKey), truncated: attempt.truncated });
            return inner.submit(attempt);
          },
        };
      },
    },
  );
  return perMaze;
}

/** Random attempts over a few states and actions, with random (stochastic) next states, some truncated. */
function randomAttempts(seed: number, count: number): KeyedAttempt[] {
  const source = randomStream(seed, 'attempts', 'test');
  const attempts: KeyedAttempt[] = [];
  for (let i = 0; i < count; i++) {
    const length = source.integerIn(0, 30);
    const states = [`s:${source.integerIn(0, 3)}`];
    const actions: string[] = [];
    for (let k = 0; k < length; k++) {
      actions.push(`a:${source.integerIn(0, 3)}`);
      states.push(`s:${source.integerIn(0, 19)}`);
    }
    attempts.push({ states, actions, truncated: source.uniform() < 0.2 });
  }
  return attempts;
}

describe('plain keys and tags give bit-identical Q values', () => {
  it('on the attempts of Grid World studies (random hex tags and reverse-sorted names)', async () => {
    const perMaze = await studyAttempts(4);
    let compared = 0;
    for (const attempts of perMaze) {
      compared += expectIdentical(attempts, hexRenaming(), hexRenaming());
      compared += expectIdentical(attempts, reverseRenaming(), reverseRenaming());
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('on random stochastic attempts, some cut short', () => {
    let compared = 0;
    for (const seed of [1, 2, 3]) {
      const attempts = randomAttempts(seed, 40);
      compared += expectIdentical(attempts, hexRenaming(), hexRenaming());
      compared += expectIdentical(attempts, reverseRenaming(), reverseRenaming());
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('the comparison does catch a server whose arithmetic follows the keys (the attempts fed in another order)', () => {
    const attempts = randomAttempts(4, 30);
    const plain = new AttemptPolicyServer(4);
    const other = new AttemptPolicyServer(4);
    for (const a of attempts) plain.ingest(a);
    for (const a of [...attempts].reverse()) other.ingest(a);
    plain.improve();
    other.improve();
    const q = (s: AttemptPolicyServer) => new Map(s.policyView().states.flatMap((st) => st.actions.map((x) => [`${st.state}|${x.action}`, x.q] as const)));
    const qa = q(plain);
    const qb = q(other);
    const differing = [...qa].filter(([k, v]) => !Object.is(qb.get(k), v));
    // The same model up to rounding, but not bit for bit: order matters, which is why ids follow first-seen order.
    expect(differing.length).toBeGreaterThan(0);
    for (const [k, v] of qa) expect(Math.abs(qb.get(k)! - v)).toBeLessThan(1e-6);
  });
});
