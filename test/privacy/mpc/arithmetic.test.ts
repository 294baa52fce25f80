import { randomFillSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { argmaxPick, lessThan, mul, oneHot, selectRows, truncate } from '../../../src/privacy/mpc/arithmetic.js';
import { shareIndices } from '../../../src/privacy/mpc/shares.js';
import { computeInProcess, shared } from './helpers.js';

const I64_MAX = 2n ** 63n - 1n;
const I64_MIN = -(2n ** 63n);

describe('two-party arithmetic over Z_2^64', () => {
  it('multiplies exactly in the ring', async () => {
    const x = [0n, 1n, -1n, 123456789n, -(2n ** 40n), I64_MAX];
    const y = [5n, -7n, -1n, 987654321n, 3n, 2n];
    const [x0, x1] = shared(x);
    const [y0, y1] = shared(y);
    const { out, rounds } = await computeInProcess((id) => (p) => mul(p, 'mul', id ? x1 : x0, id ? y1 : y0));
    expect(Array.from(out)).toEqual(x.map((v, i) => BigInt.asIntN(64, v * y[i])));
    expect(rounds).toBe(1);
  });

  it('compares exactly on edge values: 0, ±1, ±2^k, the ends of the ring, ties', async () => {
    const edges: bigint[] = [0n, 1n, -1n, I64_MAX, I64_MIN, I64_MIN + 1n, I64_MAX - 1n];
    for (let k = 1; k < 63; k++) edges.push(2n ** BigInt(k), -(2n ** BigInt(k)), 2n ** BigInt(k) - 1n, -(2n ** BigInt(k)) + 1n);
    const xs: bigint[] = [];
    const ys: bigint[] = [];
    for (const a of edges) {
      for (const b of [0n, 1n, -1n, a, a - 1n, a + 1n]) {
        const d = a - b;
        if (d > I64_MAX || d < I64_MIN) continue; // [x < y] is defined for |x − y| < 2^63
        if (a > I64_MAX || a < I64_MIN || b > I64_MAX || b < I64_MIN) continue;
        xs.push(a);
        ys.push(b);
      }
    }
    const [x0, x1] = shared(xs);
    const [y0, y1] = shared(ys);
    const { out, rounds } = await computeInProcess((id) => (p) => lessThan(p, 'cmp', id ? x1 : x0, id ? y1 : y0));
    expect(Array.from(out)).toEqual(xs.map((x, i) => (x < ys[i] ? 1n : 0n)));
    expect(rounds).toBe(4);
  });

  it('compares 10^5 random pairs exactly', async () => {
    const n = 100_000;
    const raw = new BigInt64Array(2 * n);
    randomFillSync(raw);
    const xs: bigint[] = [];
    const ys: bigint[] = [];
    for (let i = 0; i < n; i++) {
      // Half full-range values (halved so that x − y stays in range), half small fixed-point-like ones.
      const shift = i % 2 ? 1n : 40n;
      xs.push(raw[2 * i] >> shift);
      ys.push(i % 7 === 0 ? raw[2 * i] >> shift : raw[2 * i + 1] >> shift);
    }
    const [x0, x1] = shared(xs);
    const [y0, y1] = shared(ys);
    const { out } = await computeInProcess((id) => (p) => lessThan(p, 'cmp', id ? x1 : x0, id ? y1 : y0));
    let wrong = 0;
    for (let i = 0; i < n; i++) if (out[i] !== (xs[i] < ys[i] ? 1n : 0n)) wrong++;
    expect(wrong).toBe(0);
  });

  it('truncates within 1 ulp of the floor (SecureML local truncation)', async () => {
    const f = 16;
    const xs: bigint[] = [0n, 1n, -1n, 65535n, 65536n, -65536n, -65537n, 2n ** 38n + 12345n, -(2n ** 38n) - 999n];
    for (let i = 0; i < 2000; i++) xs.push(BigInt(Math.round((Math.sin(i) * 2 ** 37))));
    const [x0, x1] = shared(xs);
    const { out, rounds } = await computeInProcess((id) => (p) => Promise.resolve(truncate(p, id ? x1 : x0, f)));
    expect(rounds).toBe(0);
    xs.forEach((x, i) => {
      const floor = x >> BigInt(f);
      expect(out[i] - floor === 0n || out[i] - floor === 1n || out[i] - floor === -1n).toBe(true);
    });
  });

  it('makes one-hot vectors of secret indices in one round', async () => {
    const idx = [0, 3, 9, 5, 5];
    const [s0, s1] = shareIndices(idx, 10);
    const { out, rounds } = await computeInProcess((id) => async (p) => (await oneHot(p, 'onehot', [{ shares: id ? s1 : s0, size: 10 }]))[0]);
    expect(rounds).toBe(1);
    idx.forEach((x, k) => expect(Array.from(out.subarray(k * 10, k * 10 + 10))).toEqual(Array.from({ length: 10 }, (_, j) => (j === x ? 1n : 0n))));
  });

  it('selects rows of a shared table by secret one-hots', async () => {
    const table = Array.from({ length: 12 }, (_, i) => BigInt(i * 100 - 500)); // 4 rows × 3
    const [t0, t1] = shared(table);
    const [s0, s1] = shareIndices([2, 0, 3], 4);
    const { out } = await computeInProcess((id) => async (p) => {
      const [e] = await oneHot(p, 'onehot', [{ shares: id ? s1 : s0, size: 4 }]);
      return selectRows(p, 'rows', e, id ? t1 : t0, 4, 3);
    });
    expect(Array.from(out)).toEqual([100n, 200n, 300n, -500n, -400n, -300n, 400n, 500n, 600n]);
  });

  it('finds the one-hot argmax, ties to the lowest index, and picks values with it', async () => {
    const rows = [
      [1n, 5n, 3n, 5n],
      [-2n, -2n, -2n, -2n],
      [0n, 0n, 0n, 1n],
      [I64_MIN / 4n, I64_MAX / 4n, 0n, -1n],
      [7n, 6n, 5n, 4n],
    ];
    const [r0, r1] = shared(rows.flat());
    // Two values per entry to pick: 10·entry and −entry.
    const values = rows.flatMap((row, k) => row.flatMap((_, i) => [BigInt(10 * (4 * k + i)), BigInt(-(4 * k + i))]));
    const [v0, v1] = shared(values);
    const { out, rounds } = await computeInProcess((id) => async (p) => {
      const { oneHot: oh, picked } = await argmaxPick(p, 'argmax', id ? r1 : r0, 4, id ? v1 : v0, 2);
      const both = new BigUint64Array(oh.length + picked.length);
      both.set(oh);
      both.set(picked, oh.length);
      return both;
    });
    expect(rounds).toBe(3 + 1 + 1);
    const expected = [1, 0, 3, 1, 0];
    expected.forEach((a, k) => {
      expect(Array.from(out.subarray(k * 4, k * 4 + 4))).toEqual([0, 1, 2, 3].map((j) => (j === a ? 1n : 0n)));
      expect(Array.from(out.subarray(20 + 2 * k, 22 + 2 * k))).toEqual([BigInt(10 * (4 * k + a)), BigInt(-(4 * k + a))]);
    });
  });
});
