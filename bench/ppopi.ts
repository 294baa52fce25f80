/**
 * `npm run bench:ppopi [-- --bits 2048] [--keys DIR] [--mazes 2] [--seed 1] [--quick]`:
 * the cost of PPOPI (Chen & Ye 2025, policy iteration over encrypted
 * records pooled from many users), issue #14, on this machine.
 *
 * 1. What each speed-up buys, per value at the key size (medians):
 *    - user encryption (§5.3): BCP with sliding-window exponentiations vs
 *      fixed-base tables for g and h_KGC (bcp/fixedBase.ts);
 *    - the KGC's decryption (§5.5): with the secret key alone (BigInt, an
 *      exponent of |N²| bits), by the CRT with the factors (BigInt), by the
 *      CRT on OpenSSL's constant-time exponentiation (bcp/engines.ts);
 *    - unification of a batch of 64 values by the KGC: in its own thread
 *      vs spread over 2 worker threads (decryptPool.ts).
 * 2. Table 2's "average time cost per round" (PPOPI §7) on `--mazes` Grid
 *    World mazes (20 × 10, 20 % walls, seeded), the same mazes in the clear
 *    and encrypted, everything in one process: a round is the user's walk,
 *    the upload (encrypted: the user's encryption, the server's conversion,
 *    the KGC's unification over 2 workers, counting and policy iteration)
 *    and the delivery of the policy. The ratio is encrypted ÷ plain; the
 *    user's encryption is also reported apart, per value.
 *
 * Keys are generated at the start (`crypto.generatePrime` with safe primes;
 * seconds at 2048 bits) unless `--keys` names a `glucosim ppopi keygen`
 * directory. Progress and tables go to stderr; stdout gets one JSON object.
 */
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { experimentMazes } from '../src/cli/ppopiGridWorld.js';
import { Decryptor, encrypt, Encryptor, generateKeyPair, generateParameters } from '../src/privacy/bcp/bcp.js';
import { opensslEngineWorks } from '../src/privacy/bcp/engines.js';
import { readMasterFile } from '../src/privacy/bcp/keyFile.js';
import { randomBelow } from '../src/privacy/bcp/random.js';
import type { BcpMasterKey, BcpParameters } from '../src/privacy/bcp/types.js';
import { encryptedPipelineFactory } from '../src/privacy/ppopi/encryptedPipeline.js';
import { plainPipelineFactory } from '../src/privacy/ppopi/plainPipeline.js';
import { runGridWorldStudy } from '../src/privacy/ppopi/gridWorldStudy.js';
import { inProcessSystem, openTask } from '../src/privacy/ppopi/system.js';

const { values: args } = parseArgs({
  options: {
    bits: { type: 'string', default: '2048' },
    keys: { type: 'string' },
    mazes: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    quick: { type: 'boolean', default: false },
  },
});

