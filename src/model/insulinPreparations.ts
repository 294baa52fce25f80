/**
 * Subcutaneous absorption of the slower insulin preparations (docs/model.md §4): regular (short-acting human), NPH (intermediate) and a
 * glargine-like long-acting insulin, each a depot of its own appended to the
 * patient's state vector. Rapid-acting insulin is not here: it uses the
 * patient's own S2008 kinetics (ka1, ka2, kd through Isc1/Isc2).
 *
 * Structure (after the unified model of Wong et al. 2008, J Diabetes Sci
 * Technol 2(4):658, whose soluble insulin passes hexamer → dimer/monomer →
 * interstitium → plasma for every preparation, and which, like Trajanoski et
 * al. 1993 and Tarín et al. 2005, IEEE TBME 52(12):1994, adds a crystal
 * compartment for NPH and a precipitate compartment for glargine):
 *
 *   undissolved stages (NPH crystals, glargine precipitate; none for regular)
 *     → soluble path: 3 compartments in series → plasma (the returned appearance)
 *
 * Everything here is linear with first-order rates, unlike Wong's and
 * Tarín's concentration-dependent dissolution, and that is deliberate: a
 * model keeps ONE depot per preparation, so two injections of the same
 * insulin share its states, and only a linear depot gives each injection the
 * same course whether or not another one is still being absorbed
 * (superposition). The price is that absorption does not slow with the dose,
 * as Berger & Rodbard 1989 measured; the rates are calibrated at a 10 U
 * reference dose (`REFERENCE_DOSE_U`).
 *
 * Bioavailability is 1 for every preparation, as in the S2008 rapid route
 * (everything entering Isc1 reaches plasma): each depot passes all it
 * receives to plasma, so the plasma-insulin AUC of a dose is the same for
 * every preparation. (Were a bioavailability below 1 wanted, it would have
 * to scale the rapid route too, or preparations would stop being comparable
 * unit for unit.)
 *
 * Sources (cited by key below):
 * - [BR89] Berger M, Rodbard D. Computer simulation of plasma insulin and
 *   glucose dynamics after subcutaneous insulin injection. Diabetes Care
 *   1989;12(10):725–736.
 * - [W08] Wong J, Chase JG, Hann CE et al. A subcutaneous insulin
 *   pharmacokinetic model for computer simulation in a diabetes decision
 *   support role. J Diabetes Sci Technol 2008;2(4):658–671 (PMC2769764).
 * - [T05] Tarín C, Teufel E, Picó J, Bondia J, Pfleiderer HJ. Comprehensive
 *   pharmacokinetic model of insulin glargine and other insulin formulations.
 *   IEEE Trans Biomed Eng 2005;52(12):1994–2005.
 * - [S07] Savic RM, Jonker DM, Kerbusch T, Karlsson MO. Implementation of a
 *   transit compartment model for describing drug absorption in
 *   pharmacokinetic studies. J Pharmacokinet Pharmacodyn 2007;34:711–726.
 * - [L00] Lepore M et al. Pharmacokinetics and pharmacodynamics of
 *   subcutaneous injection of long-acting human insulin analog glargine, NPH
 *   insulin, and ultralente human insulin and continuous subcutaneous infusion
 *   of insulin lispro. Diabetes 2000;49(12):2142–2148 (0.3 U/kg, 20 T1D).
 * - [H89] The action profiles of human NPH insulin preparations. Diabet Med
 *   1989;6(3):239–244 (12 U, 6 healthy men, euglycaemic clamp).
 * - [H92] Pharmacokinetics and pharmacodynamics of subcutaneously
 *   administered U40 and U100 formulations of regular human insulin. Diabete
 *   Metab 1992;18(1):21–24, PMID 1563532 (12 U, 8 healthy subjects).
 * - [LAN] Lantus (insulin glargine) US prescribing information, §12.2–12.3.
 * - [DM18] Diabet Med 2018;35(3):306–316, doi:10.1111/dme.13525, Table 1:
 *   time to maximum serum insulin of rapid-acting analogues in clamp studies.
 * - [REV] The standard review table of insulin time-action profiles (as in
 *   DeWitt & Hirsch, JAMA 2003;289:2254), here as reproduced in Table 4 of
 *   Osteopathic Med Prim Care 2007;1:9, doi:10.1186/1750-4732-1-9.
 * - [CCJM] Cleve Clin J Med, table "Insulin classes: onset-of-action profiles"
 *   (ccjm.org, 2016).
 * - [CC] Cleveland Clinic, "Injectable & inhaled insulin medications" (patient
 *   information table of onset, peak and duration).
 * - [NC00] Nucci G, Cobelli C. Models of subcutaneous insulin kinetics. A
 *   critical review. Comput Methods Programs Biomed 2000;62:249–257
 *   (background: the compartmental models these structures come from).
 */
