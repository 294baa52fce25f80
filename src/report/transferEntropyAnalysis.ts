/**
 * Does the run-in's transfer entropy tell patients apart, and what does it
 * follow? For the actor-critic study's report: the TE of each (patient,
 * seed), and per-patient covariates (e.g. total daily insulin and the
 * correction factor of Quest.csv).
 *
 * (i) Reliability. A one-way random-effects ANOVA with patients as groups and
 * seeds as replicates (Shrout & Fleiss 1979, Psychol Bull 86:420–428, case 1:
 * each target measured by different "judges", here independent seeds):
 *   BMS = Σ_i n_i (m_i − m)² / (a − 1),   WMS = Σ_i Σ_j (x_ij − m_i)² / (N − a),
 *   ICC(1) = (BMS − WMS) / (BMS + (k − 1)·WMS)   (their ICC(1,1)),
 * a patients, n_i seeds of patient i, N = Σ n_i, m_i the patient's mean and m
 * the grand mean. With the same number of seeds for everyone, k = n_i.
 * Otherwise k is k0 = (N − Σ n_i²/N)/(a − 1): in the unbalanced one-way
 * random model E[BMS] = σ²_within + k0·σ²_between and E[WMS] = σ²_within
 * (the expected mean squares, e.g. Snedecor & Cochran, Statistical Methods),
 * so the same estimator of σ²_between/(σ²_between + σ²_within) results; k0
 * is n when every n_i = n. ICC(1) is the share of the
 * variance of one seed's TE that lies between patients: 1 when seeds agree
 * exactly, ≈ 0 (or below) when a patient's TE is as variable from seed to
 * seed as it is across patients. Also: the between-patient SD (sample SD of
 * the patient means) and the within-patient SD (√WMS, pooled over patients).
 *
 * (ii) Correlations across the cohort of the patient mean TE with each
 * covariate: Pearson's r and Spearman's ρ (Pearson's r of the ranks, ties at
 * their mean rank), each with a 95 % confidence interval by Fisher's z
 * transform, z = atanh(r) ± 1.96·σ: σ = 1/√(n − 3) for Pearson's r (Fisher
 * 1921), σ = √(1.06/(n − 3)) for Spearman's ρ (Fieller, Hartley & Pearson
 * 1957, Biometrika 44:470–481).
 *
 * Pure: numbers in, numbers out; non-finite TE values and covariates are left
 * out (and counted by what is reported: n, seeds per patient).
 */
import { finiteMeanSd } from './finiteStats.js';
import { Z_975 } from './seedStatistics.js';

/** One seed's TE of one patient. */
export interface TransferEntropyObservation {
  readonly patient: string;
  readonly seed: number | string;
  readonly transferEntropyBits: number;
}

export interface PatientTransferEntropy {
  readonly patient: string;
  /** Finite seeds, their mean and sample SD (NaN with one seed). */
  readonly seeds: number;
  readonly meanBits: number;
  readonly sdBits: number;
}

export interface TransferEntropyReliability {
  /** Patients with at least one finite TE, and finite TE values in all. */
  readonly patients: number;
  readonly observations: number;
  readonly grandMeanBits: number;
  /** Sample SD of the patients' mean TE. */
  readonly betweenPatientSdBits: number;
  /** √WMS: the SD of one seed's TE about its patient's mean, pooled over patients. */
  readonly withinPatientSdBits: number;
  readonly betweenMeanSquare: number;
  readonly withinMeanSquare: number;
  /** Seeds per patient in ICC(1) (k0 when patients have different numbers of seeds). */
  readonly seedsPerPatient: number;
  /** Shrout & Fleiss's ICC(1,1); NaN when it is undefined (fewer than 2 patients, no replicates, or no variance at all). */
  readonly icc1: number;
  readonly perPatient: readonly PatientTransferEntropy[];
}

