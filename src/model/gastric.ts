/**
 * Gastro-intestinal tract: solid and liquid stomach and gut, with the
 * nonlinear gastric emptying of Dalla Man et al. 2006 (IEEE TBME 53(12)) as
 * used in the UVa/Padova S2008 model (docs/model.md §1, states 0–2).
 *
 * Shared by every patient model, so there is one implementation of it.
 */

/** State indices of the gastric subsystem inside a model state vector. */
export const QSTO1 = 0;
export const QSTO2 = 1;
export const QGUT = 2;

/** Dalla Man et al. 2006/2007 oral glucose absorption: rates 1/min, b and d dimensionless, f the absorbed fraction, BW kg. */
export interface GastricParameters {
  readonly kmax: number;
  readonly kmin: number;
  readonly kabs: number;
  readonly b: number;
  readonly d: number;
  readonly f: number;
  readonly BW: number;
}

/**
 * Gastric emptying with the meal memory held fixed over an integration
 * stretch: kgut = kmin + (kmax − kmin)/2·(tanh(aa·(qsto − b·Dbar)) −
 * tanh(cc·(qsto − d·Dbar)) + 2), aa = 5/(2·Dbar·(1 − b)), cc = 5/(2·Dbar·d)
 * (Dalla Man et al. 2006, eqs. 9–10; docs/model.md §1); kgut = kmax when Dbar = 0.
 * The coefficients that depend on Dbar only are computed once per stretch,
 * not on every right-hand-side evaluation.
 */
export class GastricEmptying {
  private readonly p: GastricParameters;
  private readonly halfRange: number;
  private hasMeal = false;
  private aa = 0;
  private cc = 0;
  private bDbar = 0;
  private dDbar = 0;

  constructor(p: GastricParameters) {
    this.p = p;
    this.halfRange = (p.kmax - p.kmin) / 2;
  }

  /** Set the meal memory Dbar, mg. */
  setMemory(dbarMg: number): void {
    this.hasMeal = dbarMg > 0;
    if (!this.hasMeal) return;
    this.aa = 5 / (2 * dbarMg * (1 - this.p.b));
    this.cc = 5 / (2 * dbarMg * this.p.d);
    this.bDbar = this.p.b * dbarMg;
    this.dDbar = this.p.d * dbarMg;
  }

  /** kgut (1/min) at stomach content `qstoMg`. */
  rate(qstoMg: number): number {
    if (!this.hasMeal) return this.p.kmax;
    return this.p.kmin + this.halfRange * (Math.tanh(this.aa * (qstoMg - this.bDbar)) - Math.tanh(this.cc * (qstoMg - this.dDbar)) + 2);
  }
}

/**
 * Writes the derivatives of Qsto1, Qsto2, Qgut (mg/min) into `dx` and returns
 * the rate of appearance of glucose in plasma Ra (mg/kg/min).
 * `mealMgPerMin` is the ingestion rate d.
 */
export function gastricDerivatives(
  p: GastricParameters,
  emptying: GastricEmptying,
  x: ArrayLike<number>,
  dx: { [i: number]: number },
  mealMgPerMin: number,
): number {
  const qsto1 = x[QSTO1];
  const qsto2 = x[QSTO2];
  const qgut = x[QGUT];
  const kgut = emptying.rate(qsto1 + qsto2);
  dx[QSTO1] = -p.kmax * qsto1 + mealMgPerMin;
  dx[QSTO2] = p.kmax * qsto1 - kgut * qsto2;
  dx[QGUT] = kgut * qsto2 - p.kabs * qgut;
  return rateOfAppearance(p, qgut);
}

/** Ra = f·kabs·Qgut/BW, mg/kg/min (Dalla Man 2007, eq. 10). */
export function rateOfAppearance(p: GastricParameters, qgutMg: number): number {
  return (p.f * p.kabs * qgutMg) / p.BW;
}
