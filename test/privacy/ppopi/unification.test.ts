/**
 * The KGC-assisted equality unification (Chen & Ye 2025, §5.5, as
 * docs/ppopi.md §4 builds it): exact (no false match, no missed match), and
 * what the server can and cannot ask the KGC. Also why it is not the paper's
 * eq. (22): the paper's unified values reveal every plaintext difference.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomInt } from 'node:crypto';
import { addPlain, encrypt } from '../../../src/privacy/bcp/bcp.js';
import { modInverse, modPow } from '../../../src/privacy/bcp/arith.js';
import type { BcpMasterKey, BcpParameters } from '../../../src/privacy/bcp/types.js';
import { encodeValue } from '../../../src/privacy/ppopi/encoding.js';
import { type InProcessSystem, inProcessSystem, openTask } from '../../../src/privacy/ppopi/system.js';
import { fixture } from '../bcp/helpers.js';

let params: BcpParameters;
let master: BcpMasterKey;
let system: InProcessSystem;
const shape = { stateCount: 64, actionCount: 4 };

beforeAll(() => {
  ({ parameters: params, master } = fixture(512));
  system = inProcessSystem(params, master, ['alice', 'bob'], { workers: 2 });
  openTask(system, 'pairs', shape);
});

afterAll(async () => {
  await system.kgc.close();
});

describe('equality unification', () => {
  it('is exact over 10^4 random pairs from two users: equal tags exactly when the plaintexts are equal', async () => {
    const alice = system.users.get('alice')!;
    const bob = system.users.get('bob')!;
    const pairs = Array.from({ length: 10_000 }, () => {
      const x = randomInt(shape.stateCount);
      // Half the pairs equal, half drawn independently (equal by chance 1/64 of those).
      return [x, randomInt(2) === 0 ? x : randomInt(shape.stateCount)] as const;
    });
    let matches = 0;
    let falseMatches = 0;
    let missed = 0;
    for (let start = 0; start < pairs.length; start += 1000) {
      const chunk = pairs.slice(start, start + 1000);
      const left = await system.server.tags('pairs', 'alice', 'state', chunk.map(([x]) => alice.encryptValue('pairs', 'state', x)));
      const right = await system.server.tags('pairs', 'bob', 'state', chunk.map(([, y]) => bob.encryptValue('pairs', 'state', y)));
      chunk.forEach(([x, y], i) => {
        const equalTags = left[i] === right[i];
        if (x === y) {
          matches += 1;
          if (!equalTags) missed += 1;
        } else if (equalTags) falseMatches += 1;
      });
    }
    expect({ falseMatches, missed }).toEqual({ falseMatches: 0, missed: 0 });
    expect(matches).toBeGreaterThan(4500);
  }, 120_000);

  it('tags a state and an action of the same number differently', async () => {
    const alice = system.users.get('alice')!;
    const [state] = await system.server.tags('pairs', 'alice', 'state', [alice.encryptValue('pairs', 'state', 3)]);
    const [action] = await system.server.tags('pairs', 'alice', 'action', [alice.encryptValue('pairs', 'action', 3)]);
    expect(state).not.toBe(action);
  });

  it('answers a ciphertext once: the server cannot ask again, nor about a shifted copy, nor about its own encryption', async () => {
    const alice = system.users.get('alice')!;
    const value = alice.encryptValue('pairs', 'state', 5);
    await system.server.tags('pairs', 'alice', 'state', [value]);
    await expect(system.server.tags('pairs', 'alice', 'state', [value])).rejects.toThrow(/^kgc: values\[0\]: this ciphertext's first component was already unified$/);
    // A fresh value, shifted by δ = 1 homomorphically before the KGC sees it: the same g^ρ, so the KGC's answer would tell m from m + 1.
    const fresh = alice.encryptValue('pairs', 'state', 6);
    const shifted = { ...fresh, ciphertext: { ...fresh.ciphertext, masked: (fresh.ciphertext.masked + 2n) % params.n } };
    await system.server.tags('pairs', 'alice', 'state', [shifted]); // accepted once (it is a valid record of 7)…
    await expect(system.server.tags('pairs', 'alice', 'state', [fresh])).rejects.toThrow(/already unified/); // …and the original is now spent
    // The server's own encryption of a guessed state under the KGC's public key carries no user's proof.
    const guess = encrypt(params, system.kgc.publicKey, encodeValue('state', 5));
    await expect(system.kgc.unify('pairs', system.server.id, [{ ciphertext: guess, proof: '0'.repeat(64), kind: 'state' }])).rejects.toThrow(/proof: not made with this task's record key/);
  });

  it('the paper\'s eq. (22) would not do: its unified values give the server every plaintext difference', () => {
    // Eq. (22): the KGC sends Δ = U·(A^{s_KGC})^{-1} for each realigned ciphertext (A, B) of m under its key, and the
    // server forms B·Δ = U(1 + mN). Two such values divide to 1 + (m₁ − m₂)N: the difference in the clear.
    const sKgc = 0x1234567n; // any KGC key works: the leak does not depend on it
    const hKgc = modPow(params.g, sKgc, params.nSquared);
    const u = modPow(params.g, 987654321n, params.nSquared);
    const unified = (m: bigint): bigint => {
      const c = addPlain(params, encrypt(params, hKgc, 0n), m);
      const delta = (u * modInverse(modPow(c.a, sKgc, params.nSquared), params.nSquared)) % params.nSquared;
      return (c.b * delta) % params.nSquared;
    };
    const [m1, m2] = [41n, 17n];
    const ratio = (unified(m1) * modInverse(unified(m2), params.nSquared)) % params.nSquared;
    expect((ratio - 1n) / params.n).toBe(m1 - m2);
    expect(unified(m1)).toBe(unified(m1)); // equal plaintexts do match, as the paper intends
  });
});
