import { describe, expect, it } from 'vitest';
import {
  CVGA_ZONES,
  CVGA_ZONE_RECTS,
  type CvgaZone,
  clampCvga,
  classifyCvga,
  cvgaPoint,
  cvgaSummary,
  cvgaSummaryByGroup,
  percentile,
  percentileSorted,
} from '../../src/metrics/cvga.js';

/**
 * The published grid (Magni et al. 2008, Fig. 1) written out independently
 * of the implementation: columns by min BG (110–90, 90–70, 70–50), rows by
 * max BG (110–180, 180–300, 300–400). A value on a cut belongs to the outer
 * zone (simglucose's inequalities).
 */
function expectedZone(min: number, max: number): CvgaZone {
  const lo = Math.min(Math.min(400, Math.max(50, min)), 110);
  const hi = Math.max(Math.min(400, Math.max(50, max)), 110);
  const col = lo > 90 ? 'left' : lo > 70 ? 'mid' : 'right';
  const row = hi < 180 ? 'bottom' : hi < 300 ? 'middle' : 'top';
  const table: Record<string, Record<string, CvgaZone>> = {
    bottom: { left: 'A', mid: 'Lower B', right: 'Lower C' },
    middle: { left: 'Upper B', mid: 'B', right: 'Lower D' },
    top: { left: 'Upper C', mid: 'Upper D', right: 'E' },
  };
  return table[row][col];
}

describe('CVGA zones', () => {
  it('lists the nine zones in report order', () => {
    expect(CVGA_ZONES).toEqual(['A', 'Lower B', 'Upper B', 'B', 'Lower C', 'Upper C', 'Lower D', 'Upper D', 'E']);
  });

  it('classifies the centre of every cell', () => {
    expect(classifyCvga(100, 150)).toBe('A');
    expect(classifyCvga(80, 150)).toBe('Lower B');
    expect(classifyCvga(60, 150)).toBe('Lower C');
    expect(classifyCvga(100, 250)).toBe('Upper B');
    expect(classifyCvga(80, 250)).toBe('B');
    expect(classifyCvga(60, 250)).toBe('Lower D');
    expect(classifyCvga(100, 350)).toBe('Upper C');
    expect(classifyCvga(80, 350)).toBe('Upper D');
    expect(classifyCvga(60, 350)).toBe('E');
  });

  // At, just inside and just outside every cut, on both axes, in every combination.
  const eps = 1e-6;
  const mins = [110, 90 + eps, 90, 90 - eps, 70 + eps, 70, 70 - eps, 50];
  const maxs = [110, 180 - eps, 180, 180 + eps, 300 - eps, 300, 300 + eps, 400];
  for (const mn of mins) {
    for (const mx of maxs) {
      it(`min ${mn}, max ${mx} → ${expectedZone(mn, mx)}`, () => {
        expect(classifyCvga(mn, mx)).toBe(expectedZone(mn, mx));
      });
    }
  }

  it('puts values exactly on a cut in the outer zone', () => {
    expect(classifyCvga(90, 150)).toBe('Lower B');
    expect(classifyCvga(90.0001, 150)).toBe('A');
    expect(classifyCvga(70, 150)).toBe('Lower C');
    expect(classifyCvga(70.0001, 150)).toBe('Lower B');
    expect(classifyCvga(100, 180)).toBe('Upper B');
    expect(classifyCvga(100, 179.9999)).toBe('A');
    expect(classifyCvga(100, 300)).toBe('Upper C');
    expect(classifyCvga(100, 299.9999)).toBe('Upper B');
    expect(classifyCvga(90, 180)).toBe('B');
    expect(classifyCvga(70, 300)).toBe('E');
    expect(classifyCvga(70, 299.9999)).toBe('Lower D');
    expect(classifyCvga(70.0001, 300)).toBe('Upper D');
  });

  it('has zone rectangles that tile the grid and agree with the classifier at their centres', () => {
    let area = 0;
    for (const r of CVGA_ZONE_RECTS) {
      area += (r.minHi - r.minLo) * (r.maxHi - r.maxLo);
      expect(classifyCvga((r.minLo + r.minHi) / 2, (r.maxLo + r.maxHi) / 2)).toBe(r.zone);
    }
    expect(area).toBe(60 * 290);
    expect(new Set(CVGA_ZONE_RECTS.map((r) => r.zone)).size).toBe(9);
  });

  it('rejects NaN and classifies infinities by clamping', () => {
    expect(() => classifyCvga(NaN, 150)).toThrow(RangeError);
    expect(() => classifyCvga(100, NaN)).toThrow(RangeError);
    expect(classifyCvga(-Infinity, Infinity)).toBe('E');
  });
});