/** Between- and within-patient spread and ICC(1) of TE over seeds (module comment, (i)). */
export function transferEntropyReliability(observations: readonly TransferEntropyObservation[]): TransferEntropyReliability {
  const byPatient = new Map<string, number[]>();
  for (const o of observations) {
    if (!Number.isFinite(o.transferEntropyBits)) continue;
    const list = byPatient.get(o.patient) ?? [];
    list.push(o.transferEntropyBits);
    byPatient.set(o.patient, list);
  }
  const perPatient: PatientTransferEntropy[] = [...byPatient].map(([patient, xs]) => {
    const { mean, sd } = finiteMeanSd(xs);
    return { patient, seeds: xs.length, meanBits: mean, sdBits: sd };
  });
  const a = perPatient.length;
  const total = perPatient.reduce((s, p) => s + p.seeds, 0);
  const grandMean = a === 0 ? NaN : [...byPatient.values()].flat().reduce((s, x) => s + x, 0) / total;

  let betweenSs = 0;
  let withinSs = 0;
  let sumSquaredSizes = 0;
  for (const p of perPatient) {
    betweenSs += p.seeds * (p.meanBits - grandMean) ** 2;
    for (const x of byPatient.get(p.patient)!) withinSs += (x - p.meanBits) ** 2;
    sumSquaredSizes += p.seeds ** 2;
  }
  const bms = a >= 2 ? betweenSs / (a - 1) : NaN;
  const wms = total > a ? withinSs / (total - a) : NaN;
  const k0 = a >= 2 ? (total - sumSquaredSizes / total) / (a - 1) : NaN;
  const denominator = bms + (k0 - 1) * wms;
  const icc1 = Number.isFinite(denominator) && denominator > 0 ? (bms - wms) / denominator : NaN;
  const means = perPatient.map((p) => p.meanBits);
  return {
    patients: a,
    observations: total,
    grandMeanBits: grandMean,
    betweenPatientSdBits: finiteMeanSd(means).sd,
    withinPatientSdBits: Math.sqrt(wms),
    betweenMeanSquare: bms,
    withinMeanSquare: wms,
    seedsPerPatient: k0,
    icc1,
    perPatient,
  };
}

/** A correlation coefficient with its 95 % confidence interval (Fisher z). */
export interface CorrelationEstimate {
  readonly r: number;
  readonly lower95: number;
  readonly upper95: number;
}

export interface CorrelationSummary {
  /** Pairs with both values finite. */
  readonly n: number;
  readonly pearson: CorrelationEstimate;
  readonly spearman: CorrelationEstimate;
}


/** Pearson's r and Spearman's ρ of the finite pairs (x_i, y_i), with 95 % CIs (module comment, (ii)). */
export function correlation(x: readonly number[], y: readonly number[]): CorrelationSummary {
  if (x.length !== y.length) throw new RangeError(`correlation: x (${x.length}) and y (${y.length}) must have the same length`);
  const xs: number[] = [];
  const ys: number[] = [];
  x.forEach((v, i) => {
    if (Number.isFinite(v) && Number.isFinite(y[i]!)) {
      xs.push(v);
      ys.push(y[i]!);
    }
  });
  const n = xs.length;
  const r = pearsonR(xs, ys);
  const rho = pearsonR(ranks(xs), ranks(ys));
  return {
    n,
    pearson: withFisherInterval(r, n > 3 ? 1 / Math.sqrt(n - 3) : NaN),
    spearman: withFisherInterval(rho, n > 3 ? Math.sqrt(1.06 / (n - 3)) : NaN),
  };
}

/**
 * Correlation of each patient's mean TE with each covariate, over the
 * patients that have both (`covariates[patient][name]`).
 */
export function transferEntropyCovariateCorrelations(
  perPatient: readonly PatientTransferEntropy[],
  covariates: Readonly<Record<string, Readonly<Record<string, number>>>>,
): Readonly<Record<string, CorrelationSummary>> {
  const names = [...new Set(Object.values(covariates).flatMap((c) => Object.keys(c)))];
  const out: Record<string, CorrelationSummary> = {};
  for (const name of names) {
    out[name] = correlation(
      perPatient.map((p) => p.meanBits),
      perPatient.map((p) => covariates[p.patient]?.[name] ?? NaN),
    );
  }
  return out;
}

function withFisherInterval(r: number, sigma: number): CorrelationEstimate {
  if (!Number.isFinite(r) || !Number.isFinite(sigma)) return { r, lower95: NaN, upper95: NaN };
  // |r| = 1 maps to z = ±∞ and the interval collapses onto r, as it should.
  const z = Math.atanh(r);
  return { r, lower95: Math.tanh(z - Z_975 * sigma), upper95: Math.tanh(z + Z_975 * sigma) };
}

/** Pearson's product-moment r; NaN with fewer than 2 pairs or a constant variable. */
function pearsonR(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2) return NaN;
  const mx = finiteMeanSd(x).mean;
  const my = finiteMeanSd(y).mean;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  if (!(sxx > 0 && syy > 0)) return NaN;
  // Rounding can put a perfect correlation a hair outside [−1, 1].
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Ranks 1 … n, tied values at the mean of the ranks they span. */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
  const out = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && order[end]![0] === order[start]![0]) end++;
    const rank = (start + 1 + end) / 2; // mean of ranks start+1 … end
    for (let j = start; j < end; j++) out[order[j]![1]] = rank;
    start = end;
  }
  return out;
}


