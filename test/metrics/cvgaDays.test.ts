import { describe, expect, it } from 'vitest';
import { CVGA_ZONES, cvgaPoint, cvgaSummary } from '../../src/metrics/cvga.js';
import { CVGA_POINTS, cvgaPointsPerDay, cvgaPointsPerWallClockDay, DEFAULT_CVGA_POINTS, isCvgaPoints } from '../../src/metrics/cvgaDays.js';
import { buildSeries } from '../../src/metrics/series.js';
import { randomStream } from '../../src/random/streams.js';

const DAY = 1440;

/** A day of `base` mg/dL with `minutes` minutes at `level` from minute `at`. */
function day(base: number, block?: { at: number; minutes: number; level: number }): Float64Array {
  const bg = new Float64Array(DAY).fill(base);
  if (block) bg.fill(block.level, block.at, block.at + block.minutes);
  return bg;
}

function concat(...days: ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(days.reduce((n, d) => n + d.length, 0));
  let at = 0;
  for (const d of days) {
    out.set(Array.from(d), at);
    at += d.length;
  }
  return out;
}

/** Deterministic uniform numbers in [0, 1): the project's seeded stream (src/random/streams.ts). */
function rng(seed: number): () => number {
  const stream = randomStream(seed, 'cvga-days-test', 'uniform');
  return () => stream.uniform();
}

/** A random day's worth (or less) of readings: a wandering level, with gaps, zeros and the odd extreme. */
function randomDay(next: () => number, length: number): Float64Array {
  const bg = new Float64Array(length);
  let level = 40 + next() * 300;
  const gapShare = next() < 0.2 ? 1 : next() * 0.3; // now and then a day without any reading
  for (let i = 0; i < length; i++) {
    level = Math.min(600, Math.max(10, level + (next() - 0.5) * 8));
    const u = next();
    bg[i] = u < gapShare ? NaN : u < gapShare + 0.002 ? 0 : level;
  }
  return bg;
}

describe('CvgaPoints', () => {
  it('is patient (Magni et al. 2008) by default, or patient-day', () => {
    expect(CVGA_POINTS).toEqual(['patient', 'patient-day']);
    expect(DEFAULT_CVGA_POINTS).toBe('patient');
    expect(isCvgaPoints('patient-day')).toBe(true);
    for (const bad of ['Patient', 'day', 'patient_day', '']) expect(isCvgaPoints(bad)).toBe(false);
  });
});

