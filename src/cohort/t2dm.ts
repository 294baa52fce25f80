/**
 * Virtual T2DM cohorts for the Dalla Man 2007 model (docs/model.md §3): a seeded
 * generator that draws subjects around the published T2DM means and keeps
 * only those with a physiological steady state, the JSON file it writes
 * (`patients/t2dm-100.json`), and its loader.
 *
 * Drawing rule (recorded in every file, see `DEFAULT_T2DM_COHORT_RULE`):
 * - every varied parameter is log-normal and independent, with arithmetic
 *   mean the T2DM mean subject's value (`t2dmMeanSubject`: DM2007 Table 1
 *   T2DM column; ka1, ka2, kd, ksc the S2008 adult means) and a stated CV;
 *   log-normal keeps rates and volumes positive, and inter-subject spread of
 *   such parameters is multiplicative;
 * - the CVs are the inter-subject CVs of the same parameters among the 10
 *   adults of the S2008 simulator (patients/uva-padova-s2008/
 *   vpatient_params.csv, sd/mean), rounded to 0.05 and capped at 0.40: the
 *   only published subject-level parameter set of this model family. The
 *   cap: that table has 10 subjects, and its largest CVs (kabs 0.98, m5 0.57,
 *   Vmx 0.59, kp3 0.59) come from one or two extreme subjects; 0.40 keeps 95 %
 *   of draws within ×0.44 … ×2.0 of the mean. test/cohort/t2dm.test.ts
 *   recomputes these CVs from the file;
 * - parameters the S2008 table does not vary (f, Fsnc, ke1, ke2, HEb) are
 *   fixed, and so is gamma (0.5 in both DM2007 groups);
 * - T2DM-only parameters, which have no S2008 counterpart, get stated
 *   choices: kp4 0.40 as kp3 (both are insulin effects on EGP); K and beta
 *   (dynamic and static beta-cell responsivity) 0.40, alpha 0.30; m6 0.05,
 *   because basal secretion is Sb = (m6 − HEb)/m5, so 5 % on m6 is already
 *   ±19 % on m6 − HEb: with m5's 40 % and the insulin kinetics' spread,
 *   unselected draws have Sb CV 44 % and fasting insulin CV 57 % (1000 draws);
 * - fasting glucose Gb is log-normal around the T2DM mean subject's 159.2
 *   mg/dL with CV 0.15 (a stated choice), within the accepted range below.
 * Acceptance (else the subject is drawn again from its own stream, and the
 * rejection is counted): `basalStateProblems` finds nothing (all basal states
 * positive, HEb < m6 < 1, f, b, d ≤ 1, kmin < kmax); fasting glucose, basal
 * insulin, basal EGP and basal secretion lie in the ranges of the rule; and
 * the steady state survives a meal (no hypoglycaemia, back to Gb within 48 h;
 * see `DEFAULT_T2DM_COHORT_RULE`).
 */
import { InputError } from '../io/errors.js';
import { readJsonFile } from '../io/json.js';
import type { PatientModel } from '../model/patientModel.js';
import { t2dmModel } from '../model/t2dm.js';
import {
  basalStateProblems,
  T2DM_PARAMETER_NAMES,
  type T2dmBasalState,
  type T2dmParameterName,
  type T2dmParameters,
  t2dmMeanSubject,
  t2dmSteadyState,
} from '../model/t2dmParameters.js';
import { randomStream } from '../random/streams.js';
import { IntegratorError } from '../model/integrator.js';
import { PatientSimulator } from '../model/patientSimulator.js';

/** The value of `format` in a cohort file. */
export const T2DM_COHORT_FORMAT = 'glucosim-cohort/1';
export const T2DM_COHORT_TYPE = 't2dm';

/** An accepted closed range [min, max]. */
export type Range = readonly [number, number];