import type { DepotModel, DepotPreparation, InsulinPreparation, SolublePath } from './patientModel.js';
import { DEPOT_PREPARATIONS } from './patientModel.js';

/** Dose at which the dose-dependent published absorption times are taken, U. */
export const REFERENCE_DOSE_U = 10;

/**
 * Berger & Rodbard 1989 [BR89]: the fraction of
 * a dose D (U) still in the depot is T50^s / (T50^s + t^s), T50 = a·D + b (h).
 * Regular s = 2, a = 0.05 h/U, b = 1.7 h; NPH s = 2, a = 0.18 h/U, b = 4.9 h.
 * (Also Lente s = 2.4, a = 0.15, b = 6.2; Ultralente s = 2.5, a = 0, b = 13.)
 */
export const BERGER_RODBARD = {
  regular: { s: 2, aHoursPerU: 0.05, bHours: 1.7 },
  nph: { s: 2, aHoursPerU: 0.18, bHours: 4.9 },
} as const;

/** Berger & Rodbard's half-absorption time T50 = a·D + b at `doseU`, min. */
export function bergerRodbardT50Min(preparation: 'regular' | 'nph', doseU: number = REFERENCE_DOSE_U): number {
  const c = BERGER_RODBARD[preparation];
  return (c.aHoursPerU * doseU + c.bHours) * 60;
}

/** One depot: how insulin dissolves, then the shared soluble path. */
export interface DepotParameters {
  readonly preparation: DepotPreparation;
  readonly description: string;
  /** Undissolved compartments before the insulin is soluble (0: injected as a solution). */
  readonly undissolvedStages: number;
  /** Emptying rate of each undissolved stage, 1/min. */
  readonly dissolutionRatePerMin: number;
  /**
   * How the stages release soluble insulin.
   * 'delay': each stage passes all its outflow to the next, the last into the
   * soluble path (an Erlang delay, the transit compartments of [S07]).
   * 'constant': stage i (0-based, of n) dissolves the share 1/(n − i) of its
   * outflow and passes the rest on, so each stage dissolves 1/n of the dose
   * and the release rate stays near dose·k/n for n/k minutes, then fades: a
   * linear stand-in for the slow, surface-limited dissolution of a precipitate.
   */
  readonly release: 'delay' | 'constant';
  /** Compartments of the soluble path (hexamer, dimer/monomer, interstitium). */
  readonly solubleCompartments: number;
  /** Emptying rate of each soluble compartment, 1/min. */
  readonly solubleRatePerMin: number;
  /** Where the numbers come from. */
  readonly sources: string;
}

/**
 * Soluble path: hexamer → dimer/monomer → interstitium → plasma (Wong et al.
 * 2008), three compartments at one rate. Regular insulin is injected straight
 * into it, so its rate is the one that makes the absorption of regular insulin
 * half complete at Berger & Rodbard's T50 = 0.05·10 + 1.7 = 2.2 h for 10 U:
 * the median of an Erlang-3 distribution is 2.67406/k, so
 * k = 2.67406 / 132 min = 1/49.36 min [BR89]. (Check: plasma insulin then
 * peaks at ~1.75 h, as measured for 12 U of regular insulin: 90 ± 33 and
 * 114 ± 58 min [H92].)
 */
const SOLUBLE_COMPARTMENTS = 3;
const SOLUBLE_RATE_PER_MIN = 1 / 49.36;

