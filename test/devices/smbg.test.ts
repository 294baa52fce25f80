import { describe, it, expect } from 'vitest';
import {
  FIVE_A_DAY,
  SMBG_HI_MGDL,
  SMBG_LO_MGDL,
  SmbgMeter,
  createMeter,
  iso15197LimitMgDl,
  smbgErrorSdMgDl,
  type MeterSpec,
} from '../../src/devices/smbg.js';
import { randomStream, type RandomStream } from '../../src/random/streams.js';

const stream = (seed: number | string = 5) => randomStream(seed, 't2dm#001', 'smbg');

/** ISO 15197:2013 §6.3.3 limit, written out here so the accuracy tests do not trust the module's own. */
const isoLimit = (referenceMgDl: number) => (referenceMgDl < 100 ? 15 : 0.15 * referenceMgDl);

/** Hands out the given standard normals in order; any other draw is a test failure. */
class ScriptedNormals implements RandomStream {
  calls = 0;
  constructor(private readonly values: number[]) {}
  normal(): number {
    if (this.calls >= this.values.length) throw new Error('more normal draws than scripted');
    return this.values[this.calls++];
  }
  uniform(): number {
    throw new Error('meter must draw only normals');
  }
  uniformIn(): number {
    throw new Error('meter must draw only normals');
  }
  integerIn(): number {
    throw new Error('meter must draw only normals');
  }
}

/** Φ(x) by composite Simpson on [0, x] (independent of the code under test; error < 1e-12 here). */
function normalCdf(x: number): number {
  if (x < 0) return 1 - normalCdf(-x);
  const n = 2000;
  const h = x / n;
  const f = (t: number) => Math.exp((-t * t) / 2);
  let sum = f(0) + f(x);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * f(i * h);
  return 0.5 + (sum * h) / 3 / Math.sqrt(2 * Math.PI);
}

/** The minutes at which the engine (closedLoop.ts: every minute, time of day = (start + m) mod 1440) would read. */
function sampledMinutes(meter: SmbgMeter, startTimeOfDayMin: number, days: number): number[] {
  const out: number[] = [];
  for (let m = 0; m < days * 1440; m++) if (meter.samplesAt(m, (startTimeOfDayMin + m) % 1440)) out.push(m);
  return out;
}

/** Run minutes at which times of day `times` fall in a run of `days` days starting at `start`. */
function expectedMinutes(times: readonly number[], start: number, days: number): number[] {
  const out: number[] = [];
  for (let day = 0; day <= days; day++) {
    for (const t of times) {
      const m = day * 1440 + t - start;
      if (m >= 0 && m < days * 1440) out.push(m);
    }
  }
  return out.sort((a, b) => a - b);
}

describe('SMBG schedule', () => {
  it('FIVE_A_DAY is morning, noon, afternoon, evening and night (07:00, 12:00, 16:00, 19:00, 22:00)', () => {
    expect(FIVE_A_DAY).toEqual([420, 720, 960, 1140, 1320]);
    expect(createMeter({ model: 'smbg' }, stream()).timesOfDayMin).toEqual(FIVE_A_DAY);
  });

  it('samples exactly at its times of day every day, from a midnight start', () => {
    const meter = createMeter({ model: 'smbg' }, stream());
    const got = sampledMinutes(meter, 0, 4);
    expect(got).toHaveLength(20);
    expect(got).toEqual(expectedMinutes(FIVE_A_DAY, 0, 4));
    expect(got.slice(0, 6)).toEqual([420, 720, 960, 1140, 1320, 1440 + 420]);
  });

  it('samples at the same clock times from a non-midnight start (09:37), across midnight', () => {
    const start = 9 * 60 + 37;
    const meter = createMeter({ model: 'smbg' }, stream());
    const got = sampledMinutes(meter, start, 5);
    expect(got).toEqual(expectedMinutes(FIVE_A_DAY, start, 5));
    // First reading is the noon one; the morning one of day 1 is already past.
    expect(got[0]).toBe(720 - start);
    expect(got.map((m) => (start + m) % 1440)).toEqual(got.map((_, i) => [720, 960, 1140, 1320, 420][i % 5]));
    // A 5-day run from 09:37 ends at 09:37 on day 6: 5 readings a day overall.
    expect(got).toHaveLength(25);
  });

  it('uses a custom schedule (given unsorted, kept sorted), including midnight and 23:59', () => {
    const meter = createMeter({ model: 'smbg', timesOfDayMin: [1439, 0, 600] }, stream());
    expect(meter.timesOfDayMin).toEqual([0, 600, 1439]);
    expect(sampledMinutes(meter, 300, 3)).toEqual(expectedMinutes([0, 600, 1439], 300, 3));
    expect(meter.samplesAt(0, 0)).toBe(true);
    expect(meter.samplesAt(0, 1)).toBe(false);
    expect(meter.samplesAt(0, 600.5)).toBe(false);
  });

  it('copies the schedule, so changing the caller array later has no effect', () => {
    const times = [420, 720];
    const meter = createMeter({ model: 'smbg', timesOfDayMin: times }, stream());
    times.push(960);
    times[0] = 421;
    expect(meter.samplesAt(0, 420)).toBe(true);
    expect(meter.samplesAt(0, 960)).toBe(false);
    expect(meter.timesOfDayMin).toEqual([420, 720]);
  });
});

