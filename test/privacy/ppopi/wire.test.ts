/**
 * PPOPI's wire codec: every message survives JSON with its BigInts, and a
 * malformed payload is refused in one line naming the field, never quoting
 * the value.
 */
import { describe, expect, it } from 'vitest';
import { PpopiRefusal } from '../../../src/privacy/ppopi/messages.js';
import { decodeRefusal, encodeBody, encodeRefusal, KGC_OPS, MAX_ATTEMPT_ACTIONS, MAX_HEX_DIGITS, SERVER_OPS } from '../../../src/privacy/ppopi/wire.js';

const big = (bits: number, seed: number) => (1n << BigInt(bits - 1)) + BigInt(seed) * 0x1234567n;
const value = (seed: number) => ({ ciphertext: { masked: big(512, seed), mask: { a: big(1024, seed + 1), b: big(1024, seed + 2) } }, proof: 'ab'.repeat(32) });
const refusalOf = (f: () => unknown): PpopiRefusal => {
  try {
    f();
  } catch (e) {
    if (e instanceof PpopiRefusal) return e;
    throw e;
  }
  throw new Error('not refused');
};

describe('PPOPI wire codec', () => {
  it('round-trips requests and replies, BigInts as hex', () => {
    const attempt = { taskId: 't1', attempt: { states: [value(1), value(4)], actions: [value(7)], truncated: true } };
    const payload = encodeBody(attempt);
    expect(payload.toString('utf8')).toContain(`"masked":"${big(512, 1).toString(16)}"`);
    expect(SERVER_OPS.attempt.decodeRequest(payload, 'server')).toEqual(attempt);
    const open = { taskId: 't1', users: ['u1', 'adult#001'], shape: { stateCount: 200, actionCount: 4 }, learning: { gamma: 0.99, sweepsPerStep: 10, maxImprovementSteps: 50 } };
    expect(SERVER_OPS.openTask.decodeRequest(encodeBody(open), 'server')).toEqual(open);
    // The learning options are the attempt learner's (policyIteration.ts): one it does not have is refused, not ignored.
    expect(refusalOf(() => SERVER_OPS.openTask.decodeRequest(encodeBody({ ...open, learning: { maxSweeps: 10 } }), 'server')).field).toBe('learning.maxSweeps');
    const grant = { grant: { kem: { a: 5n, b: 7n }, iv: '0a'.repeat(12), data: 'ff00', tag: '1b'.repeat(16) } };
    expect(KGC_OPS.confirm.decodeReply(encodeBody(grant), 'server')).toEqual(grant);
    const view = { actionCount: 4, optimisticValue: -1, states: [{ state: 'cd'.repeat(32), terminal: false, actions: [{ action: 'ef'.repeat(32), q: -1.9 }] }] };
    expect(SERVER_OPS.policy.decodeReply(encodeBody(view), 'u1')).toEqual(view);
    expect(KGC_OPS.unify.decodeRequest(encodeBody({ taskId: 't', items: [{ ciphertext: { a: 1n, b: 2n }, proof: '00'.repeat(32), kind: 'action' }] }), 'kgc')).toEqual({
      taskId: 't',
      items: [{ ciphertext: { a: 1n, b: 2n }, proof: '00'.repeat(32), kind: 'action' }],
    });
  });

  it('refuses malformed payloads in one line naming the field, quoting no value', () => {
    const garbage = refusalOf(() => SERVER_OPS.policy.decodeRequest(Buffer.from('{"taskId": secret'), 'server'));
    expect(garbage).toMatchObject({ party: 'server', field: 'payload' });
    expect(garbage.message).not.toContain('secret');
    const hex = refusalOf(() => SERVER_OPS.authorise.decodeRequest(encodeBody({ taskId: 't', authorisation: '0123456789abcdeX' }), 'server'));
    expect(hex).toMatchObject({ field: 'authorisation', reason: 'must match ^[0-9a-f]+$' });
    expect(hex.message).not.toContain('0123456789abcdeX');
    const typed = refusalOf(() => SERVER_OPS.authorise.decodeRequest(encodeBody({ taskId: 't', authorisation: 1234567 }), 'server'));
    expect(typed).toMatchObject({ field: 'authorisation', reason: 'must be string' });
    expect(refusalOf(() => KGC_OPS.negotiation.decodeRequest(encodeBody({ taskId: 't', np: 'a'.repeat(MAX_HEX_DIGITS + 1) }), 'kgc'))).toMatchObject({ party: 'kgc', field: 'np' });
    const deep = refusalOf(() => SERVER_OPS.attempt.decodeRequest(encodeBody({ taskId: 't', attempt: { states: [value(1), value(2)], actions: [{ ...value(3), proof: 'xyz' }] } }), 'server'));
    expect(deep.field).toBe('attempt.actions[0].proof');
    const long = { states: Array.from({ length: MAX_ATTEMPT_ACTIONS + 2 }, (_, i) => value(i)), actions: Array.from({ length: MAX_ATTEMPT_ACTIONS + 1 }, (_, i) => value(i)) };
    expect(refusalOf(() => SERVER_OPS.attempt.decodeRequest(encodeBody({ taskId: 't', attempt: long }), 'server')).field).toMatch(/^attempt\.(states|actions)$/);
    const deepNesting = Buffer.from(`{"taskId":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(refusalOf(() => SERVER_OPS.policy.decodeRequest(deepNesting, 'server'))).toMatchObject({ field: 'payload', reason: expect.stringMatching(/nests/) });
    const newline = refusalOf(() => SERVER_OPS.policy.decodeRequest(encodeBody({ taskId: 't', 'a\nb': 1 }), 'server'));
    expect(newline.message).not.toMatch(/\n/);
    expect(refusalOf(() => SERVER_OPS.openTask.decodeRequest(encodeBody({ taskId: 't', users: ['u1', 'u1'], shape: { stateCount: 2, actionCount: 2 }, learning: {} }), 'server')).field).toBe('users');
    expect(refusalOf(() => SERVER_OPS.openTask.decodeRequest(encodeBody({ taskId: '../x', users: ['u1'], shape: { stateCount: 2, actionCount: 2 }, learning: {} }), 'server')).field).toBe('taskId');
  });

  it('refuses a payload of many unknown properties in time linear in its size (no quoting of the whole document per property)', () => {
    const payload: Record<string, unknown> = { taskId: 't' };
    for (let i = 0; i < 8000; i++) payload[`x${i}`] = 'y'.repeat(20);
    const started = performance.now();
    expect(refusalOf(() => SERVER_OPS.policy.decodeRequest(encodeBody(payload), 'server'))).toMatchObject({ field: 'x0', reason: expect.stringMatching(/^unknown property/) });
    expect(performance.now() - started).toBeLessThan(2000);
  }, 60_000);

  it('carries a refusal as the payload of an ERROR frame', () => {
    const r = new PpopiRefusal('kgc', 'unify.items[3]', 'not a ciphertext under this key');
    const back = decodeRefusal(encodeRefusal(r), 'kgc');
    expect(back).toBeInstanceOf(PpopiRefusal);
    expect(back).toMatchObject({ party: 'kgc', field: 'unify.items[3]', reason: 'not a ciphertext under this key' });
    expect(decodeRefusal(Buffer.from('unknown session'), 'server')).toMatchObject({ party: 'server', field: 'frame', reason: 'unknown session' });
  });
});
