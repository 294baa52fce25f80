/** Loading the iglu oracle fixtures (test/fixtures/oracles/metrics) for the metrics tests. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCgmCsv } from '../../src/metrics/cgmCsv.js';
import type { GlucoseSeries } from '../../src/metrics/series.js';
import type { MetricName } from '../../src/metrics/index.js';

export const ORACLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'oracles', 'metrics');
export const DATASETS = ['iglu_example_data_5_subject_localtime_EST.csv', 'iglu_simple_test_1.csv'] as const;

type PerSubject = Record<string, number | string | null>;
export type OracleDataset = Record<string, Record<string, PerSubject>>;

export function loadOracle(): Record<string, OracleDataset> {
  const json = JSON.parse(readFileSync(join(ORACLE_DIR, 'iglu_R_expected_metrics.json'), 'utf8')) as { datasets: Record<string, OracleDataset> };
  return json.datasets;
}

export function loadDataset(name: string): Map<string, GlucoseSeries> {
  return readCgmCsv(join(ORACLE_DIR, name));
}

/** Relative error, with `null` (R's NA) matching only NaN. */
export function relativeError(actual: number, expected: number | null): number {
  if (expected === null) return Number.isNaN(actual) ? 0 : Infinity;
  if (!Number.isFinite(actual)) return Infinity;
  if (expected === 0) return Math.abs(actual);
  return Math.abs(actual - expected) / Math.abs(expected);
}

/** Our metric ← (iglu function key in the oracle, its output column). */
export const ORACLE_KEYS: Partial<Record<MetricName, readonly [string, string]>> = {
  mean: ['mean_glu', 'mean'],
  sd: ['sd_glu', 'SD'],
  cv: ['cv_glu', 'CV'],
  gmi: ['gmi', 'GMI'],
  ea1c: ['ea1c', 'eA1C'],
  j_index: ['j_index', 'J_index'],
  tir: ['in_range_percent', 'in_range_70_180'],
  below_70: ['below_percent', 'below_70'],
  below_54: ['below_percent', 'below_54'],
  above_180: ['above_percent', 'above_180'],
  above_250: ['above_percent', 'above_250'],
  lbgi: ['lbgi', 'LBGI'],
  hbgi: ['hbgi', 'HBGI'],
  adrr: ['adrr', 'ADRR'],
  gri: ['gri', 'GRI'],
  m_value: ['m_value', 'M_value'],
  grade: ['grade', 'GRADE'],
  modd: ['modd', 'MODD'],
  conga: ['conga', 'CONGA'], // iglu's default n = 24 h
  mage: ['mage', 'MAGE'],
};