describe('cvgaPointsPerDay: a hand-made 3-day trace', () => {
  // Day 1 in A; day 2 an hour at 50 mg/dL (60 of 1440 minutes, more than the 2.5 % = 36 the
  // low percentile passes over); day 3 two hours at 250 mg/dL (120 > 36 minutes).
  const day1 = day(120);
  const day2 = day(120, { at: 180, minutes: 60, level: 50 });
  const day3 = day(120, { at: 720, minutes: 120, level: 250 });
  const trace = concat(day1, day2, day3);

  it('gives each day its own zone', () => {
    const points = cvgaPointsPerDay(trace);
    expect(points.map((p) => p.dayIndex)).toEqual([0, 1, 2]);
    // Day 1: both percentiles 120 → min clamped to 110, max 120: A.
    expect(points[0]).toMatchObject({ rawMinMgDl: 120, rawMaxMgDl: 120, minMgDl: 110, maxMgDl: 120, zone: 'A' });
    // Day 2: h = 1439·0.025 = 35.975 falls among the 60 lows → 50; the high end stays 120: Lower C.
    expect(points[1]).toMatchObject({ rawMinMgDl: 50, rawMaxMgDl: 120, zone: 'Lower C' });
    // Day 3: h = 1439·0.975 = 1403.025 falls among the top 120 → 250: Upper B.
    expect(points[2]).toMatchObject({ rawMinMgDl: 120, rawMaxMgDl: 250, zone: 'Upper B' });
  });

  it('differs from the point over the whole window, where the hypo hour is under 2.5 % of the minutes', () => {
    // 60 of 4320 minutes at 50 (1.4 %): h = 4319·0.025 = 107.975 lands on 120; the 120 minutes at 250 (2.8 %) still set the top.
    const whole = cvgaPoint(trace);
    expect(whole).toMatchObject({ rawMinMgDl: 120, rawMaxMgDl: 250, zone: 'Upper B' });
    expect(cvgaPointsPerDay(trace).map((p) => p.zone)).not.toEqual([whole.zone, whole.zone, whole.zone]);
  });

  it('summarises patient-days by hand count, unlike patients', () => {
    // A second patient at 150 mg/dL all three days: A, A, A.
    const steady = concat(day(150), day(150), day(150));
    const patientDays = [...cvgaPointsPerDay(trace), ...cvgaPointsPerDay(steady)];
    const s = cvgaSummary(patientDays);
    // A ×4 (day 1 and the steady three), Lower C ×1, Upper B ×1: A+B = 5 of 6.
    expect(s.n).toBe(6);
    expect(s.excluded).toBe(0);
    expect(s.counts).toEqual({ A: 4, 'Lower B': 0, 'Upper B': 1, B: 0, 'Lower C': 1, 'Upper C': 0, 'Lower D': 0, 'Upper D': 0, E: 0 });
    expect(s.percentAB).toBeCloseTo((100 * 5) / 6, 12);
    expect(s.percent['Lower C']).toBeCloseTo(100 / 6, 12);
    // Per patient both are in A+B: Upper B and A.
    const perPatient = cvgaSummary([cvgaPoint(trace), cvgaPoint(steady)]);
    expect(perPatient.counts.A + perPatient.counts['Upper B']).toBe(2);
    expect(perPatient.percentAB).toBe(100);
  });

  it('gives a day without a reading zone null, counted as excluded', () => {
    const gap = new Float64Array(DAY).fill(NaN);
    gap[100] = 0; // a sensor's 0 is no reading either
    const points = cvgaPointsPerDay(concat(day1, gap, day3));
    expect(points[1].zone).toBeNull();
    expect(points[1].minMgDl).toBeNaN();
    expect(points[1]).toEqual({ ...cvgaPoint(gap), dayIndex: 1 });
    const s = cvgaSummary(points);
    expect(s).toMatchObject({ n: 2, excluded: 1, percentAB: 100 });
  });

  it('takes a part-day at the end, and at the start with firstSampleMinuteOfDay', () => {
    const tail = day3.subarray(0, 600);
    const points = cvgaPointsPerDay(concat(day1, day2, tail));
    expect(points).toHaveLength(3);
    expect(points[2]).toEqual({ ...cvgaPoint(tail), dayIndex: 2 });
    // Starting at 23:00: day 0 is the first 60 minutes, day 1 the next 1440.
    const late = cvgaPointsPerDay(concat(day2.subarray(DAY - 60), day1, tail), { firstSampleMinuteOfDay: DAY - 60 });
    expect(late.map((p) => p.dayIndex)).toEqual([0, 1, 2]);
    expect(late[0]).toEqual({ ...cvgaPoint(day2.subarray(DAY - 60)), dayIndex: 0 });
    expect(late[1]).toEqual({ ...cvgaPoint(day1), dayIndex: 1 });
    expect(late[2]).toEqual({ ...cvgaPoint(tail), dayIndex: 2 });
  });

  it('gives no day for an empty series and refuses an offset that is not a minute of the day', () => {
    expect(cvgaPointsPerDay(new Float64Array(0))).toEqual([]);
    expect(cvgaPointsPerDay([])).toEqual([]);
    for (const bad of [-1, DAY, 1.5, NaN]) expect(() => cvgaPointsPerDay(trace, { firstSampleMinuteOfDay: bad })).toThrow(RangeError);
  });
});

