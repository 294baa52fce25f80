/**
 * Correlated randomness: what the dealer (OIDPR's health-care provider, HCP)
 * gives the two computing parties before a protocol runs, so that the
 * online phase needs only cheap openings. Each item is used once.
 *
 * - `triple`: Beaver triples (a, b, c = a·b) over Z_2^64 (Beaver 1991,
 *   "Efficient multiparty protocols using circuit randomization").
 * - `onehot`: a random index r ∈ Z_size, shared in Z_size, and the one-hot
 *   vector e_r shared in Z_2^64: opening index + r then gives the one-hot of
 *   a secret index by a public rotation (a one-time truth table, Ishai et
 *   al. 2013, "On the power of correlated randomness in secure computation").
 *   `onehot2` does the same for a pair of indices (a δ × σ one-hot).
 * - `coin`: bits equal to 1 with a public probability p, shared additively:
 *   the ε-greedy coins.
 * - `monomials`: for products of several XOR-shared bits in one round,
 *   a random mask per variable and XOR shares of the product of the masks
 *   of every subset the products need: the multi-input AND gates of ABY2.0
 *   (Patra, Schneider, Suresh & Yalame 2021, §3), whose online phase is one
 *   opening of the masked inputs; bit-sliced, 64 instances a word.
 * - `inject`: for b·x with b an XOR-shared bit and x additively shared: a
 *   dealer bit r (both sharings: XOR, packed 64 to a word as in
 *   bitPlanes.ts, and additive), a mask y for x and [r·y], so that b (as
 *   0/1, the B2A conversion of ABY, Demmler et al. 2015) and b·x come out
 *   of one opening of b ⊕ r and x − y.
 * - `recordMasks` and `qstep`: Beaver masks for products with operands that
 *   stay fixed over a training run (the records' one-hots), opened once and
 *   reused with a fresh mask of the other operand at every step (the reuse
 *   of masked data matrices across iterations of SecureML, Mohassel & Zhang
 *   2017, §4.2): a step then opens the Q-table once, not once per record.
 *
 * Randomness comes from node:crypto only (randomFillSync, randomInt).
 */
import { randomFillSync, randomInt } from 'node:crypto';
import { planeWords } from './bitPlanes.js';
import type { Words } from './ring.js';

export type Request =
  | { readonly kind: 'triple'; readonly n: number }
  | { readonly kind: 'onehot'; readonly n: number; readonly size: number }
  | { readonly kind: 'onehot2'; readonly n: number; readonly rows: number; readonly cols: number }
  | { readonly kind: 'coin'; readonly n: number; readonly probability: number }
  | { readonly kind: 'monomials'; readonly words: number; readonly variables: number; readonly subsets: readonly number[] }
  | { readonly kind: 'inject'; readonly n: number; readonly width: number }
  | { readonly kind: 'recordMasks'; readonly n: number; readonly rows: number; readonly cols: number }
  | { readonly kind: 'qstep'; readonly first: number; readonly count: number; readonly rows: number; readonly cols: number };

export type Kind = Request['kind'];

/** A whole protocol run's requests, in the order the protocol takes them. */
export type Plan = readonly Request[];

/** Words one party receives for a request. */
export function materialLength(r: Request): number {
  switch (r.kind) {
    case 'triple':
      return 3 * r.n;
    case 'onehot':
      return r.n * (1 + r.size);
    case 'onehot2':
      return r.n * (2 + r.rows * r.cols);
    case 'coin':
      return r.n;
    case 'monomials':
      return r.words * (r.variables + r.subsets.length);
    case 'inject':
      return planeWords(r.n) + r.n + 2 * r.n * r.width;
    case 'recordMasks':
      return r.n * (r.rows + r.rows * r.cols);
    case 'qstep':
      return r.rows * r.cols + r.count * (r.cols + 2 + r.rows * r.cols);
  }
}

export function planLength(plan: Plan): number {
  let n = 0;
  for (const r of plan) n += materialLength(r);
  return n;
}

/** Layout of a `recordMasks` item for record k: A′ (the s′ one-hot's mask, `rows` words), then A (the (s, a) one-hot's mask, rows·cols). */
export function recordMaskOffsets(r: { rows: number; cols: number }, k: number): { next: number; pair: number } {
  const per = r.rows + r.rows * r.cols;
  return { next: k * per, pair: k * per + r.rows };
}