const say = (line: string): void => void process.stderr.write(`${line}\n`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median ms of `runs` calls of f (after one warm-up call). */
function timeEach(runs: number, f: () => unknown): number {
  f();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

async function timeEachAsync(runs: number, f: () => Promise<unknown>): Promise<number> {
  await f();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

async function keys(): Promise<{ params: BcpParameters; master: BcpMasterKey; keygenMs: number | null }> {
  if (args.keys !== undefined) {
    const { parameters, master } = readMasterFile(join(args.keys, 'master.json'));
    return { params: parameters, master, keygenMs: null };
  }
  const bits = Number(args.bits);
  say(`ppopi bench: generating ${bits}-bit BCP parameters (two safe primes)…`);
  const t = performance.now();
  const { parameters, master } = await generateParameters(bits);
  return { params: parameters, master, keygenMs: performance.now() - t };
}

async function main(): Promise<void> {
  const { params, master, keygenMs } = await keys();
  const runs = args.quick ? 3 : 9;
  say(`ppopi bench: N of ${params.bits} bits${keygenMs === null ? '' : `, generated in ${(keygenMs / 1000).toFixed(1)} s`}; ${cpus().length} cores, load ${loadavg()[0].toFixed(2)}`);

  // 1. Per value.
  const keyPair = generateKeyPair(params);
  const message = () => randomBelow(params.n);
  const encryptor = new Encryptor(params, keyPair.publicKey);
  const encryptSlidingMs = timeEach(runs, () => encrypt(params, keyPair.publicKey, message()));
  const encryptFixedBaseMs = timeEach(runs * 4, () => encryptor.encrypt(message()));
  const samples = Array.from({ length: runs + 1 }, () => encryptor.encrypt(message()));
  let k = 0;
  const next = () => samples[k++ % samples.length];
  const plainDecryptor = new Decryptor(params, keyPair, { engine: 'bigint' });
  const crtBigint = new Decryptor(params, keyPair, { master, engine: 'bigint' });
  const crtOpenssl = new Decryptor(params, keyPair, { master, engine: 'openssl' });
  const decryptSecretKeyMs = timeEach(runs, () => plainDecryptor.decrypt(next()));
  const decryptCrtBigintMs = timeEach(runs * 2, () => crtBigint.decrypt(next()));
  const decryptCrtOpensslMs = opensslEngineWorks() ? timeEach(runs * 4, () => crtOpenssl.decrypt(next())) : null;
  say(`per value: encryption ${encryptSlidingMs.toFixed(2)} ms sliding window → ${encryptFixedBaseMs.toFixed(2)} ms fixed-base tables`);
  say(`           KGC decryption ${decryptSecretKeyMs.toFixed(2)} ms secret key → ${decryptCrtBigintMs.toFixed(2)} ms CRT (BigInt) → ${decryptCrtOpensslMs?.toFixed(2) ?? 'n/a'} ms CRT (OpenSSL)`);

  // Unification of a batch: the KGC in its own thread vs 2 worker threads.
  const batch = 64;
  const unifyMsPerValue: Record<string, number> = {};
  for (const workers of [0, 2]) {
    const system = inProcessSystem(params, master, ['bench-user'], { workers });
    openTask(system, 'bench', { stateCount: 1 << 20, actionCount: 4 });
    const user = system.users.get('bench-user')!;
    // Fresh values for every run (the KGC answers a value once), encrypted before the clock starts.
    const batches = Array.from({ length: (args.quick ? 2 : 5) + 1 }, () => Array.from({ length: batch }, (_, i) => user.encryptValue('bench', 'state', i)));
    let b = 0;
    unifyMsPerValue[`workers${workers}`] = (await timeEachAsync(batches.length - 1, () => system.server.tags('bench', 'bench-user', 'state', batches[b++]))) / batch;
    await system.kgc.close();
  }
  say(`           unification (conversion + KGC) of ${batch} values: ${unifyMsPerValue.workers0.toFixed(2)} ms/value in one thread → ${unifyMsPerValue.workers2.toFixed(2)} ms/value on 2 workers`);

  // 2. Table 2's time per round.
  const mazeCount = Number(args.mazes);
  const experiment = { seed: Number(args.seed), columns: 20, rows: 10, wallProbability: 0.2, mazes: mazeCount };
  const mazes = experimentMazes(experiment as Parameters<typeof experimentMazes>[0], mazeCount);
  const system = inProcessSystem(params, master, ['user-1', 'user-2'], { workers: 2 });
  say(`Grid World: ${mazeCount} mazes, plain and encrypted, ${params.bits}-bit keys…`);
  const result = await runGridWorldStudy(
    { mazes, modes: ['plain', 'encrypted'], maxRounds: 1000, maxStepsPerAttempt: 20_000 },
    { plain: plainPipelineFactory, encrypted: encryptedPipelineFactory(system, 'bench') },
    (p) => say(`  ${JSON.stringify(p)}`),
  );
  await system.kgc.close();
  const plain = result.timings.find((t) => t.mode === 'plain')!;
  const encrypted = result.timings.find((t) => t.mode === 'encrypted')!;
  const encryptedRounds = result.rounds.filter((r) => r.mode === 'encrypted');
  const values = encryptedRounds.reduce((s, r) => s + 2 * r.steps + 1, 0);
  const userEncryptMs = encryptedRounds.reduce((s, r) => s + (r.components.userEncryptMs ?? 0), 0);
  const serverSideMs = encrypted.meanMsPerRound - (encrypted.meanComponentMs.userEncryptMs ?? 0);
  say(`time per round: plain ${plain.meanMsPerRound.toFixed(3)} ms, encrypted ${encrypted.meanMsPerRound.toFixed(3)} ms (ratio ${(encrypted.meanMsPerRound / plain.meanMsPerRound).toFixed(1)}; paper 42.281 / 12.509 = 3.38)`);
  say(`  encrypted round: ${Object.entries(encrypted.meanComponentMs).map(([n, v]) => `${n} ${v.toFixed(2)}`).join(', ')} ms`);
  say(`  decisions identical in both runs: ${result.decisionsIdentical}`);

  const json = {
    bench: 'ppopi',
    keyBits: params.bits,
    keygenMs: keygenMs === null ? null : Math.round(keygenMs),
    cores: cpus().length,
    perValueMs: {
      encryptSlidingWindow: round3(encryptSlidingMs),
      encryptFixedBase: round3(encryptFixedBaseMs),
      decryptSecretKeyBigint: round3(decryptSecretKeyMs),
      decryptCrtBigint: round3(decryptCrtBigintMs),
      decryptCrtOpenssl: decryptCrtOpensslMs === null ? null : round3(decryptCrtOpensslMs),
      unifyOneThread: round3(unifyMsPerValue.workers0),
      unifyTwoWorkers: round3(unifyMsPerValue.workers2),
    },
    gridWorld: {
      mazes: mazeCount,
      rounds: encryptedRounds.length,
      decisionsIdentical: result.decisionsIdentical,
      encryptedComponentsMsPerRound: Object.fromEntries(Object.entries(encrypted.meanComponentMs).map(([n, v]) => [n, round3(v)])),
      serverSideMsPerRound: round3(serverSideMs),
    },
    userEncryptMsPerRecord: round3(userEncryptMs / values),
    encryptedMsPerRound: round3(encrypted.meanMsPerRound),
    plainMsPerRound: round3(plain.meanMsPerRound),
    ratio: round3(encrypted.meanMsPerRound / plain.meanMsPerRound),
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`ppopi bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
