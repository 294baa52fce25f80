/**
 * PPOPI's seven steps end to end in one process (Chen & Ye 2025, §5):
 * conversion to the KGC's key, equality unification, counting, policy
 * delivery and requests, and the refusals of bad input (nothing counted).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BcpMasterKey, BcpParameters } from '../../../src/privacy/bcp/types.js';
import { PpopiRefusal } from '../../../src/privacy/ppopi/messages.js';
import { type InProcessSystem, inProcessSystem, openTask } from '../../../src/privacy/ppopi/system.js';
import { fixture } from '../bcp/helpers.js';

let params: BcpParameters;
let master: BcpMasterKey;
let system: InProcessSystem;
const shape = { stateCount: 10, actionCount: 4 };

beforeAll(() => {
  ({ parameters: params, master } = fixture(512));
  system = inProcessSystem(params, master, ['alice', 'bob', 'carol']);
  openTask(system, 't1', shape, {}, ['alice', 'bob']);
}, 60_000);

describe('PPOPI in process', () => {
  it('fuses attempts of two users: equal plaintexts get equal tags, and the server counts them', async () => {
    const alice = system.users.get('alice')!;
    const bob = system.users.get('bob')!;
    await system.server.submitAttempt('t1', 'alice', alice.encryptAttempt('t1', { states: [0, 1, 2], actions: [3, 3] }));
    await system.server.submitAttempt('t1', 'bob', bob.encryptAttempt('t1', { states: [0, 1, 2], actions: [3, 3] }));
    const view = system.server.deliverPolicy('t1', 'bob');
    expect(view.states).toHaveLength(3);
    const policy = bob.readPolicy('t1', view);
    expect(policy(0, 3)).toBeCloseTo(-1 - 0.99, 10);
    expect(policy(1, 3)).toBeCloseTo(-1, 10);
    expect(policy(0, 0)).toBeUndefined();
  });

  it('answers an encrypted request with the state\'s actions, best first', async () => {
    const alice = system.users.get('alice')!;
    const answer = await system.server.request('t1', 'alice', alice.encryptValue('t1', 'state', 1));
    expect(alice.readAnswer('t1', answer)).toEqual([{ action: 3, q: -1 }]);
    // A state the server has never seen: no tried action, nothing learned of it.
    const unseen = await system.server.request('t1', 'alice', alice.encryptValue('t1', 'state', 9));
    expect(unseen).toEqual({ actionCount: 4, actions: [] });
  });

  it('refuses a user of no task, a ciphertext outside Z_N², a wrong authorisation, and counts nothing', async () => {
    const alice = system.users.get('alice')!;
    const before = JSON.stringify(system.server.deliverPolicy('t1', 'alice'));
    await expect(system.server.submitAttempt('t1', 'carol', alice.encryptAttempt('t1', { states: [4, 5], actions: [1] }))).rejects.toThrow(
      "server: attempt: 'carol' is not a registered user of task 't1'",
    );
    await expect(system.server.submitAttempt('t1', 'mallory', alice.encryptAttempt('t1', { states: [4, 5], actions: [1] }))).rejects.toThrow(PpopiRefusal);
    const attempt = alice.encryptAttempt('t1', { states: [4, 5], actions: [1] });
    const outside = { ...attempt, actions: [{ ...attempt.actions[0], ciphertext: { ...attempt.actions[0].ciphertext, mask: { a: params.nSquared, b: 1n } } }] };
    await expect(system.server.submitAttempt('t1', 'alice', outside)).rejects.toThrow(/outside Z_\{N²\}/);
    system.server.authorise('t1', 'alice', system.users.get('bob')!.authorisation('t1'));
    await expect(system.server.submitAttempt('t1', 'alice', alice.encryptAttempt('t1', { states: [4, 5], actions: [1] }))).rejects.toThrow(/^kgc: attempt\.(states|actions)\[\d\]: does not decrypt to (a state|an action) of this task under the KGC's key \(a wrong or missing authorisation gives this\)$/);
    system.server.authorise('t1', 'alice', alice.authorisation('t1'));
    expect(JSON.stringify(system.server.deliverPolicy('t1', 'alice'))).toBe(before);
  });

  it('refuses a value of the other kind in a place (an action where a state goes): nothing counted, every user can still read the policy', async () => {
    const alice = system.users.get('alice')!;
    const bob = system.users.get('bob')!;
    const before = JSON.stringify(system.server.deliverPolicy('t1', 'alice'));
    const attempt = alice.encryptAttempt('t1', { states: [6, 7], actions: [2] });
    const mixed = { ...attempt, states: [attempt.states[0], alice.encryptValue('t1', 'action', 2)] };
    await expect(system.server.submitAttempt('t1', 'alice', mixed)).rejects.toThrow(/^kgc: attempt\.states\[1\]: does not decrypt to a state of this task under the KGC's key/);
    // A refused batch spends its values: the next try is encrypted afresh.
    const swapped = { ...alice.encryptAttempt('t1', { states: [6, 7], actions: [2] }), actions: [alice.encryptValue('t1', 'state', 2)] };
    await expect(system.server.submitAttempt('t1', 'alice', swapped)).rejects.toThrow(/^kgc: attempt\.actions\[0\]: does not decrypt to an action of this task/);
    await expect(system.server.request('t1', 'alice', alice.encryptValue('t1', 'action', 1))).rejects.toThrow(/^kgc: request\.state: does not decrypt to a state of this task/);
    // The KGC's refusals name the user's value, not its place in the shuffled batch.
    const unproved = alice.encryptAttempt('t1', { states: [6, 7], actions: [2] });
    const forged = { ...unproved, actions: [{ ...unproved.actions[0], proof: '0'.repeat(64) }] };
    await expect(system.server.submitAttempt('t1', 'alice', forged)).rejects.toThrow(/^kgc: attempt\.actions\[0\]\.proof: not made with this task's record key$/);
    expect(JSON.stringify(system.server.deliverPolicy('t1', 'alice'))).toBe(before);
    expect(() => bob.readPolicy('t1', system.server.deliverPolicy('t1', 'bob'))).not.toThrow();
  });

  it('counts an upload whole also when policy iteration meets its step limit: the upload is accepted, not refused after counting', async () => {
    openTask(system, 't-capped', { stateCount: 5, actionCount: 2 }, { maxImprovementSteps: 1 }, ['carol']);
    const carol = system.users.get('carol')!;
    const attempts = [
      { states: [0, 1, 2, 3], actions: [0, 0, 0] },
      { states: [0, 3], actions: [1] },
      { states: [0, 0, 3], actions: [1, 0] }, // its improvement needs a second step
      { states: [1, 3], actions: [1] },
    ];
    const settled: boolean[] = [];
    for (const attempt of attempts) {
      const { improvement } = await system.server.submitAttempt('t-capped', 'carol', carol.encryptAttempt('t-capped', attempt));
      expect(improvement.improvementSteps).toBe(1);
      settled.push(improvement.settled);
    }
    // The third did meet the limit (it needed a second step), and was counted all the same.
    expect(settled).toEqual([true, true, false, true]);
    expect(system.server.deliverPolicy('t-capped', 'carol').states).toHaveLength(4);
  });

  it('refuses every value that is no record of the task with one reason, whatever it decrypts to (no parity or range oracle on the KGC key)', async () => {
    const alice = system.users.get('alice')!;
    const reasons = new Set<string>();
    // Out of range and even, out of range and odd, in range of the other kind, in range but too large by one.
    for (const [kind, value] of [['state', 1000], ['action', 1000], ['action', 2], ['state', shape.stateCount]] as const) {
      const attempt = alice.encryptAttempt('t1', { states: [0, 1], actions: [0] });
      const odd = { ...attempt, states: [attempt.states[0], alice.encryptValue('t1', kind, value)] };
      const refusal = await system.server.submitAttempt('t1', 'alice', odd).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refusal).toBeInstanceOf(PpopiRefusal);
      expect((refusal as PpopiRefusal).field).toBe('attempt.states[1]');
      reasons.add((refusal as PpopiRefusal).reason);
    }
    expect([...reasons]).toEqual(["does not decrypt to a state of this task under the KGC's key (a wrong or missing authorisation gives this)"]);
  });

  it('refuses a negotiation parameter or an authorisation that shares a factor with N (it would make the task unusable)', () => {
    expect(() => system.server.authorise('t1', 'alice', params.n)).toThrow("server: authorisation: shares a factor with N (not a unit of Z_{N²})");
    const fresh = inProcessSystem(params, master, ['dave']);
    fresh.kgc.openTask('t2', fresh.server.id, ['dave'], shape);
    fresh.server.openTask('t2', ['dave'], shape);
    expect(() => fresh.kgc.receiveNegotiation('t2', 'dave', params.n * 3n)).toThrow('kgc: negotiation.np: shares a factor with N');
    expect(() => fresh.server.receiveNegotiation('t2', 'dave', params.n)).toThrow('server: negotiation.np: shares a factor with N');
  });
});