export interface T2dmCohortRule {
  /** Coefficient of variation of each varied parameter (log-normal, arithmetic mean = the mean subject's value). */
  readonly cv: Readonly<Partial<Record<T2dmParameterName, number>>>;
  /**
   * Meal challenge: after `gramsPerKg` of glucose (eaten at 5 g/min, the
   * reference rate), plasma glucose must stay ≥ `minMgDl` and be back within
   * `returnMgDl` of Gb `afterMin` minutes after the meal.
   */
  readonly challenge: {
    readonly gramsPerKg: number;
    readonly minMgDl: number;
    readonly returnMgDl: number;
    readonly afterMin: number;
  };
  /** Accepted basal values. */
  readonly accept: {
    /** Fasting plasma glucose, mg/dL. */
    readonly Gb: Range;
    /** Basal plasma insulin, pmol/L. */
    readonly Ib: Range;
    /** Basal endogenous glucose production, mg/kg/min. */
    readonly EGPb: Range;
    /** Basal insulin secretion, pmol/kg/min. */
    readonly Sb: Range;
  };
}

/**
 * The rule of the shipped cohort (reasons in the module note). Accepted ranges:
 * - Gb 126–250 mg/dL: from the ADA diagnostic threshold for diabetes (fasting
 *   plasma glucose ≥ 126 mg/dL, ADA Standards of Care, "Classification and
 *   Diagnosis of Diabetes") up to a ceiling we chose for subjects who are not
 *   in acute decompensation;
 * - Ib 18–180 pmol/L (3–30 µU/mL at 6 pmol/L per µU/mL): fasting insulin from
 *   lean-normal to markedly insulin-resistant; our choice around the mean
 *   subjects' 25.6 (normal) and 59.8 (T2DM) pmol/L;
 * - EGPb 1.2–3.5 mg/kg/min: around the 1.92 (normal) and 1.99 (T2DM) of the
 *   DM2007 mean subjects, allowing the raised fasting EGP of T2DM; our choice;
 * - Sb 0.5–12 pmol/kg/min: around 1.55 (normal) and 4.03 (T2DM); our choice.
 * A steady state must also be stable and physiological under a meal, which no
 * basal value shows (an exact steady state holds even when it is unstable):
 * the meal challenge gives each subject DM2007's meal (1 g/kg glucose) and
 * asks that glucose never falls below 70 mg/dL (ADA level-1 hypoglycaemia: a
 * T2DM subject on no glucose-lowering drug is not made hypoglycaemic by a
 * meal) and that it is back within 2 mg/dL of Gb 48 h later (the steady
 * state attracts; the slowest subjects need ~36 h, through ki and alpha).
 * Without it, ~8 % of draws overshoot into hypoglycaemia after a meal, one
 * down to 0 mg/dL, where the positivity guard of docs/model.md §1 holds it.
 */
export const DEFAULT_T2DM_COHORT_RULE: T2dmCohortRule = {
  cv: {
    BW: 0.2, Gb: 0.15, Vg: 0.05, k1: 0.3, k2: 0.4, Vi: 0.25, m1: 0.35, m2: 0.25, m4: 0.25, m5: 0.4, m6: 0.05,
    kmax: 0.3, kmin: 0.4, kabs: 0.4, b: 0.15, d: 0.4, kp2: 0.4, kp3: 0.4, kp4: 0.4, ki: 0.4, Vm0: 0.4, Vmx: 0.4,
    Km0: 0.1, p2u: 0.3, K: 0.4, alpha: 0.3, beta: 0.4, ka1: 0.25, ka2: 0.3, kd: 0.1, ksc: 0.3,
  },
  challenge: { gramsPerKg: 1, minMgDl: 70, returnMgDl: 2, afterMin: 2880 },
  accept: { Gb: [126, 250], Ib: [18, 180], EGPb: [1.2, 3.5], Sb: [0.5, 12] },
};

/** Significant digits of every drawn value written to the file (the subject is checked as written). */
const SIGNIFICANT_DIGITS = 4;
/** Draws per subject before the rule is declared infeasible. */
const MAX_ATTEMPTS_PER_SUBJECT = 1000;

export interface T2dmCohortSubject {
  readonly name: string;
  readonly params: T2dmParameters;
}

export interface GeneratedT2dmCohort {
  /** A whole number or a text, as a scenario's seed. */
  readonly seed: number | string;
  readonly n: number;
  readonly rule: T2dmCohortRule;
  readonly attempts: number;
  readonly rejected: number;
  /** Rejections per reason (a draw can fail several). */
  readonly rejectedBy: Readonly<Record<string, number>>;
  readonly subjects: readonly T2dmCohortSubject[];
}

