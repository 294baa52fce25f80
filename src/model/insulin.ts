/**
 * Insulin subsystems of the UVa/Padova model (Dalla Man et al. 2007, eqs.
 * 17–26; S2008 subcutaneous route, Kovatchev et al. 2009; docs/model.md §1):
 * insulin action on utilisation (X) and on production (I1, Id), and
 * two-compartment subcutaneous absorption (Isc1, Isc2).
 */

export const IP = 5;
export const X = 6;
export const I1 = 7;
export const ID = 8;
export const IL = 9;
export const ISC1 = 10;
export const ISC2 = 11;

/** Vi: insulin distribution volume (L/kg); Ib: basal insulin (pmol/L); p2u, ki: action rates (1/min). */
export interface InsulinActionParameters {
  readonly Vi: number;
  readonly Ib: number;
  readonly p2u: number;
  readonly ki: number;
}

/** Subcutaneous absorption rates, 1/min (Kovatchev et al. 2009, S2008). */
export interface SubcutaneousParameters {
  readonly ka1: number;
  readonly ka2: number;
  readonly kd: number;
}

/** Writes dX, dI1, dId from plasma insulin concentration I = Ip/Vi (pmol/L). */
export function insulinActionDerivatives(
  p: InsulinActionParameters,
  s: ArrayLike<number>,
  dx: { [i: number]: number },
): void {
  const i = s[IP] / p.Vi;
  dx[X] = -p.p2u * s[X] + p.p2u * (i - p.Ib);
  dx[I1] = -p.ki * (s[I1] - i);
  dx[ID] = -p.ki * (s[ID] - s[I1]);
}

/**
 * Writes dIsc1, dIsc2 for an infusion `uPmolPerKgPerMin`, and returns the
 * appearance of insulin in plasma ka1·Isc1 + ka2·Isc2 (pmol/kg/min).
 * Positivity guard as in the reference (docs/model.md §1).
 */
export function subcutaneousDerivatives(
  p: SubcutaneousParameters,
  s: ArrayLike<number>,
  dx: { [i: number]: number },
  uPmolPerKgPerMin: number,
): number {
  const isc1 = s[ISC1];
  const isc2 = s[ISC2];
  dx[ISC1] = isc1 < 0 ? 0 : uPmolPerKgPerMin - (p.ka1 + p.kd) * isc1;
  dx[ISC2] = isc2 < 0 ? 0 : p.kd * isc1 - p.ka2 * isc2;
  return p.ka1 * isc1 + p.ka2 * isc2;
}
