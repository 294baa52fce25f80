/** Small hand-computed examples, one or more per metric family. */
import { describe, expect, it } from 'vitest';
import {
  adrr,
  bgri,
  bgRisk,
  buildSeries,
  computeMetrics,
  conga,
  dayByDayGrid,
  grade,
  gradeScore,
  hbgi,
  lbgi,
  mage,
  modd,
  mValue,
  parseWallClock,
  percentBelow,
  rangePercents,
  riskTransform,
  validReadings,
} from '../../src/metrics/index.js';
import { medianGapMinutes, roundHalfEven } from '../../src/metrics/grid.js';

const DAY0 = parseWallClock('2024-01-01 00:00')!;
/** A series of readings every `step` minutes starting at `start`. */
const regular = (start: number, step: number, g: readonly number[]) =>
  buildSeries(
    g.map((_, i) => start + i * step),
    g,
  );

describe('basic: mean, SD, CV, GMI, eA1c, J-index', () => {
  it('100, 110, 120, 130 mg/dL', () => {
    const m = computeMetrics(regular(DAY0, 5, [100, 110, 120, 130]));
    expect(m.mean).toBe(115);
    expect(m.sd).toBeCloseTo(Math.sqrt(500 / 3), 12); // (15² + 5² + 5² + 15²) / 3
    expect(m.cv).toBeCloseTo((100 * Math.sqrt(500 / 3)) / 115, 12);
    expect(m.gmi).toBeCloseTo(3.31 + 0.02392 * 115, 12); // 6.0608
    expect(m.ea1c).toBeCloseTo((115 + 46.7) / 28.7, 12); // 5.6341
    expect(m.j_index).toBeCloseTo(0.001 * (115 + Math.sqrt(500 / 3)) ** 2, 12);
  });
});

describe('ranges and GRI', () => {
  const s = regular(DAY0, 5, [50, 60, 70, 180, 181, 251, 100, 100]);

  it('count-based percentages, boundaries as iglu (70 and 180 are in range)', () => {
    expect(rangePercents(s)).toEqual({ tir: 50, below_70: 25, below_54: 12.5, above_180: 25, above_250: 12.5 });
  });

  it('GRI = 3·VLow + 2.4·Low + 1.6·VHigh + 0.8·High over disjoint bands, capped at 100', () => {
    expect(computeMetrics(s).gri).toBeCloseTo(3 * 12.5 + 2.4 * 12.5 + 1.6 * 12.5 + 0.8 * 12.5, 12); // 97.5
    expect(computeMetrics(regular(DAY0, 5, [40, 45])).gri).toBe(100);
    expect(computeMetrics(regular(DAY0, 5, [100, 120])).gri).toBe(0);
  });

  it('time weighting: each reading holds until the next one, capped at 45 min', () => {
    // 60 for 10 min, 100 for 30 min, 200 for 60 min capped to 45, last (300) for the median gap 30.
    const irregular = buildSeries([0, 10, 40, 100], [60, 100, 200, 300]);
    const w = { weighting: 'time' } as const;
    const total = 10 + 30 + 45 + 30;
    expect(percentBelow(irregular, 70, w)).toBeCloseTo((100 * 10) / total, 12);
    expect(rangePercents(irregular, w).tir).toBeCloseTo((100 * 30) / total, 12);
    expect(rangePercents(irregular, w).above_250).toBeCloseTo((100 * 30) / total, 12);
    expect(rangePercents(irregular).tir).toBe(25); // count-based
    // A regular series gives the same either way.
    const even = regular(DAY0, 5, [50, 60, 70, 180, 181, 251, 100, 100]);
    expect(rangePercents(even, w)).toEqual(rangePercents(even));
  });
});