describe('CVGA clamping', () => {
  it('clamps to [50, 400] and then min ≤ 110 ≤ max', () => {
    expect(clampCvga(20, 600)).toEqual({ minMgDl: 50, maxMgDl: 400 });
    expect(clampCvga(130, 250)).toEqual({ minMgDl: 110, maxMgDl: 250 });
    expect(clampCvga(80, 95)).toEqual({ minMgDl: 80, maxMgDl: 110 });
    expect(clampCvga(500, 700)).toEqual({ minMgDl: 110, maxMgDl: 400 });
    expect(clampCvga(10, 30)).toEqual({ minMgDl: 50, maxMgDl: 110 });
    expect(clampCvga(100, 150)).toEqual({ minMgDl: 100, maxMgDl: 150 });
  });

  it('gives points outside the grid exactly one zone', () => {
    // Never below 110: sits on the left edge.
    expect(classifyCvga(130, 170)).toBe('A');
    expect(classifyCvga(130, 250)).toBe('Upper B');
    expect(classifyCvga(500, 700)).toBe('Upper C');
    // Never above 110: sits on the bottom edge.
    expect(classifyCvga(80, 95)).toBe('Lower B');
    expect(classifyCvga(10, 30)).toBe('Lower C');
    // Beyond 50 / 400.
    expect(classifyCvga(20, 600)).toBe('E');
    expect(classifyCvga(95, 1000)).toBe('Upper C');
  });

  it('applies the clamps to constant series', () => {
    expect(cvgaPoint(new Float64Array(50).fill(150))).toMatchObject({ minMgDl: 110, maxMgDl: 150, zone: 'A' });
    expect(cvgaPoint(new Float64Array(50).fill(60))).toMatchObject({ minMgDl: 60, maxMgDl: 110, zone: 'Lower C' });
    expect(cvgaPoint(new Float64Array(50).fill(250))).toMatchObject({ minMgDl: 110, maxMgDl: 250, zone: 'Upper B' });
    expect(cvgaPoint(new Float64Array(50).fill(500))).toMatchObject({ minMgDl: 110, maxMgDl: 400, zone: 'Upper C' });
    expect(cvgaPoint(new Float64Array(50).fill(20))).toMatchObject({ minMgDl: 50, maxMgDl: 110, zone: 'Lower C' });
    expect(cvgaPoint([10, 10, 10])).toMatchObject({ minMgDl: 50, maxMgDl: 110, zone: 'Lower C' });
  });
});

