/**
 * Gastro-intestinal tract: solid and liquid stomach and gut, with the
 * nonlinear gastric emptying of Dalla Man et al. 2006 (IEEE TBME 53(12)) as
 * used in the UVa/Padova S2008 model (MODEL.md §1, states 0–2).
 *
 * Shared by every patient model, so there is one implementation of it.
 */

/** State indices of the gastric subsystem inside a model state vector. */
export const QSTO1 = 0;
export const QSTO2 = 1;
export const QGUT = 2;

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
 * Gastric emptying rate (1/min). `dbarMg` is the amount the meal memory holds
 * (MODEL.md §1: lastQsto + lastFoodTaken·1000); with none, emptying is kmax.
 */
export function gastricEmptyingRate(p: GastricParameters, qstoMg: number, dbarMg: number): number {
  if (dbarMg <= 0) return p.kmax;
  const aa = 5 / (2 * dbarMg * (1 - p.b));
  const cc = 5 / (2 * dbarMg * p.d);
  return (
    p.kmin +
    ((p.kmax - p.kmin) / 2) *
      (Math.tanh(aa * (qstoMg - p.b * dbarMg)) - Math.tanh(cc * (qstoMg - p.d * dbarMg)) + 2)
  );
}

/**
 * Writes the derivatives of Qsto1, Qsto2, Qgut (mg/min) into `dx` and returns
 * the rate of appearance of glucose in plasma Ra (mg/kg/min).
 * `mealMgPerMin` is the ingestion rate d.
 */
export function gastricDerivatives(
  p: GastricParameters,
  x: ArrayLike<number>,
  dx: { [i: number]: number },
  mealMgPerMin: number,
  dbarMg: number,
): number {
  const qsto1 = x[QSTO1];
  const qsto2 = x[QSTO2];
  const qgut = x[QGUT];
  const kgut = gastricEmptyingRate(p, qsto1 + qsto2, dbarMg);
  dx[QSTO1] = -p.kmax * qsto1 + mealMgPerMin;
  dx[QSTO2] = p.kmax * qsto1 - kgut * qsto2;
  dx[QGUT] = kgut * qsto2 - p.kabs * qgut;
  return rateOfAppearance(p, qgut);
}

/** Ra = f·kabs·Qgut/BW, mg/kg/min (Dalla Man 2007, eq. 10). */
export function rateOfAppearance(p: GastricParameters, qgutMg: number): number {
  return (p.f * p.kabs * qgutMg) / p.BW;
}