export const DEPOT_PARAMETERS: Readonly<Record<DepotPreparation, DepotParameters>> = {
  regular: {
    preparation: 'regular',
    description: 'regular (soluble human) insulin: injected as hexamers straight into the soluble path',
    undissolvedStages: 0,
    dissolutionRatePerMin: 0,
    release: 'delay',
    solubleCompartments: SOLUBLE_COMPARTMENTS,
    solubleRatePerMin: SOLUBLE_RATE_PER_MIN,
    sources: 'structure [W08]; rate from [BR89] T50(10 U) = 2.2 h; checked against [H92]',
  },
  nph: {
    preparation: 'nph',
    description: 'NPH (isophane) insulin: protamine crystals dissolving through two delay stages into the soluble path',
    // Two stages, not one. Both are solved so that the whole depot (stages +
    // soluble path) is half absorbed at Berger & Rodbard's T50 = 0.18·10 + 4.9
    // = 6.7 h for 10 U [BR89]. A single first-order dissolution (1/351.9 min)
    // then peaks at 4.0 h but decays with that slow time constant: at 16 h
    // its appearance is still 16 % of its peak. Two delay stages (1/147.9 min,
    // solved numerically) peak at 5.4 h, within the spread of Lepore et al.'s
    // 4.5 ± 0.5 h (mean ± SE of 20, so SD ≈ 2.2 h) [L00], and are down to 8 %
    // of the peak at 16 h, as [H89] saw plasma insulin back to basal within
    // 16 h and no action beyond 17 h after 12 U (Lantus label: NPH end of
    // action median 14.5 h [LAN]). The cost is a peak ~1 h later than the
    // 3–4.5 h of [H89].
    undissolvedStages: 2,
    dissolutionRatePerMin: 1 / 147.9,
    release: 'delay',
    solubleCompartments: SOLUBLE_COMPARTMENTS,
    solubleRatePerMin: SOLUBLE_RATE_PER_MIN,
    sources: 'structure [W08]; rate from [BR89] T50(10 U) = 6.7 h; two stages for the shape of [L00], [H89]',
  },
  long: {
    preparation: 'long',
    description: 'glargine-like long-acting insulin: a precipitate releasing soluble insulin at a near-constant rate for ~24 h',
    // Lantus label: "a relatively constant concentration/time profile over
    // 24 hours with no pronounced peak" (§12.3), median end of action 24 h
    // (§12.2) [LAN]; end of action 22 ± 4 h [L00]. So the precipitate
    // releases for 24 h: six constant-release stages at 6/(24 h). More
    // stages sharpen the end of the plateau, fewer blur it; with six, plasma
    // insulin stays ≥ 50 % of its maximum until ~25 h and is < 20 % after
    // ~34 h. Dissolved glargine then takes the soluble path [W08, T05],
    // which sets its onset: half-maximal plasma insulin after ~2.3 h
    // ([L00]: onset of action 1.5 ± 0.3 h, mean ± SE).
    undissolvedStages: 6,
    dissolutionRatePerMin: 6 / (24 * 60),
    release: 'constant',
    solubleCompartments: SOLUBLE_COMPARTMENTS,
    solubleRatePerMin: SOLUBLE_RATE_PER_MIN,
    sources: 'structure [T05], [W08]; 24 h release span from [LAN], [L00]',
  },
};

/**
 * A linear chain depot: undissolved stages, then the soluble path; the last
 * soluble compartment empties into plasma. States are pmol/kg.
 */
class LinearDepot implements DepotModel {
  readonly preparation: DepotPreparation;
  readonly stateCount: number;
  readonly solublePath: SolublePath;
  private readonly stages: number;
  private readonly stageRate: number;
  /** Share of each stage's outflow that dissolves (the rest moves to the next stage). */
  private readonly dissolvedShare: Float64Array;
  private readonly soluble: number;
  private readonly solubleRate: number;

  constructor(p: DepotParameters) {
    if (!(p.solubleCompartments >= 1) || !(p.solubleRatePerMin > 0)) throw new Error(`${p.preparation}: the soluble path needs ≥ 1 compartment and a positive rate`);
    if (p.undissolvedStages > 0 && !(p.dissolutionRatePerMin > 0)) throw new Error(`${p.preparation}: dissolution rate must be positive`);
    this.preparation = p.preparation;
    this.stages = p.undissolvedStages;
    this.stageRate = p.dissolutionRatePerMin;
    this.soluble = p.solubleCompartments;
    this.solubleRate = p.solubleRatePerMin;
    this.stateCount = this.stages + this.soluble;
    this.dissolvedShare = new Float64Array(this.stages);
    for (let i = 0; i < this.stages; i++) {
      this.dissolvedShare[i] = p.release === 'constant' ? 1 / (this.stages - i) : i === this.stages - 1 ? 1 : 0;
    }
    this.solublePath = {
      compartments: this.soluble,
      ratePerMin: this.solubleRate,
      undissolvedStates: this.stages,
      dissolve: (x, dx, offset, infusion) => this.dissolve(x, dx, offset, infusion),
    };
  }

