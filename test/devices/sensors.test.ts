import { describe, it, expect } from 'vitest';
import { CgmNoise, CgmSensor, IdealSensor, createSensor } from '../../src/devices/cgm.js';
import { CGM_PRESETS } from '../../src/devices/presets.js';
import { randomStream } from '../../src/random/streams.js';

const stream = (seed = 11) => randomStream(seed, 'adolescent#004', 'cgm');

describe('createSensor', () => {
  it('takes the sampling period from the preset, or from the scenario when given', () => {
    expect(createSensor({ model: 'Dexcom' }, stream()).sampleTimeMin).toBe(3);
    expect(createSensor({ model: 'GuardianRT' }, stream()).sampleTimeMin).toBe(5);
    expect(createSensor({ model: 'Navigator' }, stream()).sampleTimeMin).toBe(1);
    expect(createSensor({ model: 'Dexcom', sampleTimeMin: 5 }, stream()).sampleTimeMin).toBe(5);
    expect(createSensor({ model: 'ideal' }, stream()).sampleTimeMin).toBe(5);
    expect(createSensor({ model: 'ideal', sampleTimeMin: 1 }, stream()).sampleTimeMin).toBe(1);
  });

  it('builds the named device', () => {
    const dexcom = createSensor({ model: 'Dexcom' }, stream());
    expect(dexcom).toBeInstanceOf(CgmSensor);
    expect(dexcom.name).toBe('Dexcom');
    const ideal = createSensor({ model: 'ideal' }, stream());
    expect(ideal).toBeInstanceOf(IdealSensor);
    expect(ideal.name).toBe('ideal');
  });

  it('names the unknown model and the known ones', () => {
    expect(() => createSensor({ model: 'Libre' }, stream())).toThrow(
      /unknown sensor model "Libre".*Dexcom, GuardianRT, Navigator, ideal/,
    );
    // Not fooled by inherited object keys.
    expect(() => createSensor({ model: 'toString' }, stream())).toThrow(/unknown sensor model "toString"/);
    expect(() => createSensor({ model: 'dexcom' }, stream())).toThrow(/unknown sensor model/);
  });

  it('rejects a sampling period that is not a positive finite number', () => {
    for (const bad of [0, -3, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createSensor({ model: 'GuardianRT', sampleTimeMin: bad }, stream())).toThrow(/sampleTimeMin/);
      expect(() => createSensor({ model: 'ideal', sampleTimeMin: bad }, stream())).toThrow(/sampleTimeMin/);
    }
  });
});

describe('CgmSensor', () => {
  it('reads blood glucose plus the noise curve of its stream', () => {
    const sensor = createSensor({ model: 'Dexcom' }, stream(3));
    const noise = new CgmNoise(CGM_PRESETS.Dexcom, stream(3));
    const { minMgDl, maxMgDl } = CGM_PRESETS.Dexcom;
    let unclipped = 0;
    for (let t = 0; t < 3000; t += 3) {
      const bg = 150 + 40 * Math.sin(t / 200);
      const raw = bg + noise.at(t);
      expect(sensor.read(bg, t)).toBe(Math.min(maxMgDl, Math.max(minMgDl, raw)));
      if (raw > minMgDl && raw < maxMgDl && raw !== bg) unclipped++;
    }
    // At 110–190 mg/dL the error (SD ≈ 12 mg/dL) hardly ever reaches the range limits.
    expect(unclipped).toBeGreaterThan(990);
  });

  it('clips readings to [min, max] of its preset', () => {
    for (const model of ['Dexcom', 'GuardianRT', 'Navigator']) {
      const p = CGM_PRESETS[model];
      const low = createSensor({ model }, stream(4));
      const high = createSensor({ model }, stream(4));
      for (let t = 0; t < 1440; t += p.sampleTimeMin) {
        expect(low.read(-1000, t)).toBe(p.minMgDl);
        expect(high.read(5000, t)).toBe(p.maxMgDl);
      }
    }
    // Near the floor some readings clip and some do not, none below it.
    const sensor = createSensor({ model: 'GuardianRT' }, stream(5));
    const readings = Array.from({ length: 2000 }, (_, i) => sensor.read(45, i * 5));
    expect(Math.min(...readings)).toBe(39);
    expect(readings.filter((r) => r === 39).length).toBeGreaterThan(0);
    expect(readings.filter((r) => r > 39).length).toBeGreaterThan(0);
  });

  it('rejects non-finite glucose and times going backwards', () => {
    const sensor = createSensor({ model: 'Navigator' }, stream());
    expect(() => sensor.read(Number.NaN, 0)).toThrow(/finite/);
    sensor.read(100, 400);
    expect(() => sensor.read(100, 10)).toThrow(/must not decrease/);
  });
});

describe('IdealSensor', () => {
  it('reads blood glucose exactly, even out of a CGM range', () => {
    const sensor = new IdealSensor();
    for (const [bg, t] of [
      [123.456, 0],
      [20, 5],
      [700, 10],
      [0.1, 15],
    ]) {
      expect(sensor.read(bg, t)).toBe(bg);
    }
  });
});
