/**
 * `npm run build && node dist/bench/bcp.js [--bits 1024,2048] [--runs N]`:
 * the cost of the BCP cryptosystem (src/privacy/bcp/) per operation, on
 * the test fixtures' keys (test/fixtures/bcp/, public test keys: the
 * benchmark measures, it protects nothing).
 *
 * For each size: encryption by plain modPow (reference) and by the
 * Encryptor, fixed-base tables (their size and build time) or OpenSSL; decryption with the
 * secret key by plain modPow (reference), by the Decryptor without the
 * factors (OpenSSL at N²), and with the factors by the CRT (BigInt and
 * OpenSSL); master decryption (the mod-N² reference and the CRT
 * MasterDecryptor, BigInt and OpenSSL, with a user's s mod p, q cached);
 * the homomorphic operations. The median of `--runs` (default 20; 5 for
 * the slow reference paths) after a warm-up. A table on stderr, JSON on stdout.
 */
import { join } from 'node:path';
import { add, addPlain, decrypt, Decryptor, encrypt, Encryptor, generateKeyPair, gTable, masterDecrypt, MasterDecryptor, negate, scalarMultiply } from '../src/privacy/bcp/bcp.js';
import { DEFAULT_FIXED_BASE_WINDOW } from '../src/privacy/bcp/fixedBase.js';
import { readMasterFile } from '../src/privacy/bcp/keyFile.js';
import { randomBelow } from '../src/privacy/bcp/random.js';
import { PROJECT_ROOT } from '../src/io/paths.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const sizes = (option('bits') ?? '1024,2048').split(',').map(Number);
const runs = Number(option('runs') ?? 20);

/** Median milliseconds of `count` runs of `f` (after one warm-up run). */
function time(count: number, f: () => unknown): number {
  f();
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    f();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const results: Record<string, Record<string, number>> = {};
for (const bits of sizes) {
  const { parameters, master } = readMasterFile(join(PROJECT_ROOT, 'test', 'fixtures', 'bcp', String(bits), 'master.json'));
  const keyPair = generateKeyPair(parameters);
  const m = () => randomBelow(parameters.n);
  const slow = Math.max(3, Math.floor(runs / 4));
  const row: Record<string, number> = {};
  let t = performance.now();
  const g = gTable(parameters);
  row.gTableBuildMs = performance.now() - t;
  t = performance.now();
  const encryptor = new Encryptor(parameters, keyPair.publicKey, { gBase: g });
  row.hTableBuildMs = performance.now() - t;
  row.tablesMB = encryptor.tableBytes / 1e6;
  row.window = DEFAULT_FIXED_BASE_WINDOW;
  row.encryptReferenceMs = time(slow, () => encrypt(parameters, keyPair.publicKey, m()));
  row.encryptFixedBaseMs = time(runs, () => encryptor.encrypt(m()));
  const viaOpenssl = new Encryptor(parameters, keyPair.publicKey, { engine: 'openssl' });
  row.encryptOpensslMs = time(runs, () => viaOpenssl.encrypt(m()));
  const c = encryptor.encrypt(m());
  row.decryptReferenceMs = time(slow, () => decrypt(parameters, keyPair, c));
  const noFactors = new Decryptor(parameters, keyPair, { engine: 'openssl' });
  row.decryptOpensslNoFactorsMs = time(runs, () => noFactors.decrypt(c));
  const crtBigint = new Decryptor(parameters, keyPair, { master, engine: 'bigint' });
  const crtOpenssl = new Decryptor(parameters, keyPair, { master, engine: 'openssl' });
  row.decryptCrtBigintMs = time(runs, () => crtBigint.decrypt(c));
  row.decryptCrtOpensslMs = time(runs, () => crtOpenssl.decrypt(c));
  row.masterDecryptReferenceMs = time(slow, () => masterDecrypt(parameters, master, keyPair.publicKey, c));
  const mdBigint = new MasterDecryptor(parameters, master, { engine: 'bigint' });
  const mdOpenssl = new MasterDecryptor(parameters, master, { engine: 'openssl' });
  row.masterDecryptCrtBigintMs = time(runs, () => mdBigint.decrypt(c, keyPair.publicKey));
  row.masterDecryptCrtOpensslMs = time(runs, () => mdOpenssl.decrypt(c, keyPair.publicKey));
  const c2 = encryptor.encrypt(m());
  row.addMs = time(runs, () => add(parameters, c, c2));
  row.addPlainMs = time(runs, () => addPlain(parameters, c, 12345n));
  row.negateMs = time(runs, () => negate(parameters, c));
  row.scalarMultiplyMs = time(slow, () => scalarMultiply(parameters, c, m()));
  row.rerandomiseMs = time(runs, () => encryptor.rerandomise(c));
  results[String(bits)] = row;
  process.stderr.write(`N = ${bits} bits\n`);
  for (const [k, v] of Object.entries(row)) process.stderr.write(`  ${k.padEnd(28)} ${v.toFixed(3)}\n`);
}
process.stdout.write(`${JSON.stringify({ node: process.version, runs, results }, null, 2)}\n`);
