/** Mean and sample SD of the finite values of a list (the metrics library's meanOf/sdOf); NaN where there are too few. */
import { meanOf, sdOf } from '../metrics/index.js';

export function finiteMeanSd(values: readonly number[]): { readonly mean: number; readonly sd: number } {
  const xs = Float64Array.from(values.filter(Number.isFinite));
  const mean = meanOf(xs);
  return { mean, sd: sdOf(xs, mean) };
}
