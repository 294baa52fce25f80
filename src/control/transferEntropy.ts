/**
 * Transfer entropy (Schreiber 2000) from a source series to a target series,
 * in bits, with the plug-in histogram estimator of Daskalaki, Diem & Mougiakakou 2014 (§3.2.1
 * "Automatic Tuning of the AC-based Algorithm", eqs. (20)–(21)).
 *
 * The paper's formula (insulin on board IA delayed by d, glucose G):
 *   TE_{IA→G} = Σ_t p(G_t, G_{t−1}, IA_{t−d}) · log2[ p(G_t | G_{t−1}, IA_{t−d}) / p(G_t | G_{t−1}) ]
 * ("log is the basis two logarithm"; pdfs "approximated as histograms" with
 * "the time-series partitioned into equi-sized bins", the fixed data
 * partitioning of its ref. [26]). With source x and target y this is
 *   TE_{X→Y} = Σ p(y_t, y_{t−1}, x_{t−d}) · log2[ p(y_t | y_{t−1}, x_{t−d}) / p(y_t | y_{t−1}) ],
 * the conditional mutual information I(Y_t ; X_{t−d} | Y_{t−1}), target
 * history of length 1 as in the paper.
 *
 * Estimator. Every sample of a series is mapped to one of `bins` equal-width
 * bins spanning that series' range [min, max] over its finite samples (one
 * range for the target, used for both y_t and y_{t−1}, since they are the
 * same variable; one for the source). Edges: bin = ⌊(v − min)/(max − min) · B⌋,
 * and v = max goes in the last bin B − 1 (otherwise the maximum would fall in
 * a bin B of its own). A series with max = min (constant) puts everything in
 * bin 0; then TE = 0 exactly (a constant target has no uncertainty left to
 * reduce; a constant source carries no information). Triples
 * (y_t, y_{t−1}, x_{t−d}), t = max(1, d) … n − 1, with any non-finite member
 * (NaN: sensor gap, missing record) are dropped; probabilities are relative
 * counts over the N remaining triples, and with c(·) the counts
 *   TE = Σ_{a,b,c} c(a,b,c)/N · log2[ c(a,b,c)·c(b) / (c(b,c)·c(a,b)) ],
 * a = bin of y_t, b = bin of y_{t−1}, c = bin of x_{t−d}. This is a KL
 * divergence of empirical distributions, hence ≥ 0. The plug-in estimate is
 * biased upward: for independent series about B·(B − 1)²/(2N·ln 2) bits
 * (the χ² limit of the likelihood-ratio statistic 2N·ln2·TE, Miller 1955),
 * so keep N ≫ B³.
 *
 * Memory: one count table of B³ entries and two B² marginals per call;
 * nothing per sample.
 */

export interface TransferEntropyOptions {
  /** Source delay d in samples (the paper: 20 min, i.e. 4 samples at 5 min). Integer ≥ 0. */
  readonly delay: number;
  /** Number of equal-width bins per variable. Integer ≥ 1. */
  readonly bins: number;
  /** Target history length; the paper conditions on G_{t−1} only. */
  readonly history?: 1;
}

/** TE from `source` to `target` in bits (see the module comment). Both series share one time base. */
export function transferEntropyBits(
  source: ArrayLike<number>,
  target: ArrayLike<number>,
  options: TransferEntropyOptions,
): number {
  const { delay, bins } = options;
  if (options.history !== undefined && options.history !== 1) {
    throw new RangeError(`transfer entropy: only history 1 is supported (the paper's G_{t-1}), got ${String(options.history)}`);
  }
  if (!Number.isInteger(delay) || delay < 0) throw new RangeError(`transfer entropy: delay must be an integer ≥ 0, got ${delay}`);
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`transfer entropy: bins must be an integer ≥ 1, got ${bins}`);
  if (source.length !== target.length) {
    throw new RangeError(`transfer entropy: source (${source.length}) and target (${target.length}) must have the same length`);
  }

  const sourceBinner = binner(source, bins);
  const targetBinner = binner(target, bins);
  const b2 = bins * bins;
  // counts[(a·B + b)·B + c] for a = bin(y_t), b = bin(y_{t−1}), c = bin(x_{t−d}).
  const counts = new Float64Array(b2 * bins);
  let total = 0;
  for (let t = Math.max(1, delay); t < target.length; t++) {
    const yt = target[t]!;
    const yPrev = target[t - 1]!;
    const x = source[t - delay]!;
    if (!Number.isFinite(yt) || !Number.isFinite(yPrev) || !Number.isFinite(x)) continue;
    counts[(targetBinner(yt) * bins + targetBinner(yPrev)) * bins + sourceBinner(x)]! += 1;
    total++;
  }
  if (total === 0) {
    // A 0 here would make the paper's θ0 = W/TE infinite without a word; refuse instead.
    throw new RangeError('transfer entropy: no complete (y_t, y_{t-1}, x_{t-d}) triple without NaN');
  }

  // Marginals: c(a,b) over c, c(b,c) over a, c(b) over a and c.
  const countAB = new Float64Array(b2);
  const countBC = new Float64Array(b2);
  const countB = new Float64Array(bins);
  for (let a = 0; a < bins; a++) {
    for (let b = 0; b < bins; b++) {
      for (let c = 0; c < bins; c++) {
        const n = counts[(a * bins + b) * bins + c]!;
        if (n === 0) continue;
        countAB[a * bins + b]! += n;
        countBC[b * bins + c]! += n;
        countB[b]! += n;
      }
    }
  }

  let te = 0;
  for (let a = 0; a < bins; a++) {
    for (let b = 0; b < bins; b++) {
      for (let c = 0; c < bins; c++) {
        const n = counts[(a * bins + b) * bins + c]!;
        if (n === 0) continue; // 0·log 0 = 0
        te += n * Math.log2((n * countB[b]!) / (countBC[b * bins + c]! * countAB[a * bins + b]!));
      }
    }
  }
  // Non-negative in exact arithmetic; clip the rounding residue (≈1e-16) of a zero TE.
  return Math.max(0, te / total);
}

/** Maps a finite value to its equal-width bin over the series' finite range (module comment). */
function binner(series: ArrayLike<number>, bins: number): (v: number) => number {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < series.length; i++) {
    const v = series[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const width = max - min;
  if (!(width > 0)) return () => 0; // constant (or no finite) series: a single occupied bin
  const scale = bins / width;
  const last = bins - 1;
  return (v) => Math.min(last, Math.floor((v - min) * scale));
}
