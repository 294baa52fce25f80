/**
 * The metrics against R iglu 4.2.2 on its own example data (oracle values in
 * test/fixtures/oracles/metrics/iglu_R_expected_metrics.json): every metric of
 * issue #3 that the oracle lists, every subject of both data sets, within
 * 1e-6 relative (MAGE 0.1 %). R's NA must come out as NaN.
 */
import { describe, expect, it } from 'vitest';
import {
  buildSeries,
  computeMetrics,
  type GlucoseSeries,
  METRIC_NAMES,
  percentAbove,
  percentBelow,
  percentInRange,
} from '../../src/metrics/index.js';
import { DATASETS, loadDataset, loadOracle, ORACLE_KEYS, relativeError } from './oracle.js';


const tolerance = (metric: string) => (metric === 'mage' ? 1e-3 : 1e-6);

const oracle = loadOracle();
const data = new Map(DATASETS.map((d) => [d, loadDataset(d)] as const));

describe('metrics match R iglu 4.2.2 on the oracle data', () => {
  const worst = new Map<string, number>();

  for (const dataset of DATASETS) {
    const expected = oracle[dataset];
    const subjects = data.get(dataset)!;

    it(`${dataset}: reads every subject of the oracle`, () => {
      expect([...subjects.keys()]).toEqual(Object.keys(expected.mean_glu.mean));
    });

    for (const [subject, series] of subjects) {
      it(`${dataset} / ${subject}: every listed metric`, () => {
        const ours = computeMetrics(series);
        for (const metric of METRIC_NAMES) {
          const key = ORACLE_KEYS[metric];
          if (!key) continue;
          const value = expected[key[0]]?.[key[1]]?.[subject];
          expect(value, `oracle lacks ${key.join('.')} for ${subject}`).toBeDefined();
          const err = relativeError(ours[metric], value as number | null);
          worst.set(metric, Math.max(worst.get(metric) ?? 0, err));
          expect(err, `${metric}: ours ${ours[metric]}, iglu ${value}`).toBeLessThanOrEqual(tolerance(metric));
        }
        // BGRI is not an iglu function: by definition LBGI + HBGI.
        expect(ours.bgri).toBe(ours.lbgi + ours.hbgi);
      });

      it(`${dataset} / ${subject}: CONGA with n = 96 h and other thresholds`, () => {
        const c96 = computeMetrics(series, { congaHours: 96 }).conga;
        expect(relativeError(c96, expected['conga{"n": 96}'].CONGA[subject] as number | null)).toBeLessThanOrEqual(1e-6);
        const above = expected['above_percent{"targets_above": [50, 100, 250]}'];
        for (const x of [50, 100, 250]) expect(relativeError(percentAbove(series, x), above[`above_${x}`][subject] as number)).toBeLessThanOrEqual(1e-12);
        const below = expected['below_percent{"targets_below": [30, 100]}'];
        for (const x of [30, 100]) expect(relativeError(percentBelow(series, x), below[`below_${x}`][subject] as number)).toBeLessThanOrEqual(1e-12);
        const inRange = expected.in_range_percent.in_range_63_140[subject] as number;
        expect(relativeError(percentInRange(series, 63, 140), inRange)).toBeLessThanOrEqual(1e-12);
      });
    }
  }

  it('summary: max relative error per metric', () => {
    const rows = [...worst].map(([m, e]) => `${m.padEnd(10)} ${e.toExponential(2)}`);
    console.log(`max relative error vs iglu 4.2.2 (both data sets):\n${rows.join('\n')}`);
    expect(worst.size).toBe(Object.keys(ORACLE_KEYS).length);
  });
});

describe('mmol/L input', () => {
  const toMmol = (s: GlucoseSeries, factor: number) => Array.from(s.glucoseMgDl, (v) => v / factor);

  it('the oracle data given in mmol/L (factor 18) give the same metrics', () => {
    for (const series of data.get(DATASETS[0])!.values()) {
      const mmol = buildSeries(series.timesMin, toMmol(series, 18), { unit: 'mmol/L' });
      const a = computeMetrics(series);
      const b = computeMetrics(mmol);
      for (const m of METRIC_NAMES) expect(relativeError(b[m], a[m]), m).toBeLessThan(1e-9);
    }
  });

  it('an explicit factor (molar 18.0156) is honoured', () => {
    const s = buildSeries([0, 5], [5.5, 10], { unit: 'mmol/L', mmolFactor: 18.0156 });
    expect(Array.from(s.glucoseMgDl)).toEqual([5.5 * 18.0156, 10 * 18.0156]);
  });
});