/** Name of subject i (0-based): t2dm#001 … */
export function t2dmSubjectName(i: number): string {
  return `t2dm#${String(i + 1).padStart(3, '0')}`;
}

/** What the meal challenge saw: lowest plasma glucose and the distance from Gb at the end, mg/dL. */
export interface MealChallengeResult {
  readonly minMgDl: number;
  readonly endDeviationMgDl: number;
}

/** Run `rule.challenge` on subject `p` (which must have a valid steady state): minute-by-minute plasma glucose. */
export function t2dmMealChallenge(p: T2dmParameters, challenge: T2dmCohortRule['challenge'] = DEFAULT_T2DM_COHORT_RULE.challenge): MealChallengeResult {
  const sim = new PatientSimulator(t2dmModel(p), challenge.afterMin);
  sim.eat(challenge.gramsPerKg * p.BW, REFERENCE_EAT_RATE_G_PER_MIN);
  let min = Infinity;
  for (let m = 0; m < challenge.afterMin; m++) {
    sim.beginMinute(m, 0);
    min = Math.min(min, sim.bloodGlucoseAt(m));
  }
  const end = sim.bloodGlucoseAt(challenge.afterMin);
  return { minMgDl: Math.min(min, end), endDeviationMgDl: Math.abs(end - p.Gb) };
}

/** Eating rate of the challenge meal, g/min: the S2008 reference rate (docs/model.md §1). */
const REFERENCE_EAT_RATE_G_PER_MIN = 5;

/**
 * Why a subject fails `rule` (empty: accepted). Reasons are short keys
 * ("steady state", "Gb", "Ib", "EGPb", "Sb", "integration", "hypoglycaemia", "no return")
 * so rejections can be counted. The meal challenge runs only for subjects
 * that pass the basal checks.
 */
export function t2dmRejectionReasons(p: T2dmParameters, rule: T2dmCohortRule = DEFAULT_T2DM_COHORT_RULE): string[] {
  const basal = t2dmSteadyState(p);
  const reasons: string[] = [];
  if (basalStateProblems(p, basal).length > 0) reasons.push('steady state');
  const inRange = (v: number, [lo, hi]: Range) => v >= lo && v <= hi;
  if (!inRange(p.Gb, rule.accept.Gb)) reasons.push('Gb');
  if (!inRange(basal.Ib, rule.accept.Ib)) reasons.push('Ib');
  if (!inRange(basal.EGPb, rule.accept.EGPb)) reasons.push('EGPb');
  if (!inRange(basal.Sb, rule.accept.Sb)) reasons.push('Sb');
  if (reasons.length > 0) return reasons;
  let meal: MealChallengeResult;
  try {
    meal = t2dmMealChallenge(p, rule.challenge);
  } catch (err) {
    // A draw whose model the integrator cannot integrate (too stiff) is no subject either.
    if (err instanceof IntegratorError) return ['integration'];
    throw err;
  }
  if (meal.minMgDl < rule.challenge.minMgDl) reasons.push('hypoglycaemia');
  if (!(meal.endDeviationMgDl <= rule.challenge.returnMgDl)) reasons.push('no return');
  return reasons;
}

function roundSignificant(x: number): number {
  return Number(x.toPrecision(SIGNIFICANT_DIGITS));
}

/**
 * Draw `n` subjects with `seed`. Subject i draws from its own stream
 * (seed, name, purpose), so its parameters do not depend on how many draws
 * the subjects before it needed. Same seed and rule → same cohort.
 */
