/**
 * The fast exponentiations equal the textbook one: sliding-window modPow,
 * the fixed-base tables, the CRT modulo p² and q², and OpenSSL's engine
 * (including at the CRT moduli of the fixture keys, at its fallbacks, and
 * below the 512 bits where OpenSSL itself returns zeros).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bitLength, byteLength, fromBytes, gcd, mod, modInverse, modPow, slidingWindowWidth, toBytes } from '../../../src/privacy/bcp/arith.js';
import { BigIntFixedExponent, CrtModulus, fixedExponentPow, OpenSslFixedBase, OpenSslFixedExponent, opensslEngineWorks } from '../../../src/privacy/bcp/engines.js';
import { FixedBase } from '../../../src/privacy/bcp/fixedBase.js';
import { randomBelow } from '../../../src/privacy/bcp/random.js';
import { fixture, naivePow } from './helpers.js';

const randomBits = (bits: number): bigint => (bits === 0 ? 0n : BigInt(`0x${randomBytes(Math.ceil(bits / 8)).toString('hex')}`) >> BigInt(8 * Math.ceil(bits / 8) - bits));

/** A unit modulo m (m odd, with large prime factors: a random draw almost always is; checked). */
function randomUnit(m: bigint): bigint {
  for (;;) {
    const x = randomBelow(m);
    if (x > 1n && gcd(x, m) === 1n) return x;
  }
}

