import { describe, it, expect } from 'vitest';
import { IdealPump, PresetPump, createPump } from '../../src/devices/pump.js';
import { PUMP_PRESETS } from '../../src/devices/presets.js';

const perMin = (uPerH: number) => uPerH / 60;

describe('createPump', () => {
  it('builds the presets and the ideal pump', () => {
    const cozmo = createPump({ model: 'Cozmo' });
    expect(cozmo).toBeInstanceOf(PresetPump);
    expect(cozmo.name).toBe('Cozmo');
    expect(createPump({ model: 'Insulet' }).name).toBe('Insulet');
    expect(createPump({ model: 'ideal' })).toBeInstanceOf(IdealPump);
  });

  it('names an unknown model and the known ones', () => {
    expect(() => createPump({ model: 'Omnipod' })).toThrow(/unknown pump model "Omnipod".*Cozmo, Insulet, ideal/);
    expect(() => createPump({ model: 'constructor' })).toThrow(/unknown pump model "constructor"/);
  });
});

describe('preset pump', () => {
  const cozmo = createPump({ model: 'Cozmo' });
  const insulet = createPump({ model: 'Insulet' });

  it('rounds the bolus to the nearest 0.05 U, exactly as a decimal', () => {
    const cases: [number, number][] = [
      [0, 0],
      [0.15, 0.15],
      [0.3, 0.3],
      [0.07, 0.05],
      [0.0749, 0.05],
      [0.0751, 0.1],
      [0.124, 0.1],
      [0.125, 0.15],
      [1.23, 1.25],
      [2.0249, 2],
      [7.1, 7.1],
      [0.02, 0],
    ];
    for (const [asked, given] of cases) expect(cozmo.deliver({ basalUPerMin: 0, bolusU: asked }).bolusU).toBe(given);
  });

  it('clips the bolus to the preset maximum before rounding', () => {
    expect(cozmo.deliver({ basalUPerMin: 0, bolusU: 80 }).bolusU).toBe(75);
    expect(insulet.deliver({ basalUPerMin: 0, bolusU: 30.04 }).bolusU).toBe(30);
    expect(insulet.deliver({ basalUPerMin: 0, bolusU: 1e6 }).bolusU).toBe(PUMP_PRESETS.Insulet.maxBolusU);
  });

  it('converts basal to U/h, rounds to 0.05 U/h, clips, and converts back to U/min', () => {
    const cases: [number, number][] = [
      // asked U/h → delivered U/h
      [0, 0],
      [0.8, 0.8],
      [0.83, 0.85],
      [1.024, 1],
      [0.15, 0.15],
      [0.01, 0],
      [12.3456, 12.35],
      [35, 35],
      [40, 35],
    ];
    for (const [askedUPerH, givenUPerH] of cases) {
      const delivered = cozmo.deliver({ basalUPerMin: perMin(askedUPerH), bolusU: 0 }).basalUPerMin;
      expect(delivered).toBe(givenUPerH / 60);
    }
    expect(insulet.deliver({ basalUPerMin: perMin(33), bolusU: 0 }).basalUPerMin).toBe(30 / 60);
    // A typical S2008 basal (u2ss·BW/6000 U/min ≈ 0.0138 U/min = 0.83 U/h) lands on 0.85 U/h.
    expect(cozmo.deliver({ basalUPerMin: 0.0138, bolusU: 0 }).basalUPerMin * 60).toBeCloseTo(0.85, 12);
  });

  it('handles basal and bolus of one request independently', () => {
    expect(cozmo.deliver({ basalUPerMin: perMin(1.02), bolusU: 3.33 })).toEqual({
      basalUPerMin: 1 / 60,
      bolusU: 3.35,
    });
  });

  it('rejects negative and non-finite requests, naming the field', () => {
    for (const pump of [cozmo, createPump({ model: 'ideal' })]) {
      expect(() => pump.deliver({ basalUPerMin: -0.01, bolusU: 0 })).toThrow(RangeError);
      expect(() => pump.deliver({ basalUPerMin: -0.01, bolusU: 0 })).toThrow(/basalUPerMin/);
      expect(() => pump.deliver({ basalUPerMin: Number.NaN, bolusU: 0 })).toThrow(/basalUPerMin/);
      expect(() => pump.deliver({ basalUPerMin: 0, bolusU: -1 })).toThrow(/bolusU/);
      expect(() => pump.deliver({ basalUPerMin: 0, bolusU: Number.POSITIVE_INFINITY })).toThrow(/bolusU/);
    }
  });

  it('refuses presets whose limits are not on the increment grid', () => {
    expect(() => new PresetPump({ ...PUMP_PRESETS.Cozmo, maxBolusU: 75.02 })).toThrow(/multiple of the increment/);
    expect(() => new PresetPump({ ...PUMP_PRESETS.Cozmo, basalIncrementUPerH: 0 })).toThrow(/increment/);
    expect(() => new PresetPump({ ...PUMP_PRESETS.Cozmo, minBasalUPerH: 5, maxBasalUPerH: 1 })).toThrow(/limits/);
  });
});

describe('ideal pump', () => {
  it('delivers exactly what is asked', () => {
    const pump = createPump({ model: 'ideal' });
    for (const request of [
      { basalUPerMin: 0.013812345, bolusU: 0.0123 },
      { basalUPerMin: 0, bolusU: 0 },
      { basalUPerMin: 10, bolusU: 500 },
    ]) {
      expect(pump.deliver(request)).toEqual(request);
    }
  });
});