export function generateT2dmCohort(n: number, seed: number | string, rule: T2dmCohortRule = DEFAULT_T2DM_COHORT_RULE): GeneratedT2dmCohort {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`n must be a whole number ≥ 1, got ${n}`);
  const mean = t2dmMeanSubject();
  const subjects: T2dmCohortSubject[] = [];
  const rejectedBy: Record<string, number> = {};
  let attempts = 0;
  let rejected = 0;
  for (let i = 0; i < n; i++) {
    const name = t2dmSubjectName(i);
    const stream = randomStream(seed, name, 't2dm-cohort');
    for (let attempt = 1; ; attempt++) {
      if (attempt > MAX_ATTEMPTS_PER_SUBJECT) {
        throw new RangeError(`${name}: no subject accepted in ${MAX_ATTEMPTS_PER_SUBJECT} draws; the rule's ranges cannot be met`);
      }
      attempts++;
      const values: Record<string, number> = {};
      for (const key of T2DM_PARAMETER_NAMES) {
        const cv = rule.cv[key];
        if (cv === undefined || cv === 0) {
          values[key] = mean[key];
          continue;
        }
        // Log-normal with arithmetic mean m and CV c: ln x ~ N(ln m − s²/2, s²), s² = ln(1 + c²).
        const s2 = Math.log(1 + cv * cv);
        values[key] = roundSignificant(mean[key] * Math.exp(-s2 / 2 + Math.sqrt(s2) * stream.normal()));
      }
      const params = { name, ...values } as unknown as T2dmParameters;
      const reasons = t2dmRejectionReasons(params, rule);
      if (reasons.length === 0) {
        subjects.push({ name, params });
        break;
      }
      rejected++;
      for (const r of reasons) rejectedBy[r] = (rejectedBy[r] ?? 0) + 1;
    }
  }
  return { seed, n, rule, attempts, rejected, rejectedBy: sortedKeys(rejectedBy), subjects };
}

/** Arrays of numbers or strings on one line ([126, 250]), for a readable rule. */
function compactArrays(json: string): string {
  return json.replace(/\[\n\s+([^[\]{}]*?)\n\s*\]/g, (_m, inner: string) => `[${inner.split(/,\n\s+/).join(', ')}]`);
}

function sortedKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}

/**
 * The cohort file's JSON text: deterministic (no time stamp; key order
 * fixed), one subject per line. `generatedBy` names the program and command.
 */