describe('risk: LBGI, HBGI, BGRI, ADRR', () => {
  // r(BG) = 22.77 · ((ln BG)^1.084 − 5.381)², values checked with Python:
  const r40 = 36.416251326421765;
  const r100 = 0.48203397795508907;
  const r200 = 11.604335320521106;
  const r300 = 33.95077978881628;

  it('risk function and its symmetric range', () => {
    expect(bgRisk(40)).toBeCloseTo(r40, 12);
    expect(bgRisk(300)).toBeCloseTo(r300, 12);
    expect(riskTransform(112.5)).toBeCloseTo(0, 3); // the scale's centre
    expect(riskTransform(20)).toBeCloseTo(-riskTransform(600), 2); // ±3.16
    expect(bgRisk(20)).toBeCloseTo(100.03794975607171, 10);
  });

  it('LBGI/HBGI average the low/high risk over all readings; BGRI is their sum', () => {
    const s = regular(DAY0, 5, [40, 100, 200, 300]);
    expect(lbgi(s)).toBeCloseTo((r40 + r100) / 4, 12);
    expect(hbgi(s)).toBeCloseTo((r200 + r300) / 4, 12);
    expect(bgri(s)).toBeCloseTo((r40 + r100 + r200 + r300) / 4, 12);
  });

  it('ADRR: mean over wall-clock days of (max low risk + max high risk)', () => {
    // Day 1: 40 and 200 (23:59); day 2: 100 (00:00) and 300.
    const s = buildSeries([DAY0 + 600, DAY0 + 1439, DAY0 + 1440, DAY0 + 2000], [40, 200, 100, 300]);
    expect(adrr(s)).toBeCloseTo((r40 + r200 + r100 + r300) / 2, 12);
    // All on one day: max low risk is r(40), max high risk r(300).
    expect(adrr(regular(DAY0, 5, [40, 200, 100, 300]))).toBeCloseTo(r40 + r300, 12);
  });
});

describe('M-value and GRADE', () => {
  it('M-value = mean 1000·|log10(BG/90)|³ (reference adjustable)', () => {
    expect(mValue(regular(DAY0, 5, [90, 900]))).toBeCloseTo(500, 10);
    expect(mValue(regular(DAY0, 5, [9, 90]))).toBeCloseTo(500, 10);
    expect(mValue(regular(DAY0, 5, [120, 1200]), 120)).toBeCloseTo(500, 10);
  });

  it('GRADE = 425·(log10(log10(BG/18)) + 0.16)², capped at 50 per reading', () => {
    expect(gradeScore(180)).toBeCloseTo(425 * 0.16 ** 2, 12); // 10 mmol/L → 10.88
    expect(gradeScore(18 * 10 ** 10 ** -0.16)).toBeCloseTo(0, 12); // the formula's zero, ≈ 88.5 mg/dL
    expect(gradeScore(18 * 1e10)).toBe(50); // 571.9 capped
    expect(grade(regular(DAY0, 5, [180, 18 * 1e10]))).toBeCloseTo((10.88 + 50) / 2, 12);
  });
});

describe('the day-by-day grid (iglu CGMS2DayByDay)', () => {
  it('starts one step after midnight, ends at the next midnight, interpolates linearly', () => {
    const s = buildSeries([DAY0 + 7, DAY0 + 12, DAY0 + 17], [100, 110, 90]);
    const grid = dayByDayGrid(validReadings(s));
    expect(grid.dt0).toBe(5);
    expect(grid.ndays).toBe(2); // ceil(span / 1 day + 1), as iglu: always a spare day
    expect(grid.startMin).toBe(DAY0);
    expect(grid.values.length).toBe(2 * 288);
    expect(Number.isNaN(grid.values[0])).toBe(true); // 00:05, before the first reading
    expect(grid.values[1]).toBeCloseTo(106, 12); // 00:10
    expect(grid.values[2]).toBeCloseTo(98, 12); // 00:15
    expect(Number.isNaN(grid.values[3])).toBe(true); // 00:20, after the last
  });

  it('does not interpolate across gaps longer than 45 min (45 exactly is interpolated)', () => {
    const s = buildSeries([DAY0 + 5, DAY0 + 50, DAY0 + 100], [100, 190, 100]);
    const g = dayByDayGrid(validReadings(s), { dt0: 5 }).values;
    expect(g[1]).toBeCloseTo(110, 12); // 00:10, inside the 45-min gap
    expect(g[8]).toBeCloseTo(180, 12); // 00:45
    expect(g[9]).toBe(190); // 00:50, a reading
    expect(Number.isNaN(g[10])).toBe(true); // 00:55 inside the 50-min gap
    expect(g[19]).toBe(100); // 01:40, a reading
  });

  it('step: median gap rounded half to even, made to divide a day', () => {
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(3.5)).toBe(4);
    expect(roundHalfEven(-2.5)).toBe(-2);
    expect(medianGapMinutes(Float64Array.from([0, 1, 3, 6, 10]))).toBe(2.5);
    expect(dayByDayGrid(validReadings(buildSeries([0, 7, 14, 21], [1, 2, 3, 4]))).dt0).toBe(5); // 7 → 5
    expect(dayByDayGrid(validReadings(buildSeries([0, 13, 26], [1, 2, 3]))).dt0).toBe(15); // 13 → 15
    expect(dayByDayGrid(validReadings(buildSeries([0, 25, 50], [1, 2, 3]))).dt0).toBe(20); // 25 → 20
    for (let trial = 0; trial < 20; trial++) {
      const t = Float64Array.from({ length: 2 + trial * 7 }, (_, i) => i * 3 + ((i * 7919) % 13));
      t.sort();
      const d = Array.from(t.subarray(1), (v, i) => v - t[i]).sort((a, b) => a - b);
      const h = d.length >> 1;
      expect(medianGapMinutes(t)).toBe(d.length % 2 ? d[h] : (d[h - 1] + d[h]) / 2);
    }
  });
});