  /** The undissolved stages: writes their derivatives, returns the flow into the soluble path. */
  dissolve(x: ArrayLike<number>, dx: { [i: number]: number }, offset: number, infusionPmolPerKgPerMin: number): number {
    let inflow = infusionPmolPerKgPerMin;
    let dissolved = 0;
    for (let i = 0; i < this.stages; i++) {
      const xi = x[offset + i];
      const out = xi > 0 ? this.stageRate * xi : 0;
      dx[offset + i] = inflow - out;
      const toSoluble = this.dissolvedShare[i] * out;
      dissolved += toSoluble;
      inflow = out - toSoluble;
    }
    // With stages, `inflow` is now 0 (the last stage dissolves all it releases);
    // without, it is the injection itself.
    return inflow + dissolved;
  }

  derivatives(x: ArrayLike<number>, dx: { [i: number]: number }, offset: number, infusionPmolPerKgPerMin: number): number {
    // Positivity guard (docs/model.md §4.1): an empty (or, from rounding,
    // negative) compartment has no outflow, so it can only fill. Unlike the
    // guard on Isc1/Isc2 (§1.4), which freezes a negative state whatever its
    // inflow, this one lets a depot refill after an injection.
    let inflow = this.dissolve(x, dx, offset, infusionPmolPerKgPerMin);
    const first = offset + this.stages;
    for (let j = 0; j < this.soluble; j++) {
      const xj = x[first + j];
      const out = xj > 0 ? this.solubleRate * xj : 0;
      dx[first + j] = inflow - out;
      inflow = out;
    }
    return inflow;
  }
}

/** The depot model of a preparation, with the parameters of `DEPOT_PARAMETERS`. */
export function depotModel(preparation: DepotPreparation): DepotModel {
  const p = DEPOT_PARAMETERS[preparation];
  if (!p) throw new Error(`unknown insulin preparation '${String(preparation)}' (expected one of ${DEPOT_PREPARATIONS.join(', ')})`);
  return new LinearDepot(p);
}

/** One depot per entry of DEPOT_PREPARATIONS, in that order (for `t1dModel(p, allDepotModels())`). */
export function allDepotModels(): DepotModel[] {
  return DEPOT_PREPARATIONS.map(depotModel);
}

/**
 * Landmarks of an excess plasma-insulin profile (dosed run minus the same run
 * without the dose), the operational stand-ins for the published onset, peak
 * and duration of action, which are pharmacodynamic and measured with
 * differing criteria:
 * - onset: early t50 %, the first time the excess reaches half its maximum;
 * - peak: the time of the maximum;
 * - duration: late t50 %, the last time the excess is at half its maximum
 *   (the action of a dose is effective while its insulin is above that);
 * - peakToMean24h: the maximum over the mean of the first 24 h, a measure of
 *   how pronounced the peak is (1 for a perfectly flat day);
 * - area: ∫ excess dt (trapezoid), in sample units × min.
 * Crossing times are interpolated linearly between samples.
 */
export interface ProfileLandmarks {
  readonly onsetMin: number;
  readonly peakMin: number;
  readonly durationMin: number;
  readonly peakToMean24h: number;
  readonly area: number;
}

/** Landmarks of `excess`, sampled every `stepMin` minutes from the injection at t = 0. */
export function profileLandmarks(excess: ArrayLike<number>, stepMin = 1): ProfileLandmarks {
  const n = excess.length;
  if (n < 2) throw new Error('profileLandmarks: need at least two samples');
  let peak = 0;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    if (excess[i] > max) {
      max = excess[i];
      peak = i;
    }
  }
  if (!(max > 0)) throw new Error('profileLandmarks: the excess never rises above zero');
  const half = max / 2;
  let first = 0;
  while (excess[first] < half) first++;
  const onset = first === 0 ? 0 : first - 1 + (half - excess[first - 1]) / (excess[first] - excess[first - 1]);
  let last = n - 1;
  while (excess[last] < half) last--;
  const duration = last === n - 1 ? last : last + (excess[last] - half) / (excess[last] - excess[last + 1]);
  let area = 0;
  let area24 = 0;
  const end24 = Math.min(n - 1, Math.round((24 * 60) / stepMin));
  for (let i = 1; i < n; i++) {
    const a = ((excess[i] + excess[i - 1]) / 2) * stepMin;
    area += a;
    if (i <= end24) area24 += a;
  }
  return {
    onsetMin: onset * stepMin,
    peakMin: peak * stepMin,
    durationMin: duration * stepMin,
    peakToMean24h: max / (area24 / (end24 * stepMin)),
    area,
  };
}