describe('arithmetic helpers', () => {
  it('bitLength, byteLength, bytes round trip, mod', () => {
    expect([0n, 1n, 2n, 255n, 256n, 2n ** 4095n, 2n ** 4096n - 1n].map(bitLength)).toEqual([0, 1, 2, 8, 9, 4096, 4096]);
    expect([0n, 255n, 256n].map(byteLength)).toEqual([1, 1, 2]);
    for (const x of [0n, 1n, 0xabcdefn, randomBits(4096)]) expect(fromBytes(toBytes(x, 600))).toBe(x);
    expect(toBytes(1n, 4)).toEqual(Buffer.from([0, 0, 0, 1]));
    expect(() => toBytes(256n, 1)).toThrow(RangeError);
    expect(mod(-7n, 5n)).toBe(3n);
    expect(mod(7n, 5n)).toBe(2n);
  });

  it('modInverse inverts and refuses a non-unit', () => {
    for (let i = 0; i < 50; i++) {
      const m = randomBits(300) | 1n;
      const x = randomUnit(m);
      expect((x * modInverse(x, m)) % m).toBe(1n);
    }
    expect(modInverse(-3n, 7n)).toBe(2n);
    expect(() => modInverse(6n, 9n)).toThrow(/not invertible/);
  });

  it('sliding-window modPow equals square-and-multiply (random sizes, edge cases)', () => {
    for (let i = 0; i < 150; i++) {
      const m = randomBits(8 + i * 7) | 1n;
      const base = randomBits(8 + i * 8);
      const e = randomBits(i * 9);
      expect(modPow(base, e, m)).toBe(naivePow(base, e, m));
    }
    const m = randomBits(2048) | (1n << 2047n) | 1n;
    const b = randomBelow(m);
    const e = randomBits(2048);
    expect(modPow(b, e, m)).toBe(naivePow(b, e, m));
    expect(modPow(5n, 0n, 7n)).toBe(1n);
    expect(modPow(0n, 5n, 7n)).toBe(0n);
    expect(modPow(5n, 3n, 1n)).toBe(0n);
    expect(modPow(-2n, 3n, 7n)).toBe(mod(-8n, 7n));
    expect(() => modPow(2n, -1n, 7n)).toThrow(RangeError);
    expect([7, 8, 24, 80, 240, 672].map(slidingWindowWidth)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('FixedBase', () => {
  it('equals modPow for every window width, short, full-length and over-long exponents', () => {
    const m = randomBits(512) | (1n << 511n) | 1n;
    const base = randomBelow(m);
    for (let w = 1; w <= 8; w++) {
      const table = new FixedBase(base, m, 300, w);
      expect(table.table.length).toBe(Math.ceil(300 / w) * (2 ** w - 1));
      for (const e of [0n, 1n, 2n, 2n ** 299n, 2n ** 300n - 1n, randomBits(300), randomBits(17), 2n ** 300n + 5n, randomBits(600)]) {
        expect(table.pow(e)).toBe(naivePow(base, e, m));
      }
    }
    expect(() => new FixedBase(base, m, 300, 0)).toThrow(RangeError);
    expect(() => new FixedBase(base, m, 300, 13)).toThrow(RangeError);
  });

  it('at N = 1024 bits (modulus N²): table powers equal modPow; tableBytes counts the entries', () => {
    const { parameters } = fixture(1024);
    const table = new FixedBase(parameters.g, parameters.nSquared, 1024, 5);
    for (let i = 0; i < 10; i++) {
      const r = randomBelow(parameters.n / 4n);
      expect(table.pow(r)).toBe(modPow(parameters.g, r, parameters.nSquared));
    }
    expect(table.tableBytes).toBe(Math.ceil(1024 / 5) * 31 * 256);
  });

  it('fromTable rebuilds from a table (as sent to a worker) and refuses a foreign one', () => {
    const m = randomBits(256) | 1n;
    const t = new FixedBase(3n, m, 100, 4);
    const copy = FixedBase.fromTable(3n, m, 100, 4, structuredClone(t.table));
    const e = randomBits(100);
    expect(copy.pow(e)).toBe(naivePow(3n, e, m));
    expect(() => FixedBase.fromTable(5n, m, 100, 4, t.table)).toThrow(/does not belong/);
    expect(() => FixedBase.fromTable(3n, m, 100, 5, t.table)).toThrow(/does not belong/);
  });
});

describe('CRT modulo p² and q²', () => {
  for (const bits of [512, 1024] as const) {
    it(`${bits} bits: x^e mod N² by the CRT equals modPow, also for negative and fixed exponents`, () => {
      const { parameters, master } = fixture(bits);
      const crt = new CrtModulus(master.p, master.q);
      expect(crt.modulus).toBe(parameters.nSquared);
      for (let i = 0; i < 8; i++) {
        const x = randomUnit(parameters.nSquared);
        const e = randomBits(2 * bits);
        expect(crt.pow(x, e)).toBe(modPow(x, e, parameters.nSquared));
        expect(crt.pow(x, -e)).toBe(modInverse(modPow(x, e, parameters.nSquared), parameters.nSquared));
        for (const engine of ['bigint', 'openssl'] as const) expect(crt.fixedExponent(e, engine).pow(x)).toBe(modPow(x, e, parameters.nSquared));
      }
      const xp = randomBelow(crt.pSquared);
      const xq = randomBelow(crt.qSquared);
      const x = crt.combine(xp, xq);
      expect([x % crt.pSquared, x % crt.qSquared, x < parameters.nSquared]).toEqual([xp, xq, true]);
    });
  }
});

describe('the OpenSSL engine (node:crypto Diffie–Hellman)', () => {
  it('passes its self-test on this Node', () => {
    expect(opensslEngineWorks()).toBe(true);
  });

  it('equals modPow on random inputs at N² (N = 512, 1024) and at the CRT moduli p², q² (N = 512, 1024, 2048)', () => {
    const cases: [bigint, number][] = [];
    for (const bits of [512, 1024] as const) cases.push([fixture(bits).parameters.nSquared, 12]);
    for (const bits of [512, 1024, 2048] as const) {
      const { p, q } = fixture(bits).master;
      cases.push([p * p, 12], [q * q, 12]);
    }
    for (const [m, count] of cases) {
      // Exponents as the decryptors use them: s mod p(p − 1) has |m| bits; also a short one and one longer than m.
      for (const e of [randomBelow(m), randomBits(64), randomBits(bitLength(m) + 40)]) {
        const engine = new OpenSslFixedExponent(e, m);
        expect(engine.usesOpenssl).toBe(true);
        for (let i = 0; i < count / 3; i++) {
          const x = randomBelow(m);
          expect(engine.pow(x)).toBe(modPow(x, e, m));
        }
      }
    }
  });

  it('with a fixed base and varying exponents (encryption\'s g^r) equals modPow, and falls back below 512 bits', () => {
    const { parameters } = fixture(1024);
    const engine = new OpenSslFixedBase(parameters.g, parameters.nSquared);
    expect(engine.usesOpenssl).toBe(true);
    for (const e of [0n, 1n, 2n, randomBelow(parameters.n / 4n), randomBelow(parameters.n / 4n), randomBits(2100)]) {
      expect(engine.pow(e)).toBe(modPow(parameters.g, e, parameters.nSquared));
    }
    expect(new OpenSslFixedBase(parameters.nSquared - 1n, parameters.nSquared).pow(3n)).toBe(parameters.nSquared - 1n);
    const { p: small } = fixture(512).master;
    const tiny = new OpenSslFixedBase(3n, small);
    expect(tiny.usesOpenssl).toBe(false);
    expect(tiny.pow(12345n)).toBe(modPow(3n, 12345n, small));
  });

  it('falls back to BigInt where OpenSSL refuses or fails: bases 0, 1, M − 1, M, negative, exponent 0, a modulus under 512 bits', () => {
    const { p } = fixture(1024).master;
    const m = p * p;
    const e = randomBelow(m);
    const engine = new OpenSslFixedExponent(e, m);
    for (const x of [0n, 1n, 2n, m - 2n, m - 1n, m, m + 3n, -5n, p]) expect(engine.pow(x)).toBe(modPow(x, e, m));
    const zero = new OpenSslFixedExponent(0n, m);
    expect(zero.usesOpenssl).toBe(false);
    expect(zero.pow(12345n)).toBe(1n);
    // Below 512 bits OpenSSL returns all zeros: the engine must not use it (p of the 512-bit system has 256 bits).
    const { p: small } = fixture(512).master;
    const tiny = new OpenSslFixedExponent(12345n, small);
    expect(tiny.usesOpenssl).toBe(false);
    expect(tiny.pow(7n)).toBe(modPow(7n, 12345n, small));
    expect(fixedExponentPow(e, m, 'bigint')).toBeInstanceOf(BigIntFixedExponent);
  });
});