describe('MODD and CONGA', () => {
  // Readings every 30 min exactly on grid points (00:30, 01:00, …), so grid = readings.
  it('MODD: mean |day 2 − day 1| at the same time of day', () => {
    const g = [...Array(48).fill(100), ...Array.from({ length: 48 }, (_, k) => 100 + ((k + 1) % 4) * 10)];
    const s = regular(DAY0 + 30, 30, g);
    expect(modd(s)).toBeCloseTo(15, 12); // |diff| cycles 10, 20, 30, 0
    expect(Number.isNaN(modd(regular(DAY0 + 30, 30, g.slice(0, 40))))).toBe(true); // one day only
  });

  it('CONGA(n): SD of differences n hours apart on the grid', () => {
    const s = regular(DAY0 + 30, 30, [100, 120, 110, 150, 90, 100]);
    // lag 2 steps: 10, 30, −20, −50 → mean −7.5, SD √(3675/3) = 35
    expect(conga(s, 1)).toBeCloseTo(35, 12);
    expect(Number.isNaN(conga(s, 24))).toBe(true); // no pair 24 h apart
  });
});

describe('MAGE (iglu ma algorithm)', () => {
  /** 150 − amp·cos(2π·t/period) sampled every 5 min from a nadir, `periods` full periods. */
  const wave = (start: number, periods: number, amp: number, period = 240) => {
    const n = (periods * period) / 5 + 1;
    const t = Array.from({ length: n }, (_, k) => start + 5 * k);
    const g = t.map((_, k) => 150 - amp * Math.cos((2 * Math.PI * 5 * k) / period));
    return { t, g };
  };

  it('a regular oscillation of amplitude 100 has MAGE 100 in every direction', () => {
    const { t, g } = wave(DAY0 + 5, 12, 50);
    const s = buildSeries(t, g);
    for (const direction of ['avg', 'plus', 'minus', 'max', 'service'] as const) expect(mage(s, { direction })).toBeCloseTo(100, 9);
  });

  it('segments split by a gap over 180 min are weighted by their duration', () => {
    const a = wave(DAY0 + 5, 12, 50);
    const b = wave(a.t[a.t.length - 1] + 360, 6, 30);
    const s = buildSeries([...a.t, ...b.t], [...a.g, ...b.g]);
    const da = (a.t.length - 1) * 5;
    const db = (b.t.length - 1) * 5;
    expect(mage(s)).toBeCloseTo((100 * da + 60 * db) / (da + db), 9);
    // A 3-hour gap (exactly 180 min of missing grid: 35 points × 5 = 175) does not split.
    const c = wave(a.t[a.t.length - 1] + 180, 6, 30);
    expect(mage(buildSeries([...a.t, ...c.t], [...a.g, ...c.g]))).not.toBeCloseTo((100 * da + 60 * db) / (da + db), 3);
  });

  it('no value for short, flat or empty traces', () => {
    expect(Number.isNaN(mage(regular(DAY0, 5, [100, 120, 140, 160, 140, 120])))).toBe(true); // < 7 points
    expect(Number.isNaN(mage(regular(DAY0, 5, Array(20).fill(100).map((v, i) => v + i))))).toBe(true); // < 32 points
    expect(Number.isNaN(mage(regular(DAY0, 5, Array(300).fill(120))))).toBe(true); // flat: iglu would not terminate
    expect(Number.isNaN(mage(buildSeries([], [])))).toBe(true);
  });
});