export function t2dmCohortJson(cohort: GeneratedT2dmCohort, generatedBy: string): string {
  const mean = t2dmMeanSubject();
  const varied = T2DM_PARAMETER_NAMES.filter((k) => (cohort.rule.cv[k] ?? 0) > 0);
  const fixed = T2DM_PARAMETER_NAMES.filter((k) => !varied.includes(k));
  const rule = {
    model: 'Dalla Man, Rizza, Cobelli 2007, IEEE TBME 54(10):1740 (docs/model.md §3); basal state computed from the parameters and Gb',
    distribution:
      'independent log-normal per parameter; arithmetic mean = T2DM mean subject (DM2007 Table 1 T2DM column; ka1, ka2, kd, ksc: S2008 adult means); values rounded to 4 significant digits',
    mean: Object.fromEntries(T2DM_PARAMETER_NAMES.map((k) => [k, mean[k]])),
    cv: Object.fromEntries(varied.map((k) => [k, cohort.rule.cv[k]])),
    cvSource:
      'S2008 adults (patients/uva-padova-s2008/vpatient_params.csv) sd/mean rounded to 0.05, capped at 0.40; kp4, K, beta 0.40, alpha 0.30, m6 0.05, Gb 0.15 chosen (src/cohort/t2dm.ts)',
    fixed,
    challenge: {
      ...cohort.rule.challenge,
      meaning: 'after gramsPerKg·BW g of glucose eaten at 5 g/min: plasma glucose ≥ minMgDl throughout, and within returnMgDl of Gb afterMin minutes after the meal',
    },
    accept: {
      ...cohort.rule.accept,
      steadyState: 'every basal state > 0 (Gpb, Gtb, EGPb, Uidb, Sb, Ipb, Ilb, Ipob, Ib, m3(0), kp1), HEb < m6 < 1, f, b, d ≤ 1, kmin < kmax',
    },
    units: { Gb: 'mg/dL', Ib: 'pmol/L', EGPb: 'mg/kg/min', Sb: 'pmol/kg/min' },
    attempts: cohort.attempts,
    rejected: cohort.rejected,
    rejectedBy: cohort.rejectedBy,
  };
  const head = {
    format: T2DM_COHORT_FORMAT,
    type: T2DM_COHORT_TYPE,
    seed: cohort.seed,
    n: cohort.n,
    rule,
    generatedBy,
  };
  const lines = Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${compactArrays(JSON.stringify(v, null, 2)).replace(/\n/g, '\n  ')}`);
  const subjects = cohort.subjects.map((s) => {
    const params = Object.fromEntries(T2DM_PARAMETER_NAMES.map((k) => [k, s.params[k]]));
    return `    ${JSON.stringify({ name: s.name, params })}`;
  });
  return `{\n${lines.join(',\n')},\n  "subjects": [\n${subjects.join(',\n')}\n  ]\n}\n`;
}

/** A loaded subject: its parameters, basal state and model (no depots; use `t2dmModel(params, depots)` for injections). */
export interface T2dmVirtualPatient {
  readonly name: string;
  readonly params: T2dmParameters;
  readonly basal: T2dmBasalState;
  readonly model: PatientModel;
}

export interface T2dmCohort {
  readonly file: string;
  readonly seed: number | string;
  readonly n: number;
  readonly rule: Readonly<Record<string, unknown>>;
  readonly generatedBy: string;
  readonly subjects: readonly T2dmVirtualPatient[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Load and validate a cohort file written by `glucosim cohort generate --type t2dm`. */
export function loadT2dmCohort(file: string): T2dmCohort {
  return parseT2dmCohort(readJsonFile(file, 'cohort file'), file);
}

/** Validate parsed cohort JSON; errors are InputErrors naming `file` and the field. */
export function parseT2dmCohort(json: unknown, file: string): T2dmCohort {
  if (!isObject(json)) throw new InputError(file, '', 'a cohort file must be a JSON object');
  if (json.format !== T2DM_COHORT_FORMAT) {
    throw new InputError(file, 'format', `expected "${T2DM_COHORT_FORMAT}", got ${JSON.stringify(json.format)}`);
  }
  if (json.type !== T2DM_COHORT_TYPE) throw new InputError(file, 'type', `expected "${T2DM_COHORT_TYPE}", got ${JSON.stringify(json.type)}`);
  const { seed, n, rule, generatedBy, subjects } = json;
  if (!((typeof seed === 'number' && Number.isSafeInteger(seed)) || (typeof seed === 'string' && seed.trim() !== ''))) {
    throw new InputError(file, 'seed', `must be a whole number or a non-empty text, got ${JSON.stringify(seed)}`);
  }
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new InputError(file, 'n', `must be a whole number ≥ 1, got ${JSON.stringify(n)}`);
  if (!isObject(rule)) throw new InputError(file, 'rule', 'must be an object (the rule the subjects were drawn by)');
  if (typeof generatedBy !== 'string') throw new InputError(file, 'generatedBy', 'must be a string');
  if (!Array.isArray(subjects)) throw new InputError(file, 'subjects', 'must be an array');
  if (subjects.length !== n) throw new InputError(file, 'n', `says ${n} subjects, the file has ${subjects.length}`);
  const names = new Set<string>();
  const loaded = subjects.map((entry, i): T2dmVirtualPatient => {
    const where = `subjects[${i}]`;
    if (!isObject(entry)) throw new InputError(file, where, 'must be an object with name and params');
    const { name, params } = entry;
    if (typeof name !== 'string' || name.trim() === '') throw new InputError(file, `${where}.name`, 'must be a non-empty string');
    if (names.has(name)) throw new InputError(file, `${where}.name`, `'${name}' appears twice`);
    names.add(name);
    if (!isObject(params)) throw new InputError(file, `${where}.params`, 'must be an object');
    for (const key of Object.keys(params)) {
      if (!(T2DM_PARAMETER_NAMES as readonly string[]).includes(key)) {
        throw new InputError(file, `${where}.params.${key}`, `unknown parameter (known: ${T2DM_PARAMETER_NAMES.join(', ')})`);
      }
    }
    const values: Record<string, number> = {};
    for (const key of T2DM_PARAMETER_NAMES) {
      const v = params[key];
      if (v === undefined) throw new InputError(file, `${where}.params.${key}`, 'missing');
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
        throw new InputError(file, `${where}.params.${key}`, `must be a number > 0, got ${JSON.stringify(v)}`);
      }
      values[key] = v;
    }
    const p = { name, ...values } as unknown as T2dmParameters;
    const basal = t2dmSteadyState(p);
    const problems = basalStateProblems(p, basal);
    if (problems.length > 0) throw new InputError(file, `${where}.params`, `${name}: no physiological steady state: ${problems.join('; ')}`);
    return { name, params: p, basal, model: t2dmModel(p) };
  });
  return { file, seed, n, rule, generatedBy, subjects: loaded };
}