describe('cvgaPointsPerDay: properties on random series', () => {
  it('a series of one day (or less) gives one point, cvgaPoint of that day', () => {
    const next = rng(20080630);
    for (let k = 0; k < 200; k++) {
      const length = 1 + Math.floor(next() * DAY);
      const bg = randomDay(next, length);
      const points = cvgaPointsPerDay(bg);
      expect(points).toHaveLength(1);
      expect(points[0]).toEqual({ ...cvgaPoint(bg), dayIndex: 0 });
      // A plain array reads the same as a typed one.
      expect(cvgaPointsPerDay(Array.from(bg))).toEqual(points);
    }
  });

  it('days put end to end give the points of each day on its own', () => {
    const next = rng(2014);
    for (let k = 0; k < 40; k++) {
      const count = 1 + Math.floor(next() * 6);
      // Full days, the last one possibly shorter.
      const days = Array.from({ length: count }, (_, d) => randomDay(next, d < count - 1 ? DAY : 1 + Math.floor(next() * DAY)));
      const points = cvgaPointsPerDay(concat(...days));
      expect(points).toEqual(days.map((bg, d) => ({ ...cvgaPoint(bg), dayIndex: d })));
      // With a first day starting later, that day is the part given and the rest follow as before.
      const offset = Math.floor(next() * DAY);
      const first = randomDay(next, DAY - offset);
      const shifted = cvgaPointsPerDay(concat(first, ...days), { firstSampleMinuteOfDay: offset });
      expect(shifted).toEqual([{ ...cvgaPoint(first), dayIndex: 0 }, ...days.map((bg, d) => ({ ...cvgaPoint(bg), dayIndex: d + 1 }))]);
      // Every point has a zone or is a day without readings.
      for (const p of points) expect(p.zone === null || CVGA_ZONES.includes(p.zone)).toBe(true);
    }
  });
});

describe('cvgaPointsPerWallClockDay', () => {
  it('cuts at wall-clock midnight, skips days without a time and gives a day of missing readings zone null', () => {
    const midnight = 16_592 * DAY; // 2015-06-06 00:00, minutes since 1970
    const times: number[] = [];
    const gl: number[] = [];
    // 2015-06-06 from 22:00: 24 readings every 5 min, low. 2015-06-07: every 5 min at 120. 2015-06-08: two missing readings.
    const add = (t: number, g: number) => {
      times.push(t);
      gl.push(g);
    };
    for (let i = 0; i < 24; i++) add(midnight + 22 * 60 + 5 * i, 60);
    for (let i = 0; i < 288; i++) add(midnight + DAY + 5 * i, 120);
    add(midnight + 2 * DAY + 10, NaN);
    add(midnight + 2 * DAY + 20, 0);
    // 2015-06-10 (the 9th has no reading at all): one reading at 200.
    add(midnight + 4 * DAY + 600, 200);
    const series = buildSeries(times, gl);
    const points = cvgaPointsPerWallClockDay(series);
    expect(points.map((p) => p.epochDay - 16_592)).toEqual([0, 1, 2, 4]);
    expect(points.map((p) => p.zone)).toEqual(['Lower C', 'A', null, 'Upper B']);
    expect(points[1]).toEqual({ ...cvgaPoint(new Float64Array(288).fill(120)), epochDay: 16_593 });
    expect(cvgaSummary(points)).toMatchObject({ n: 3, excluded: 1 });
    expect(cvgaPointsPerWallClockDay(buildSeries([], []))).toEqual([]);
  });

  it('agrees with cvgaPointsPerDay on a minute-by-minute series starting at midnight', () => {
    const next = rng(630);
    const bg = concat(randomDay(next, DAY), randomDay(next, DAY), randomDay(next, 700));
    const start = 20_000 * DAY;
    const series = { timesMin: Float64Array.from(bg, (_, i) => start + i), glucoseMgDl: bg };
    const byClock = cvgaPointsPerWallClockDay(series).map(({ epochDay, ...p }) => ({ ...p, dayIndex: epochDay - 20_000 }));
    expect(byClock).toEqual(cvgaPointsPerDay(bg));
  });
});