describe('SMBG configuration errors', () => {
  const bad = (timesOfDayMin: unknown) => () =>
    createMeter({ model: 'smbg', timesOfDayMin } as unknown as MeterSpec, stream());

  it('rejects times outside [0, 1440) or not whole minutes, naming the field and index', () => {
    expect(bad([420, 1440])).toThrow(/timesOfDayMin\[1\].*\[0, 1440\).*got 1440/);
    expect(bad([-1])).toThrow(/timesOfDayMin\[0\].*got -1/);
    expect(bad([420.5])).toThrow(/timesOfDayMin\[0\].*whole number/);
    expect(bad([Number.NaN])).toThrow(/timesOfDayMin\[0\]/);
    expect(bad([Number.POSITIVE_INFINITY])).toThrow(/timesOfDayMin\[0\]/);
    expect(bad(['420'])).toThrow(/timesOfDayMin\[0\]/);
  });

  it('rejects repeated times', () => {
    expect(bad([420, 720, 420])).toThrow(/timesOfDayMin\[2\] repeats 420.*unique/);
  });

  it('rejects an empty or non-array schedule', () => {
    expect(bad([])).toThrow(/timesOfDayMin must be a non-empty array/);
    expect(bad(420)).toThrow(/timesOfDayMin must be a non-empty array/);
  });

  it('rejects an unknown model', () => {
    expect(() => createMeter({ model: 'contour' } as unknown as MeterSpec, stream())).toThrow(
      /unknown meter model "contour".*smbg/,
    );
  });

  it('rejects a non-finite blood glucose', () => {
    const meter = createMeter({ model: 'smbg' }, stream());
    expect(() => meter.read(Number.NaN, 0)).toThrow(/blood glucose must be finite/);
    expect(() => meter.read(Number.POSITIVE_INFINITY, 0)).toThrow(/blood glucose must be finite/);
  });
});

describe('SMBG reading: error size, clipping, rounding', () => {
  it('uses SD = ISO limit / 2.5: 6 mg/dL below 100 mg/dL, 6 % at and above', () => {
    for (const bg of [20, 99.9, 100, 180, 600]) expect(iso15197LimitMgDl(bg)).toBeCloseTo(isoLimit(bg), 12);
    expect(iso15197LimitMgDl(99.9)).toBe(15);
    expect(iso15197LimitMgDl(100)).toBeCloseTo(15, 12);
    expect(iso15197LimitMgDl(300)).toBeCloseTo(45, 12);
    expect(smbgErrorSdMgDl(50)).toBeCloseTo(6, 12);
    expect(smbgErrorSdMgDl(100)).toBeCloseTo(6, 12);
    expect(smbgErrorSdMgDl(250)).toBeCloseTo(15, 12);
  });

  it('adds SD·z to the true glucose and rounds to whole mg/dL, one normal draw per reading', () => {
    const s = new ScriptedNormals([0.25, 1, -1, -1.25, 0.3]);
    const meter = new SmbgMeter(s);
    expect(meter.read(100, 0)).toBe(102); // 100 + 6·0.25 = 101.5 → 102
    expect(meter.read(100, 1)).toBe(106); // 100 + 6
    expect(meter.read(150, 2)).toBe(141); // 150 − 0.06·150 = 141
    expect(meter.read(80.2, 3)).toBe(73); // 80.2 − 7.5 = 72.7 → 73
    expect(meter.read(212.4, 4)).toBe(216); // 212.4 + 0.06·212.4·0.3 = 216.22 → 216
    expect(s.calls).toBe(5);
  });

  it('clips to LO (20) and HI (600) mg/dL', () => {
    const meter = new SmbgMeter(new ScriptedNormals([0, -2, 0, 1, 2, -3]));
    expect(meter.read(8, 0)).toBe(SMBG_LO_MGDL);
    expect(meter.read(30, 0)).toBe(SMBG_LO_MGDL); // 30 − 12 = 18
    expect(meter.read(750, 0)).toBe(SMBG_HI_MGDL);
    expect(meter.read(580, 0)).toBe(SMBG_HI_MGDL); // 580 + 34.8
    expect(meter.read(560, 0)).toBe(SMBG_HI_MGDL); // 560 + 67.2
    expect(meter.read(560, 0)).toBe(459); // 560 − 100.8 = 459.2: not clipped
    expect([SMBG_LO_MGDL, SMBG_HI_MGDL]).toEqual([20, 600]);
  });

  it('readings from a real stream are whole numbers within [LO, HI]', () => {
    const meter = createMeter({ model: 'smbg' }, stream(3));
    for (let i = 0; i < 5000; i++) {
      const r = meter.read(10 + (i % 700) + 0.37, i);
      expect(Number.isInteger(r) && r >= 20 && r <= 600).toBe(true);
    }
  });

  it('is deterministic per seed and differs between seeds', () => {
    const series = (seed: number) => {
      const meter = createMeter({ model: 'smbg' }, stream(seed));
      return Array.from({ length: 200 }, (_, i) => meter.read(60 + i, i));
    };
    expect(series(7)).toEqual(series(7));
    const other = series(8);
    const a = series(7);
    expect(a.filter((r, i) => r !== other[i]).length).toBeGreaterThan(150);
  });
});