describe('CVGA percentiles', () => {
  it('uses linear interpolation between order statistics (R type 7, NumPy default)', () => {
    const s = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    // numpy.percentile(range(1, 101), [2.5, 97.5]) == [3.475, 97.525]
    expect(percentileSorted(s, 2.5)).toBeCloseTo(3.475, 12);
    expect(percentileSorted(s, 97.5)).toBeCloseTo(97.525, 12);
    expect(percentileSorted(s, 0)).toBe(1);
    expect(percentileSorted(s, 100)).toBe(100);
    expect(percentileSorted(s, 50)).toBeCloseTo(50.5, 12);
    expect(percentileSorted([10, 20], 2.5)).toBeCloseTo(10.25, 12);
    expect(percentileSorted([10, 20], 97.5)).toBeCloseTo(19.75, 12);
    expect(percentileSorted([42], 97.5)).toBe(42);
    expect(percentileSorted([], 50)).toBeNaN();
    expect(() => percentileSorted(s, 101)).toThrow(RangeError);
    expect(() => percentileSorted(s, NaN)).toThrow(RangeError);
  });

  it('computes a patient point from a known series, in any order, ignoring NaN and infinities', () => {
    // 60, 61, …, 260: h = 200·0.025 = 5 → 65; h = 200·0.975 = 195 → 255.
    const bg = Array.from({ length: 201 }, (_, i) => 60 + i);
    const p = cvgaPoint(bg);
    expect(p.rawMinMgDl).toBeCloseTo(65, 12);
    expect(p.rawMaxMgDl).toBeCloseTo(255, 12);
    expect(p).toMatchObject({ minMgDl: 65, maxMgDl: 255, zone: 'Lower D' });

    const shuffled = [...bg].reverse();
    for (let i = 0; i < shuffled.length; i += 7) [shuffled[i], shuffled[(i * 13) % shuffled.length]] = [shuffled[(i * 13) % shuffled.length], shuffled[i]];
    const withGaps = [NaN, ...shuffled.slice(0, 100), NaN, Infinity, NaN, ...shuffled.slice(100), -Infinity, NaN];
    const q = cvgaPoint(withGaps);
    expect(q.rawMinMgDl).toBeCloseTo(65, 12);
    expect(q.rawMaxMgDl).toBeCloseTo(255, 12);
    expect(q.zone).toBe('Lower D');
    expect(percentile(withGaps, 2.5)).toBeCloseTo(65, 12);
  });

  it('is robust to a single outlier, unlike the raw extremes', () => {
    const bg = new Float64Array(1000).fill(120);
    bg[500] = 40; // one low sensor spike
    expect(cvgaPoint(bg).zone).toBe('A');
  });

  it('ignores zero and negative readings like the other metrics', () => {
    const bg = Array.from({ length: 201 }, (_, i) => 60 + i);
    const p = cvgaPoint([0, -5, ...bg, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(p.rawMinMgDl).toBeCloseTo(65, 12);
    expect(p.zone).toBe('Lower D');
  });

  it('gives no zone to a series without readings', () => {
    for (const empty of [[], [NaN, NaN], new Float64Array(0), [0, -1, 0]]) {
      const p = cvgaPoint(empty);
      expect(p.zone).toBeNull();
      expect(p.minMgDl).toBeNaN();
      expect(p.maxMgDl).toBeNaN();
    }
  });
});

/** Deterministic uniform numbers for the synthetic cohort (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('CVGA summary', () => {
  it('counts a hand-made cohort', () => {
    const zones: (CvgaZone | null)[] = ['A', 'A', 'A', 'Lower B', 'Upper B', 'B', 'Lower C', 'Upper D', 'E', 'E', null];
    const s = cvgaSummary(zones.map((zone) => ({ zone })));
    expect(s.n).toBe(10);
    expect(s.excluded).toBe(1);
    expect(s.counts).toEqual({ A: 3, 'Lower B': 1, 'Upper B': 1, B: 1, 'Lower C': 1, 'Upper C': 0, 'Lower D': 0, 'Upper D': 1, E: 2 });
    expect(s.percent.A).toBeCloseTo(30, 12);
    expect(s.percent.E).toBeCloseTo(20, 12);
    expect(s.percentAB).toBeCloseTo(60, 12);
    expect(s.percentByLetter).toEqual({ A: 30, B: 30, C: 10, D: 10, E: 20 });
  });

  it('sums to 100 % on a synthetic cohort and matches an independent classification', () => {
    const next = rng(20080630);
    const points = Array.from({ length: 2000 }, () => {
      // Spread over and beyond the grid, including the clamped regions.
      const a = 20 + next() * 200;
      const b = a + next() * 450;
      return { min: a, max: b, zone: classifyCvga(a, b) };
    });
    const s = cvgaSummary(points);
    expect(s.n).toBe(2000);
    const total = CVGA_ZONES.reduce((acc, z) => acc + s.percent[z], 0);
    expect(total).toBeCloseTo(100, 9);
    expect(CVGA_ZONES.reduce((acc, z) => acc + s.counts[z], 0)).toBe(2000);
    for (const z of CVGA_ZONES) {
      expect(s.counts[z]).toBe(points.filter((p) => expectedZone(p.min, p.max) === z).length);
      expect(s.counts[z]).toBeGreaterThan(0); // the cohort reaches every zone
    }
    expect(s.percentAB).toBeCloseTo(s.percent.A + s.percent['Lower B'] + s.percent['Upper B'] + s.percent.B, 9);
    const letters = s.percentByLetter;
    expect(letters.A + letters.B + letters.C + letters.D + letters.E).toBeCloseTo(100, 9);
  });

  it('summarises subgroups, and an empty group without NaN', () => {
    const pts = [
      { group: 'adults', zone: 'A' as const },
      { group: 'children', zone: 'E' as const },
      { group: 'adults', zone: 'Upper B' as const },
      { group: 'children', zone: 'Lower B' as const },
      { group: 'children', zone: 'Lower D' as const },
    ];
    const by = cvgaSummaryByGroup(pts, (p) => p.group);
    expect([...by.keys()]).toEqual(['adults', 'children']);
    expect(by.get('adults')!.percentAB).toBe(100);
    expect(by.get('children')!.percentAB).toBeCloseTo(100 / 3, 12);
    const empty = cvgaSummary([]);
    expect(empty.n).toBe(0);
    expect(empty.percentAB).toBe(0);
    for (const z of CVGA_ZONES) expect(empty.percent[z]).toBe(0);
  });
});
