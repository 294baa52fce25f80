// Types for the parts of odex 3.0.0-rc.4 (Hairer & Wanner's ODEX, ported by
// Colin Smith) that the integrator uses; the package ships no declarations.
declare module 'odex' {
  export type Derivative = (x: number, y: number[], yp: number[]) => number[] | void;
  export type DenseOutputFunction = (c: number, x: number) => number;
  export interface SolutionSegment {
    x0: number;
    x1: number;
    y: number[];
    f: DenseOutputFunction;
  }
  export interface Options {
    uRound: number;
    maxSteps: number;
    initialStepSize: number;
    maxStepSize: number;
    maxExtrapolationColumns: number;
    stepSizeSequence: number;
    stabilityCheckCount: number;
    stabilityCheckTableLines: number;
    denseOutput: boolean;
    denseOutputErrorEstimator: boolean;
    denseComponents: number[];
    interpolationFormulaDegree: number;
    relativeTolerance: number | number[];
    absoluteTolerance: number | number[];
    rawFunction: boolean;
    debug: boolean;
  }
  export class Solver {
    constructor(f: Derivative, n: number, options?: Partial<Options>);
    solutionSegments(x: number, y0: number[], xEnd?: number): Generator<SolutionSegment, undefined, boolean | undefined>;
  }
  const odex: { Solver: typeof Solver };
  export default odex;
}
