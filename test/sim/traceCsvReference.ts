/**
 * The trace CSV as it was written before issue #17 (one string a row from
 * template literals and `fixed`), kept verbatim as the reference the byte
 * writer must match, and the awkward values to feed both.
 */
import type { RandomStream } from '../../src/random/streams.js';
import type { Trace } from '../../src/sim/trace.js';

const POWERS_OF_TEN = [1, 10, 100, 1000, 10000, 100000, 1000000];
const ZEROS = '000000';

/** src/io/numberFormat.ts's `fixed` before issue #17. */
export function referenceFixed(value: number, digits: number): string {
  const scale = POWERS_OF_TEN[digits];
  if (scale === undefined || !(Math.abs(value) < 1e9)) return value.toFixed(digits);
  const scaled = Math.round(Math.abs(value) * scale);
  const sign = value < 0 && scaled !== 0 ? '-' : '';
  const whole = Math.floor(scaled / scale);
  if (digits === 0) return sign + whole;
  const fraction = String(scaled - whole * scale);
  return `${sign}${whole}.${ZEROS.slice(0, digits - fraction.length)}${fraction}`;
}

function clock(minuteOfDay: number): string {
  const h = Math.floor(minuteOfDay / 60);
  const m = minuteOfDay % 60;
  return `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}`;
}

function cell(value: number, digits: number): string {
  if (Number.isNaN(value)) return '';
  return value === 0 ? '0' : referenceFixed(value, digits);
}

/** src/sim/trace.ts's `traceCsvRows` before issue #17. */
export function referenceCsvRows(trace: Trace, from: number, to: number): string {
  const rows = new Array<string>(to - from + 1);
  const injections = trace.injectionsU;
  for (let m = from; m < to; m++) {
    const wall = trace.startTimeOfDayMin + m;
    rows[m - from] =
      `${m},${Math.floor(m / 1440) + 1},${clock(wall % 1440)},${referenceFixed(trace.bgMgDl[m], 3)},${cell(trace.cgmMgDl[m], 3)},` +
      `${cell(trace.carbsEatenG[m], 3)},${cell(trace.carbsAnnouncedG[m], 3)},${cell(trace.carbsEstimatedG[m], 3)},` +
      `${cell(trace.basalUPerMin[m] * 60, 4)},${cell(trace.bolusU[m], 4)},` +
      `${cell(injections.rapid[m], 2)},${cell(injections.regular[m], 2)},${cell(injections.nph[m], 2)},${cell(injections.long[m], 2)}`;
  }
  rows[to - from] = '';
  return rows.join('\n');
}

/** Values where fixed-point text goes wrong: the edges of each branch of `fixed`. */
const SPECIAL = [
  0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE,
  1e9, -1e9, 999999999.9999, 999999999.99995, -999999999.99995, 1e9 - 1e-7, 1e21, -1e21, 9.99e20, -9.99e20, 1.5e300,
  2 ** 31 / 1e4, 2 ** 31 / 1e3, (2 ** 31 - 1) / 1e4, (2 ** 31 + 1) / 1e3, 214748.3648, 214748.36475, 2147483.6475,
  -0.0004, 0.0004, -0.00004, -0.00005, 0.00005, -0.0005, 0.0005, -0.005, 0.005, 0.5, -0.5, 1.005, 1.0005, 2.675, 1.45,
];

/** One awkward value: special ones, rounding halves at 0 … 6 digits, tiny, large, or plain. */
export function awkwardValue(random: RandomStream): number {
  const sign = random.uniform() < 0.4 ? -1 : 1;
  switch (random.integerIn(0, 6)) {
    case 0:
      return SPECIAL[random.integerIn(0, SPECIAL.length - 1)];
    case 1: {
      // x.xxx5 at each digit count, as text (the double nearest) and as an exact binary half.
      const digits = random.integerIn(0, 6);
      const whole = random.integerIn(0, 10 ** random.integerIn(0, 8));
      const fraction = random.integerIn(0, 10 ** digits - 1);
      const text = `${whole}.${digits > 0 ? String(fraction).padStart(digits, '0') : ''}5`;
      return sign * (random.uniform() < 0.5 ? Number(text) : (whole * 10 ** digits + fraction + 0.5) / 10 ** digits);
    }
    case 2:
      return sign * random.uniform() * 0.0006; // tiny: most round to zero
    case 3:
      return sign * 10 ** random.uniformIn(9, 22); // beyond fixed's fast path, toFixed's
    case 4:
      return sign * random.integerIn(0, 5000); // whole numbers
    case 5:
      return sign * 10 ** random.uniformIn(-8, 9); // any magnitude below 1e9
    default:
      return sign * random.uniformIn(0, 400); // the everyday: BG, carbs, doses
  }
}
