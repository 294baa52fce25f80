/**
 * Glucose outcomes of one stretch of days of a run (a controller's learning
 * or exploitation phase, or an experiment's window): time in, below and
 * above range, LBGI/HBGI and mean of the true blood glucose, the insulin
 * given, and — when a reward is given — the mean MDP reward of the readings
 * the controller saw (Shifrin & Siegelmann 2017, §2.2).
 */
import type { MdpDefinition } from '../control/mdp/model.js';
import { glucoseReward } from '../control/mdp/reward.js';
import { hbgi, lbgi, meanGlucose, percentBelow, percentInRange } from '../metrics/index.js';
import { INSULIN_PREPARATIONS } from '../model/patientModel.js';
import type { Trace } from '../sim/trace.js';
import { bloodGlucoseSeries, type DayWindow } from './patientAnalysis.js';

const MINUTES_PER_DAY = 1440;

export const PHASE_METRIC_NAMES = ['tir', 'below_70', 'below_54', 'lbgi', 'hbgi', 'mean', 'insulin_u_per_day', 'mean_reward'] as const;
export type PhaseMetricName = (typeof PHASE_METRIC_NAMES)[number];
export type PhaseMetrics = Readonly<Record<PhaseMetricName, number>>;

export const PHASE_METRIC_LABELS: Readonly<Record<PhaseMetricName, string>> = {
  tir: 'TIR 70–180 (%)',
  below_70: '<70 (%)',
  below_54: '<54 (%)',
  lbgi: 'LBGI',
  hbgi: 'HBGI',
  mean: 'mean BG (mg/dL)',
  insulin_u_per_day: 'insulin (U/day)',
  mean_reward: 'mean reward',
};

/**
 * The phase metrics a report shows, as its tables (each repeating the phase
 * columns: all in one is too wide for the page): glucose, then risk, insulin
 * and the reward where shown; a table with none of `shown` is left out.
 */
export function phaseMetricTables(shown: readonly PhaseMetricName[]): { readonly caption: string; readonly names: readonly PhaseMetricName[] }[] {
  const pick = (names: readonly PhaseMetricName[]) => names.filter((n) => shown.includes(n));
  const risk = pick(['lbgi', 'hbgi', 'insulin_u_per_day', 'mean_reward']);
  return [
    { caption: 'glucose', names: pick(['tir', 'below_70', 'below_54', 'mean']) },
    { caption: risk.includes('mean_reward') ? 'risk, insulin and reward' : 'risk and insulin', names: risk },
  ].filter((t) => t.names.length > 0);
}

/** The reward a run's readings are scored with: an MDP definition's glucose axis and reward. */
export type RewardScale = Pick<MdpDefinition, 'space' | 'reward'>;

/** Outcomes over scenario days [fromDay, toDay] of a trace; mean_reward NaN without a scale or readings. */
export function phaseMetrics(trace: Trace, window: DayWindow, reward?: RewardScale): PhaseMetrics {
  const series = bloodGlucoseSeries(trace, window);
  const from = (window.fromDay - 1) * MINUTES_PER_DAY;
  const to = Math.min(window.toDay * MINUTES_PER_DAY, trace.minutes);
  let insulinU = 0;
  let rewardSum = 0;
  let readings = 0;
  for (let m = from; m < to; m++) {
    insulinU += trace.basalUPerMin[m] + trace.bolusU[m];
    for (const p of INSULIN_PREPARATIONS) insulinU += trace.injectionsU[p][m];
    const reading = trace.cgmMgDl[m];
    if (reward && !Number.isNaN(reading)) {
      rewardSum += glucoseReward(reward.space.glucose, reward.reward, reading);
      readings++;
    }
  }
  return {
    tir: percentInRange(series, 70, 180),
    below_70: percentBelow(series, 70),
    below_54: percentBelow(series, 54),
    lbgi: lbgi(series),
    hbgi: hbgi(series),
    mean: meanGlucose(series),
    insulin_u_per_day: insulinU / ((to - from) / MINUTES_PER_DAY),
    mean_reward: readings > 0 ? rewardSum / readings : NaN,
  };
}