/**
 * Layout of a `qstep` item: B (the Q-table's mask), then per record of the
 * step: [A′ᵀB] (cols), [Σ A∘B] (1), b (the mask of the record's update u, 1),
 * [A·b] (rows·cols).
 */
export function qstepOffsets(r: { rows: number; cols: number }, k: number): { rowMask: number; pairMask: number; b: number; pairTimesB: number } {
  const cells = r.rows * r.cols;
  const at = cells + k * (r.cols + 2 + cells);
  return { rowMask: at, pairMask: at + r.cols, b: at + r.cols + 1, pairTimesB: at + r.cols + 2 };
}

/** The dealer's plaintext of the latest `recordMasks` of a plan, for the `qstep`s that follow. */
interface DealerContext {
  masks?: { rows: number; cols: number; n: number; plain: Words };
}

function indexDraw(size: number): number {
  return size === 1 ? 0 : randomInt(size);
}

/**
 * Fill party 1's material `m1` so that, with party 0's uniformly random `m0`
 * (already filled), the pair carries the correlation `r` asks for. Party 1's
 * masks are uniform too; only its correlated words (c of a triple, …) are
 * computed, as correction = value − party 0's share.
 */
function generateInto(r: Request, m0: Words, m1: Words, context: DealerContext): void {
  const n = 'n' in r ? r.n : 0;
  switch (r.kind) {
    case 'triple': {
      randomFillSync(m1.subarray(0, 2 * n));
      for (let i = 0; i < n; i++) {
        const a = m0[i] + m1[i];
        const b = m0[n + i] + m1[n + i];
        m1[2 * n + i] = BigInt.asUintN(64, a * b) - m0[2 * n + i];
      }
      return;
    }
    case 'onehot': {
      const size = r.size;
      if (!(Number.isInteger(size) && size >= 1 && size <= 2 ** 24)) throw new RangeError(`one-hot size ${size} out of range`);
      for (let k = 0; k < n; k++) {
        const at = k * (1 + size);
        const index = indexDraw(size);
        const share0 = indexDraw(size);
        m0[at] = BigInt(share0);
        m1[at] = BigInt((index - share0 + size) % size);
        for (let j = 0; j < size; j++) m1[at + 1 + j] = (j === index ? 1n : 0n) - m0[at + 1 + j];
      }
      return;
    }
    case 'onehot2': {
      const { rows, cols } = r;
      const per = 2 + rows * cols;
      for (let k = 0; k < n; k++) {
        const at = k * per;
        const row = indexDraw(rows);
        const col = indexDraw(cols);
        const row0 = indexDraw(rows);
        const col0 = indexDraw(cols);
        m0[at] = BigInt(row0);
        m1[at] = BigInt((row - row0 + rows) % rows);
        m0[at + 1] = BigInt(col0);
        m1[at + 1] = BigInt((col - col0 + cols) % cols);
        const hot = row * cols + col;
        for (let j = 0; j < rows * cols; j++) m1[at + 2 + j] = (j === hot ? 1n : 0n) - m0[at + 2 + j];
      }
      return;
    }
    case 'coin': {
      const p = r.probability;
      if (!(p >= 0 && p <= 1)) throw new RangeError(`coin probability ${p} is not in [0, 1]`);
      // A coin is 1 when a uniform 53-bit draw falls below p·2^53.
      const threshold = BigInt(Math.round(p * 2 ** 53));
      const draws = new BigUint64Array(n);
      randomFillSync(draws);
      for (let i = 0; i < n; i++) m1[i] = (draws[i] >> 11n < threshold ? 1n : 0n) - m0[i];
      return;
    }
    case 'monomials': {
      // Variable masks uniform from both parties; subset products corrected.
      // Products built up in ascending subset order: S = (S minus its lowest
      // variable) · that variable, the smaller set made before (32-bit halves).
      const { words, variables, subsets } = r;
      const halves = 2 * words;
      randomFillSync(m1.subarray(0, words * variables));
      const a0 = new Uint32Array(m0.buffer, m0.byteOffset, m0.length * 2);
      const a1 = new Uint32Array(m1.buffer, m1.byteOffset, m1.length * 2);
      const plain = new Map<number, Uint32Array>();
      for (let v = 0; v < variables; v++) {
        const mask = new Uint32Array(halves);
        for (let h = 0; h < halves; h++) mask[h] = a0[v * halves + h] ^ a1[v * halves + h];
        plain.set(1 << v, mask);
      }
      for (const [k, subset] of subsets.entries()) {
        if (subset >= 1 << variables || (subset & (subset - 1)) === 0) throw new RangeError(`monomials: subset ${subset} is not a set of 2 or more of ${variables} variables`);
        const lowest = subset & -subset;
        const rest = plain.get(subset ^ lowest);
        if (!rest) throw new RangeError(`monomials: subset ${subset} needs subset ${subset ^ lowest} before it`);
        const low = plain.get(lowest)!;
        const product = new Uint32Array(halves);
        const at = halves * (variables + k);
        for (let h = 0; h < halves; h++) {
          product[h] = rest[h] & low[h];
          a1[at + h] = product[h] ^ a0[at + h];
        }
        plain.set(subset, product);
      }
      return;
    }
    case 'inject': {
      const { width } = r;
      const pw = planeWords(n);
      const bits = new BigUint64Array(pw);
      randomFillSync(bits);
      if (n % 64) bits[pw - 1] &= (1n << BigInt(n % 64)) - 1n;
      randomFillSync(m1.subarray(pw + n, pw + n + n * width)); // y: party 1's share uniform too
      for (let w = 0; w < pw; w++) m1[w] = bits[w] ^ m0[w];
      const ry = pw + n + n * width;
      for (let i = 0; i < n; i++) {
        const bit = (bits[i >> 6] >> BigInt(i & 63)) & 1n;
        m1[pw + i] = bit - m0[pw + i];
        for (let j = 0; j < width; j++) {
          const y = m0[pw + n + i * width + j] + m1[pw + n + i * width + j];
          m1[ry + i * width + j] = (bit ? y : 0n) - m0[ry + i * width + j];
        }
      }
      return;
    }
    case 'recordMasks': {
      // Both parties' masks uniform; the dealer keeps their sum for the steps.
      randomFillSync(m1);
      const plain = new BigUint64Array(m0.length);
      for (let i = 0; i < plain.length; i++) plain[i] = m0[i] + m1[i];
      context.masks = { rows: r.rows, cols: r.cols, n, plain };
      return;
    }
    case 'qstep': {
      const masks = context.masks;
      if (!masks || masks.rows !== r.rows || masks.cols !== r.cols || r.first + r.count > masks.n) throw new Error(`qstep ${JSON.stringify(r)} has no matching recordMasks before it in the plan`);
      const { rows, cols } = r;
      const cells = rows * cols;
      // B and every b uniform from both parties; the products are corrections.
      randomFillSync(m1);
      const B = new BigUint64Array(cells);
      for (let i = 0; i < cells; i++) B[i] = m0[i] + m1[i];
      for (let k = 0; k < r.count; k++) {
        const at = qstepOffsets(r, k);
        const mask = recordMaskOffsets(r, r.first + k);
        for (let j = 0; j < cols; j++) {
          let sum = 0n;
          for (let s = 0; s < rows; s++) sum = BigInt.asUintN(64, sum + masks.plain[mask.next + s] * B[s * cols + j]);
          m1[at.rowMask + j] = sum - m0[at.rowMask + j];
        }
        let dot = 0n;
        for (let c = 0; c < cells; c++) dot = BigInt.asUintN(64, dot + masks.plain[mask.pair + c] * B[c]);
        m1[at.pairMask] = dot - m0[at.pairMask];
        const b = m0[at.b] + m1[at.b];
        for (let c = 0; c < cells; c++) m1[at.pairTimesB + c] = masks.plain[mask.pair + c] * b - m0[at.pairTimesB + c];
      }
      return;
    }
  }
}