describe('SMBG accuracy against ISO 15197:2013 §6.3.3', () => {
  const perLevel = 15_000;
  const below = [40, 70, 85, 99];
  const above = [100, 150, 250, 400];

  interface LevelResult {
    bg: number;
    within: number;
    expected: number;
    meanError: number;
    sdError: number;
  }

  /**
   * Probability that the displayed (rounded) reading of integer glucose `bg`
   * is within the ISO limit, for error SD `sd`: round(x) ∈ [a, b] ⇔
   * x ∈ [a − 0.5, b + 0.5), with a, b the integer bounds of the limit.
   */
  function expectedWithin(bg: number, sd: number): number {
    const limit = isoLimit(bg);
    const a = Math.ceil(bg - limit);
    const b = Math.floor(bg + limit);
    return normalCdf((b + 0.5 - bg) / sd) - normalCdf((a - 0.5 - bg) / sd);
  }

  const results: LevelResult[] = (() => {
    const meter = createMeter({ model: 'smbg' }, stream('iso'));
    return [...below, ...above].map((bg) => {
      let within = 0;
      let sum = 0;
      let sumSq = 0;
      for (let i = 0; i < perLevel; i++) {
        const error = meter.read(bg, i) - bg;
        if (Math.abs(error) <= isoLimit(bg)) within++;
        sum += error;
        sumSq += error * error;
      }
      const meanError = sum / perLevel;
      return {
        bg,
        within,
        expected: expectedWithin(bg, smbgErrorSdMgDl(bg)),
        meanError,
        sdError: Math.sqrt((sumSq - perLevel * meanError * meanError) / (perLevel - 1)),
      };
    });
  })();

  const share = (rs: LevelResult[]) => rs.reduce((s, r) => s + r.within, 0) / (rs.length * perLevel);
  const side = (bgs: number[]) => results.filter((r) => bgs.includes(r.bg));

  it('meets the criterion: ≥ 95 % within limits below 100, at/above 100, and at every level', () => {
    expect(results.length * perLevel).toBeGreaterThanOrEqual(100_000);
    expect(share(side(below))).toBeGreaterThanOrEqual(0.95);
    expect(share(side(above))).toBeGreaterThanOrEqual(0.95);
    for (const r of results) expect(r.within / perLevel).toBeGreaterThanOrEqual(0.95);
  });

  it('has the in-limits share the SD implies (≈ 98.8 %), within 4 binomial SDs', () => {
    for (const group of [side(below), side(above), results]) {
      const n = group.length * perLevel;
      const expectedCount = group.reduce((s, r) => s + r.expected * perLevel, 0);
      const variance = group.reduce((s, r) => s + perLevel * r.expected * (1 - r.expected), 0);
      const observed = group.reduce((s, r) => s + r.within, 0);
      expect(Math.abs(observed - expectedCount)).toBeLessThanOrEqual(4 * Math.sqrt(variance));
      // The implied share is the documented ~98.8 % (2Φ(2.5) − 1 = 98.76 %, a little more after rounding).
      expect(expectedCount / n).toBeGreaterThan(0.985);
      expect(expectedCount / n).toBeLessThan(0.992);
    }
    // The tolerance is tight enough to tell SD = limit/2.5 from a nearby SD (limit/2.3).
    const implied = results.reduce((s, r) => s + r.expected * perLevel, 0);
    const nearby = results.reduce((s, r) => s + expectedWithin(r.bg, isoLimit(r.bg) / 2.3) * perLevel, 0);
    const variance = results.reduce((s, r) => s + perLevel * r.expected * (1 - r.expected), 0);
    expect(Math.abs(implied - nearby)).toBeGreaterThan(8 * Math.sqrt(variance));
  });

  it('is unbiased (mean error ≈ 0) with the documented SD at each level', () => {
    for (const r of results) {
      const sd = smbgErrorSdMgDl(r.bg);
      expect(Math.abs(r.meanError)).toBeLessThanOrEqual((4 * sd) / Math.sqrt(perLevel));
      // Rounding to whole mg/dL adds a uniform(−½, ½) error, variance 1/12.
      const withRounding = Math.sqrt(sd * sd + 1 / 12);
      expect(Math.abs(r.sdError / withRounding - 1)).toBeLessThan(0.025);
    }
  });
});
