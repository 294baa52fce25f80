/**
 * Thinning long series for plotting. A 10-day run at 1-min resolution has
 * 14,400 samples per line; drawn as-is that is ~200 kB of path data per line
 * and far more vertices than pixels. We keep, per time bucket, the minimum and
 * the maximum sample (in time order) — "min–max decimation" — so every
 * excursion that would be visible on screen (a short hypoglycaemic dip, a
 * post-meal peak) survives, unlike plain striding or averaging, which can
 * skip or flatten exactly the extremes a glucose plot is read for.
 */

/**
 * Indices (ascending) of the samples to draw: all of them if there are at
 * most `maxPoints` usable ones, else the min and max of each of
 * ⌊maxPoints/2⌋ equal-width time buckets. Samples whose time or value is not
 * finite are never returned.
 */
export function minMaxIndices(times: ArrayLike<number>, values: ArrayLike<number>, maxPoints: number): Int32Array {
  const n = Math.min(times.length, values.length);
  let usable = 0;
  let t0 = Infinity;
  let t1 = -Infinity;
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(times[i]) && Number.isFinite(values[i])) {
      usable++;
      if (times[i] < t0) t0 = times[i];
      if (times[i] > t1) t1 = times[i];
    }
  }
  const keepAll = usable <= Math.max(2, maxPoints);
  if (keepAll) {
    const out = new Int32Array(usable);
    let j = 0;
    for (let i = 0; i < n; i++) if (Number.isFinite(times[i]) && Number.isFinite(values[i])) out[j++] = i;
    return out;
  }
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const minIdx = new Int32Array(buckets).fill(-1);
  const maxIdx = new Int32Array(buckets).fill(-1);
  const span = t1 - t0;
  for (let i = 0; i < n; i++) {
    const t = times[i];
    const v = values[i];
    if (!Number.isFinite(t) || !Number.isFinite(v)) continue;
    const b = span > 0 ? Math.min(buckets - 1, Math.floor(((t - t0) / span) * buckets)) : 0;
    if (minIdx[b] < 0 || v < values[minIdx[b]]) minIdx[b] = i;
    if (maxIdx[b] < 0 || v > values[maxIdx[b]]) maxIdx[b] = i;
  }
  const out: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const a = minIdx[b];
    const c = maxIdx[b];
    if (a < 0) continue;
    if (a === c) out.push(a);
    else out.push(Math.min(a, c), Math.max(a, c));
  }
  return Int32Array.from(out);
}

/**
 * For a line with gaps: whether a missing sample (non-finite value) lies
 * strictly between original indices `a` < `b`, so the line must be broken
 * there instead of bridging the gap.
 */
export function gapDetector(values: ArrayLike<number>): (a: number, b: number) => boolean {
  // missingBefore[i] = number of non-finite values among indices < i.
  const missingBefore = new Int32Array(values.length + 1);
  for (let i = 0; i < values.length; i++) missingBefore[i + 1] = missingBefore[i] + (Number.isFinite(values[i]) ? 0 : 1);
  return (a, b) => missingBefore[b] - missingBefore[a + 1] > 0;
}

/** A piecewise-constant signal as change points: value v[k] holds from t[k] until t[k+1] (or `end`). */
export interface Steps {
  readonly t: number[];
  readonly v: number[];
  readonly end: number;
}

/**
 * Per-sample rates (e.g. basal U/h each minute) as steps, keeping only the
 * samples where the value changes. A non-finite value is kept as NaN, a gap.
 * If more than `maxSteps` changes remain, the signal is re-sampled as the
 * mean over `maxSteps` equal time buckets: that keeps the area (the insulin
 * delivered) right while capping the vertex count.
 */
export function toSteps(times: ArrayLike<number>, values: ArrayLike<number>, maxSteps: number): Steps {
  const n = Math.min(times.length, values.length);
  if (n === 0) return { t: [], v: [], end: 0 };
  const dt = n > 1 ? (times[n - 1] - times[0]) / (n - 1) : 1;
  const end = times[n - 1] + (Number.isFinite(dt) && dt > 0 ? dt : 1);
  const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < n; i++) {
    const val = Number.isFinite(values[i]) ? values[i] : NaN;
    if (!Number.isFinite(times[i])) continue;
    if (v.length === 0 || !same(v[v.length - 1], val)) {
      t.push(times[i]);
      v.push(val);
    }
  }
  if (t.length <= maxSteps) return { t, v, end };
  const start = t[0];
  const buckets = Math.max(1, maxSteps);
  const width = (end - start) / buckets;
  const sum = new Float64Array(buckets);
  const cnt = new Int32Array(buckets);
  for (let i = 0; i < n; i++) {
    const ti = times[i];
    const vi = values[i];
    if (!Number.isFinite(ti) || !Number.isFinite(vi)) continue;
    const b = Math.min(buckets - 1, Math.floor((ti - start) / width));
    sum[b] += vi;
    cnt[b]++;
  }
  const bt: number[] = [];
  const bv: number[] = [];
  for (let b = 0; b < buckets; b++) {
    bt.push(start + b * width);
    bv.push(cnt[b] > 0 ? sum[b] / cnt[b] : NaN);
  }
  return { t: bt, v: bv, end };
}

/**
 * Sums of a per-sample amount (boluses in U, carbs in g) over buckets of
 * `width` time units starting at `start`; only non-empty buckets are
 * returned, with the bucket start as time.
 */
export function bucketSums(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  start: number,
  width: number,
): { t: number[]; sum: number[] } {
  const acc = new Map<number, number>();
  const n = Math.min(times.length, values.length);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const ti = times[i];
    if (!Number.isFinite(v) || !Number.isFinite(ti) || v <= 0) continue;
    const b = Math.floor((ti - start) / width);
    acc.set(b, (acc.get(b) ?? 0) + v);
  }
  const keys = [...acc.keys()].sort((a, b) => a - b);
  return { t: keys.map((k) => start + k * width), sum: keys.map((k) => acc.get(k)!) };
}

/**
 * Meals from carbs eaten per sample, with their total: consecutive positive
 * samples at most `mergeGap` time units apart belong to one meal (a meal
 * eaten at a few g/min spans several minutes and should read as one meal;
 * a meal queued right behind another merges with it).
 */
export function groupMeals(
  times: ArrayLike<number>,
  carbs: ArrayLike<number>,
  mergeGap: number,
): { t: number; grams: number }[] {
  const meals: { t: number; grams: number; last: number }[] = [];
  const n = Math.min(times.length, carbs.length);
  for (let i = 0; i < n; i++) {
    const g = carbs[i];
    const ti = times[i];
    if (!Number.isFinite(g) || !Number.isFinite(ti) || g <= 0) continue;
    const cur = meals[meals.length - 1];
    if (cur && ti - cur.last <= mergeGap + 1e-9) {
      cur.grams += g;
      cur.last = ti;
    } else {
      meals.push({ t: ti, grams: g, last: ti });
    }
  }
  return meals.map(({ t, grams }) => ({ t, grams }));
}
