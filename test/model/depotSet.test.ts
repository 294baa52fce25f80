import { describe, expect, it } from 'vitest';
import { depotModel } from '../../src/model/insulinPreparations.js';
import { createModelInputs, DEPOT_PREPARATIONS, type DepotModel, DepotSet } from '../../src/model/patientModel.js';
import { loadUvaPadovaCohort } from '../../src/cohort/uvaPadova.js';

// Depots whose soluble chains are identical share one chain (superposition of
// a linear system): fewer states, the same plasma appearance.
describe('DepotSet', () => {
  const depots = DEPOT_PREPARATIONS.map(depotModel);
  const own: DepotModel[] = depots.map((d) => ({ preparation: d.preparation, stateCount: d.stateCount, derivatives: d.derivatives.bind(d) }));

  it('shares the soluble chain: fewer states', () => {
    const shared = new DepotSet(depots, 0);
    const separate = new DepotSet(own, 0);
    const chain = depots[0].solublePath!.compartments;
    expect(separate.stateCount).toBe(depots.reduce((s, d) => s + d.stateCount, 0));
    expect(shared.stateCount).toBe(separate.stateCount - (depots.length - 1) * chain);
  });

  it('gives the same plasma appearance over time for doses of every preparation', () => {
    const gastric = loadUvaPadovaCohort()[0].params;
    // The two layouts have different state vectors, so both are stepped with
    // the same explicit Euler scheme (small step) and their appearances compared.
    const simulate = (set: DepotSet) => {
      const inputs = createModelInputs(gastric);
      const x = new Float64Array(set.stateCount);
      const dx = new Float64Array(set.stateCount);
      const out: number[] = [];
      const h = 0.25;
      for (let step = 0; step < 4 * 60 * 30; step++) {
        const t = step * h;
        inputs.depotPmolPerKgPerMin.fill(0);
        if (t < 1) inputs.depotPmolPerKgPerMin.set([600, 900, 1200]);
        if (t >= 600 && t < 601) inputs.depotPmolPerKgPerMin[1] = 300;
        const a = set.appearance(inputs, x, dx);
        for (let i = 0; i < x.length; i++) x[i] += h * dx[i];
        if (step % 240 === 0) out.push(a);
      }
      return out;
    };
    const shared = simulate(new DepotSet(depots, 0));
    const separate = simulate(new DepotSet(own, 0));
    expect(shared.length).toBe(separate.length);
    for (let i = 0; i < shared.length; i++) expect(Math.abs(shared[i] - separate[i])).toBeLessThan(1e-9 * Math.max(1, Math.abs(separate[i])));
    expect(Math.max(...shared)).toBeGreaterThan(1);
  });
});
