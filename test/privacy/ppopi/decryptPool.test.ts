/**
 * The KGC's decryption pool (worker threads, built by `npm run build`): a
 * worker that dies fails its batch in flight and is not given the next one,
 * which the remaining workers (or the calling thread) decrypt: no batch waits
 * for ever on a dead worker.
 */
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { encrypt, generateKeyPair } from '../../../src/privacy/bcp/bcp.js';
import { DecryptPool } from '../../../src/privacy/ppopi/decryptPool.js';
import { fixture } from '../bcp/helpers.js';

const { parameters: params, master } = fixture(512);
const keyPair = generateKeyPair(params);
const ciphertexts = [1n, 2n, 3n, 4n, 5n].map((m) => encrypt(params, keyPair.publicKey, m));
const pools: DecryptPool[] = [];
const workersOf = (pool: DecryptPool) => (pool as unknown as { workers: Worker[] }).workers;
/** Resolves with the promise's value, or rejects if it has not settled within `ms`. */
const within = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))]);

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('DecryptPool', () => {
  it('decrypts the next batch after a worker has died, in order', async () => {
    const pool = new DecryptPool({ params, master, keyPair, engine: 'bigint' }, 2);
    pools.push(pool);
    expect(await pool.decryptAll(ciphertexts)).toEqual([1n, 2n, 3n, 4n, 5n]);
    await workersOf(pool)[0].terminate();
    await new Promise((r) => setTimeout(r, 50));
    expect(await within(pool.decryptAll(ciphertexts), 5000)).toEqual([1n, 2n, 3n, 4n, 5n]);
    await workersOf(pool)[0]?.terminate();
    await new Promise((r) => setTimeout(r, 50));
    expect(pool.workerCount).toBe(0);
    expect(await within(pool.decryptAll(ciphertexts), 5000)).toEqual([1n, 2n, 3n, 4n, 5n]);
  }, 20_000);

  it('fails a batch whose worker dies while it decrypts', async () => {
    const pool = new DecryptPool({ params, master, keyPair, engine: 'bigint' }, 2);
    pools.push(pool);
    const batch = pool.decryptAll(Array.from({ length: 400 }, (_, i) => ciphertexts[i % ciphertexts.length]));
    void workersOf(pool)[1].terminate();
    await expect(within(batch, 5000)).rejects.toThrow(/worker exited/);
  }, 20_000);
});