/** Expected landmark windows (inclusive, min) of one preparation, for a 10 U dose. */
export interface PreparationWindows {
  readonly onsetMin: readonly [number, number];
  /** Time of peak plasma insulin; null: no pronounced peak (see `maxPeakToMean24h`). */
  readonly peakMin: readonly [number, number] | null;
  readonly durationMin: readonly [number, number];
  /** Upper bound of peakToMean24h for a peakless insulin. */
  readonly maxPeakToMean24h?: number;
  /** The published (pharmacodynamic) onset / peak / duration of action these windows stand for. */
  readonly published: string;
  readonly sources: string;
}

/**
 * What a 10 U dose must look like in plasma (landmarks of `profileLandmarks`).
 * Peak windows are pharmacokinetic (time of maximal serum insulin). Onset and
 * duration windows are the published onset and duration of action, which the
 * PK landmarks stand for (see `profileLandmarks`); where sources differ, the
 * window spans them. Durations are dose-dependent [BR89, LAN] and 10 U is at
 * the low end of the clamp doses (0.1–0.4 U/kg) behind them, so the modelled
 * durations may sit low in their windows. Rapid-acting insulin is the
 * patient's own S2008 route: its row is what a standard subject should show.
 */
export const PREPARATION_WINDOWS: Readonly<Record<InsulinPreparation, PreparationWindows>> = {
  rapid: {
    onsetMin: [5, 15],
    peakMin: [30, 90],
    durationMin: [2 * 60, 4 * 60],
    published: 'onset 5–15 min, peak 0.5–1.5 h, duration 2–4 h [REV]; 10–15 min, ~60 min, 3–4 h [CCJM]; serum insulin peaks at 30–92 min (study means) [DM18]',
    sources: 'REV, CCJM, DM18',
  },
  regular: {
    onsetMin: [30, 60],
    peakMin: [60, 180],
    durationMin: [3 * 60, 8 * 60],
    // Peak: [H92]'s means ± 1 SD, up to [REV]'s 2–3 h peak of action.
    published: 'onset 30–60 min, peak 2–3 h, duration 3–6 h [REV]; 30–60 min, 2–4 h, 6–8 h [CCJM]; serum insulin peaks at 90 ± 33 and 114 ± 58 min (mean ± SD, 12 U) [H92]',
    sources: 'REV, CCJM, H92',
  },
  nph: {
    onsetMin: [60, 4 * 60],
    // Peak: from [H89]'s 3 h to [L00]'s mean + 1 SD.
    peakMin: [3 * 60, 6.7 * 60],
    durationMin: [9.5 * 60, 19.3 * 60],
    published: 'onset 2–4 h, peak 4–10 h, duration 10–16 h [REV]; 1–2 h, 3–8 h, 12–15 h [CCJM]; plasma insulin peaks at 3–4.5 h (12 U) [H89] and 4.5 ± 0.5 h (mean ± SE, so SD ≈ 2.2 h) [L00]; end of action median 14.5 h, range 9.5–19.3 h [LAN]',
    sources: 'REV, CCJM, H89, L00, LAN',
  },
  long: {
    onsetMin: [60, 3 * 60],
    peakMin: null,
    // Duration: [L00]'s 22 ± 4 h (mean ± SE) from −1 to +2 SE, the upper side
    // wider because [LAN] and [CC] put the end of action at 24 h or later.
    durationMin: [18 * 60, 30 * 60],
    // "Relatively constant over 24 hours with no pronounced peak" [LAN]: a
    // perfectly flat day gives 1, NPH about 3; 1.5 is our line between them.
    maxPeakToMean24h: 1.5,
    published: 'onset 1–2 h, no pronounced peak, duration ≈ 24 h [REV]; 2 h, no real peak, 22–24 h [CCJM]; 2–3 h, no peak, 24+ h [CC]; onset 1.5 ± 0.3 h, flat, end of action 22 ± 4 h (mean ± SE) [L00]; flat over 24 h, end of action median 24 h [LAN]',
    sources: 'REV, CCJM, CC, L00, LAN',
  },
};
