import { describe, it, expect } from 'vitest';
import { PEN_PRESETS, Pen, createPen } from '../../src/devices/pen.js';
import type { PenSpec } from '../../src/devices/types.js';
import type { Injection } from '../../src/devices/types.js';
import type { InsulinPreparation } from '../../src/model/patientModel.js';

const whole = createPen({ model: 'whole-unit' });
const half = createPen({ model: 'half-unit' });

/** Units given for one injection of `units` of regular insulin, or null when nothing is injected. */
function dial(pen: Pen, units: number): number | null {
  const given = pen.inject([{ preparation: 'regular', units }]);
  expect(given.length).toBeLessThanOrEqual(1);
  return given.length === 0 ? null : given[0].units;
}

describe('createPen', () => {
  it('builds the presets with their step and limits', () => {
    expect(whole).toBeInstanceOf(Pen);
    expect([whole.name, whole.doseStepU, whole.maxDoseU]).toEqual(['whole-unit', 1, 80]);
    expect([half.name, half.doseStepU, half.maxDoseU]).toEqual(['half-unit', 0.5, 30]);
    expect(Object.keys(PEN_PRESETS)).toEqual(['whole-unit', 'half-unit']);
  });

  it('names an unknown model and the known ones', () => {
    const bad = (model: string) => () => createPen({ model } as unknown as PenSpec);
    expect(bad('quarter-unit')).toThrow(/unknown pen model "quarter-unit".*whole-unit, half-unit/);
    // Not fooled by inherited object keys.
    expect(bad('constructor')).toThrow(/unknown pen model "constructor"/);
    expect(bad('Whole-Unit')).toThrow(/unknown pen model/);
  });

  it('rejects pen parameters that cannot describe a pen', () => {
    expect(() => new Pen({ name: 'x', doseStepU: 0, maxDoseU: 10 })).toThrow(/x pen: doseStepU/);
    expect(() => new Pen({ name: 'x', doseStepU: Number.NaN, maxDoseU: 10 })).toThrow(/doseStepU/);
    expect(() => new Pen({ name: 'x', doseStepU: 1, maxDoseU: 0.5 })).toThrow(/maxDoseU/);
    expect(() => new Pen({ name: 'x', doseStepU: 0.5, maxDoseU: 30.25 })).toThrow(/maxDoseU 30.25 is not a multiple/);
    // A 2-unit pen (e.g. high-strength glargine pens) is fine.
    expect(dial(new Pen({ name: 'two', doseStepU: 2, maxDoseU: 160 }), 5.2)).toBe(6);
  });
});

describe('whole-unit pen', () => {
  it('rounds to the nearest whole unit (ties up)', () => {
    const cases: [number, number][] = [
      [3.2, 3],
      [3.3, 3],
      [3.49, 3],
      [3.5, 4],
      [3.7, 4],
      [0.5, 1],
      [1, 1],
      [12, 12],
      [79.5, 80],
    ];
    for (const [asked, given] of cases) expect(dial(whole, asked), `${asked} U`).toBe(given);
  });

  it('does not inject a dose that rounds to 0', () => {
    for (const asked of [0, 0.2, 0.49]) expect(dial(whole, asked), `${asked} U`).toBeNull();
  });

  it('caps doses above 80 U at 80 U', () => {
    expect(dial(whole, 80)).toBe(80);
    expect(dial(whole, 80.4)).toBe(80);
    expect(dial(whole, 120)).toBe(80);
    expect(dial(whole, 1e9)).toBe(80);
  });
});

describe('half-unit pen', () => {
  it('rounds to the nearest half unit (ties up)', () => {
    const cases: [number, number][] = [
      [3.2, 3],
      [3.3, 3.5],
      [3.24, 3],
      [3.25, 3.5],
      [3.75, 4],
      [0.25, 0.5],
      [0.3, 0.5],
      [0.1 + 0.2, 0.5],
      [7.5, 7.5],
      [29.8, 30],
    ];
    for (const [asked, given] of cases) expect(dial(half, asked), `${asked} U`).toBe(given);
  });

  it('does not inject a dose that rounds to 0', () => {
    for (const asked of [0, 0.1, 0.2, 0.249]) expect(dial(half, asked), `${asked} U`).toBeNull();
  });

  it('caps doses above 30 U at 30 U', () => {
    expect(dial(half, 30.2)).toBe(30);
    expect(dial(half, 45)).toBe(30);
  });
});

describe('pen injections', () => {
  it('keeps preparations and order, rounds each injection on its own, and drops the empty ones', () => {
    const asked: Injection[] = [
      { preparation: 'nph', units: 14.4 },
      { preparation: 'regular', units: 0.3 },
      { preparation: 'regular', units: 6.6 },
      { preparation: 'long', units: 22 },
      { preparation: 'rapid', units: 2.5 },
      { preparation: 'regular', units: 6.6 },
    ];
    expect(whole.inject(asked)).toEqual([
      { preparation: 'nph', units: 14 },
      { preparation: 'regular', units: 7 },
      { preparation: 'long', units: 22 },
      { preparation: 'rapid', units: 3 },
      { preparation: 'regular', units: 7 },
    ]);
    expect(half.inject(asked)).toEqual([
      { preparation: 'nph', units: 14.5 },
      { preparation: 'regular', units: 0.5 },
      { preparation: 'regular', units: 6.5 },
      { preparation: 'long', units: 22 },
      { preparation: 'rapid', units: 2.5 },
      { preparation: 'regular', units: 6.5 },
    ]);
    // The request is not modified.
    expect(asked[0]).toEqual({ preparation: 'nph', units: 14.4 });
    expect(whole.inject([])).toEqual([]);
  });

  it('rejects negative or non-finite units, naming the injection', () => {
    for (const units of [-1, -0.1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const asked: Injection[] = [
        { preparation: 'nph', units: 10 },
        { preparation: 'regular', units },
      ];
      expect(() => whole.inject(asked), `${units}`).toThrow(RangeError);
      expect(() => half.inject(asked), `${units}`).toThrow(/injections\[1\]\.units must be a finite number >= 0/);
    }
  });

  it('rejects an unknown preparation, naming it and the known ones', () => {
    const asked = [{ preparation: 'ultralente' as InsulinPreparation, units: 10 }];
    expect(() => whole.inject(asked)).toThrow(
      /injections\[0\]\.preparation: unknown insulin preparation "ultralente" \(known: rapid, regular, nph, long\)/,
    );
    expect(() => half.inject([{ preparation: 'toString' as InsulinPreparation, units: 1 }])).toThrow(
      /unknown insulin preparation "toString"/,
    );
    // Even when the dose would not be injected.
    expect(() => whole.inject([{ preparation: 'Regular' as InsulinPreparation, units: 0 }])).toThrow(
      /unknown insulin preparation "Regular"/,
    );
  });
});
