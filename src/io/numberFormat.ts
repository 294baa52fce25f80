/**
 * Fast fixed-point number text for large outputs (trace CSVs, SVG paths):
 * integer arithmetic and integer-to-text only, since V8 prints small integers
 * far faster than `toFixed` prints doubles (measured: a 10-day trace CSV in
 * ~8 ms instead of ~25 ms). Values at or beyond 1e9 fall back to `toFixed`.
 * `putFixed` writes the same text as bytes, with no string at all.
 */
import { decimalWidth, INT32_MAX, putAscii, putInteger, putPadded } from './asciiBuffer.js';

const POWERS_OF_TEN = [1, 10, 100, 1000, 10000, 100000, 1000000];
const ZEROS = '000000';

/** Like `value.toFixed(digits)` (digits 0…6) for finite values; `-0.000` prints as `0.000`. */
export function fixed(value: number, digits: number): string {
  const scale = POWERS_OF_TEN[digits];
  if (scale === undefined || !(Math.abs(value) < 1e9)) return value.toFixed(digits);
  const scaled = Math.round(Math.abs(value) * scale);
  const sign = value < 0 && scaled !== 0 ? '-' : '';
  const whole = Math.floor(scaled / scale);
  if (digits === 0) return sign + whole;
  const fraction = String(scaled - whole * scale);
  return `${sign}${whole}.${ZEROS.slice(0, digits - fraction.length)}${fraction}`;
}

/**
 * The most bytes `putFixed(…, digits)` writes: `toFixed` prints up to 21
 * integer digits, a sign and a point, or from 1e21 the shortest form
 * (`-1.2345678901234567e+308`, 24 characters).
 */
export function fixedBytesMax(digits: number): number {
  return 24 + digits;
}

/**
 * Put `fixed(value, digits)` into `bytes` at `at`, with room for
 * `fixedBytesMax(digits)`; returns the position after it. The same
 * arithmetic, so the same text (test/io/numberFormat.test.ts), with no string:
 * the trace CSV's cells (issue #17).
 */
export function putFixed(bytes: Uint8Array, at: number, value: number, digits: number): number {
  const scale = POWERS_OF_TEN[digits];
  if (scale === undefined || !(Math.abs(value) < 1e9)) return putAscii(bytes, at, value.toFixed(digits));
  const scaled = Math.round(Math.abs(value) * scale);
  if (value < 0 && scaled !== 0) bytes[at++] = 45; // '-'
  if (scaled > INT32_MAX) {
    const whole = Math.floor(scaled / scale); // below 1e9 + 1: an int32
    at = putInteger(bytes, at, whole);
    if (digits === 0) return at;
    bytes[at++] = 46; // '.'
    return putPadded(bytes, at, scaled - whole * scale, digits);
  }
  // Most values: the digits of `scaled` right to left, the point `digits` in,
  // at least one before it: whole and fraction with one int32 pass.
  let rest = scaled | 0;
  const width = Math.max(decimalWidth(rest), digits + 1);
  const end = at + width + (digits === 0 ? 0 : 1);
  let i = end - 1;
  for (let d = 0; d < digits; d++) {
    const next = (rest / 10) | 0;
    bytes[i--] = 48 + rest - next * 10; // '0' + digit
    rest = next;
  }
  if (digits !== 0) bytes[i--] = 46; // '.'
  for (; i >= at; i--) {
    const next = (rest / 10) | 0;
    bytes[i] = 48 + rest - next * 10;
    rest = next;
  }
  return end;
}

/** Like `fixed` with trailing zeros (and a bare point) dropped: `1.50` → `1.5`, `2.00` → `2`. */
export function compact(value: number, digits: number): string {
  const scale = POWERS_OF_TEN[digits];
  if (scale === undefined || !(Math.abs(value) < 1e9)) {
    let s = value.toFixed(digits);
    if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
    return s === '-0' ? '0' : s;
  }
  const scaled = Math.round(Math.abs(value) * scale);
  if (scaled === 0) return '0';
  const sign = value < 0 ? '-' : '';
  const whole = Math.floor(scaled / scale);
  let fraction = scaled - whole * scale;
  if (fraction === 0) return sign + whole;
  let places = digits;
  while (fraction % 10 === 0) {
    fraction /= 10;
    places--;
  }
  const text = String(fraction);
  return `${sign}${whole}.${ZEROS.slice(0, places - text.length)}${text}`;
}
