/**
 * A patient model whose right-hand side counts its calls: integration cost
 * measured in evaluations, which do not depend on the machine (bench/speed.ts,
 * and the tests' cost checks in test/model/rhsEvaluations.ts).
 */
import type { PatientModel } from '../src/model/patientModel.js';

/** `model` with a right-hand side that adds one to `counter.calls` per call. */
export function countedModel(model: PatientModel, counter: { calls: number }): PatientModel {
  return {
    ...model,
    rightHandSide: (inputs) => {
      const f = model.rightHandSide(inputs);
      return (t, x, dx) => {
        counter.calls++;
        f(t, x, dx);
      };
    },
  };
}