/** Both parties' material for a whole plan, each as one array in plan order. */
export function generatePlan(plan: Plan): [Words, Words] {
  const total = planLength(plan);
  const m0 = new BigUint64Array(total);
  const m1 = new BigUint64Array(total);
  randomFillSync(m0);
  const context: DealerContext = {};
  let at = 0;
  for (const r of plan) {
    const len = materialLength(r);
    generateInto(r, m0.subarray(at, at + len), m1.subarray(at, at + len), context);
    at += len;
  }
  return [m0, m1];
}

/** Most words of material one party may get for one plan (512 MiB): a dealer refuses larger plans. */
export const MAX_PLAN_WORDS = 1 << 26;

/**
 * Why a plan received from the network is not one the dealer will
 * generate (an unknown kind, a size that is not a small whole number, a
 * `qstep` without its masks, a plan too large), or undefined.
 */
export function planProblem(plan: unknown): string | undefined {
  if (!Array.isArray(plan)) return 'the plan is not a list of requests';
  const whole = (x: unknown, min: number, max: number) => typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
  let words = 0;
  let masks: { n: number; rows: number; cols: number } | undefined;
  for (const [i, r] of (plan as Record<string, unknown>[]).entries()) {
    const bad = (what: string) => `request ${i} (${JSON.stringify(r)?.slice(0, 120)}): ${what}`;
    if (typeof r !== 'object' || r === null) return bad('not an object');
    const n = r.n;
    switch (r.kind) {
      case 'triple':
      case 'coin':
        if (!whole(n, 0, MAX_PLAN_WORDS)) return bad('n must be a whole number');
        if (r.kind === 'coin' && !(typeof r.probability === 'number' && r.probability >= 0 && r.probability <= 1)) return bad('probability must be in [0, 1]');
        break;
      case 'onehot':
        if (!whole(n, 0, MAX_PLAN_WORDS) || !whole(r.size, 1, 1 << 24)) return bad('n and size must be whole numbers (size 1 … 2^24)');
        break;
      case 'onehot2':
      case 'recordMasks':
        if (!whole(n, 0, MAX_PLAN_WORDS) || !whole(r.rows, 1, 1 << 16) || !whole(r.cols, 1, 1 << 12)) return bad('n, rows and cols must be whole numbers');
        if (r.kind === 'recordMasks') masks = { n: n as number, rows: r.rows as number, cols: r.cols as number };
        break;
      case 'qstep':
        if (!whole(r.first, 0, MAX_PLAN_WORDS) || !whole(r.count, 0, MAX_PLAN_WORDS) || !masks || masks.rows !== r.rows || masks.cols !== r.cols || (r.first as number) + (r.count as number) > masks.n) return bad('a qstep needs the recordMasks of its records before it');
        break;
      case 'monomials': {
        const subsets = r.subsets;
        if (!whole(r.words, 0, MAX_PLAN_WORDS) || !whole(r.variables, 1, 16) || !Array.isArray(subsets) || subsets.length > 1 << 16) return bad('words, variables (1 … 16) and subsets must be given');
        const k = r.variables as number;
        const before = new Set<number>();
        for (const [j, x] of (subsets as unknown[]).entries()) {
          if (!whole(x, 3, (1 << k) - 1) || ((x as number) & ((x as number) - 1)) === 0 || (j > 0 && (x as number) <= (subsets[j - 1] as number))) return bad('subsets must be ascending sets of two or more variables');
          const lowest = (x as number) & -(x as number);
          const rest = (x as number) ^ lowest;
          if ((rest & (rest - 1)) !== 0 && !before.has(rest)) return bad(`subset ${x as number} needs subset ${rest} before it`);
          before.add(x as number);
        }
        break;
      }
      case 'inject':
        if (!whole(n, 0, MAX_PLAN_WORDS) || !whole(r.width, 0, 1 << 12)) return bad('n and width must be whole numbers');
        break;
      default:
        return bad(`unknown kind ${JSON.stringify(r.kind)}`);
    }
    words += materialLength(r as Request);
    if (words > MAX_PLAN_WORDS) return `the plan needs more than ${MAX_PLAN_WORDS} words of material per party (${MAX_PLAN_WORDS / (1 << 17)} MiB); split the run`;
  }
  return undefined;
}

/** Whether two requests are the same (field by field; `subsets` element by element). */
export function sameRequest(a: Request, b: Request): boolean {
  if (a === b) return true;
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (const key of keys) {
    const u = x[key];
    const v = y[key];
    if (Array.isArray(u) && Array.isArray(v)) {
      if (u.length !== v.length || u.some((e, i) => e !== v[i])) return false;
    } else if (u !== v) return false;
  }
  return true;
}

export function describeRequest(r: Request): string {
  return JSON.stringify(r);
}
