/**
 * ASCII text written as bytes into one reusable buffer: for large outputs
 * (trace CSVs) that would otherwise build a string per row or cell, which was
 * as costly as the simulation and most of the worker threads' GC (issue #17).
 *
 * With a `spill` (say, a file write) the buffer is handed over when full and
 * reused, so memory stays at its capacity; without one it grows, holding the
 * whole text (read back with `text()`).
 *
 * Writers reserve room for a bounded record (a CSV row) once, then put its
 * bytes at `length` with the `put*` functions below, each returning the
 * position after what it wrote: one bounds check a record rather than one a
 * byte (measured: per-byte method calls, not inlined, cost as much as the
 * digits themselves).
 */

/** Receives `bytes[0, length)`, which the buffer reuses once it returns. */
export type Spill = (bytes: Uint8Array, length: number) => void;

export class AsciiBuffer {
  /** The bytes; only `[0, length)` are written. Replaced when the buffer grows: read it after `reserve`. */
  bytes: Uint8Array;
  /** Bytes written and not yet spilled; a writer sets it past what it put. */
  length = 0;

  constructor(
    capacity: number,
    private readonly spill?: Spill,
  ) {
    this.bytes = new Uint8Array(Math.max(capacity, 1));
  }

  /** Room for `count` more bytes at `length`: spill what is held, or grow. */
  reserve(count: number): void {
    if (this.length + count <= this.bytes.length) return;
    if (this.spill !== undefined) {
      // Spilled, then (for a record beyond the capacity) just its size: memory stays at the larger of the two.
      this.flush();
      if (count > this.bytes.length) this.bytes = new Uint8Array(count);
      return;
    }
    const grown = new Uint8Array(Math.max(2 * this.bytes.length, this.length + count));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** Hand what is held to the spill. The buffer is emptied first, so a spill that throws leaves nothing to be sent twice. */
  flush(): void {
    const length = this.length;
    if (length === 0 || this.spill === undefined) return;
    this.length = 0;
    this.spill(this.bytes, length);
  }

  /** What has been written, as text (for a buffer without a spill, which holds it all). */
  text(): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.length).toString('latin1');
  }
}

/** The most bytes `putInteger` writes: the longest `String` of a double, `-1.2345678901234567e-300`. */
export const INTEGER_BYTES_MAX = 24;

export const INT32_MAX = 0x7fffffff;

/** Decimal digits of an integer 0 … 2^31 − 1, by comparisons (no division). */
export function decimalWidth(value: number): number {
  // prettier-ignore
  return value < 10 ? 1 : value < 100 ? 2 : value < 1000 ? 3 : value < 10000 ? 4 : value < 100000 ? 5
    : value < 1000000 ? 6 : value < 10000000 ? 7 : value < 100000000 ? 8 : value < 1000000000 ? 9 : 10;
}

/** Put an ASCII text (number text; others would be cut to their low byte). */
export function putAscii(bytes: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i);
  return at;
}

/** Put `String(value)`: digit by digit for integers 0 … 2^31 − 1, through the string otherwise. */
export function putInteger(bytes: Uint8Array, at: number, value: number): number {
  if (!(value >= 0 && value <= INT32_MAX && Number.isInteger(value))) return putAscii(bytes, at, String(value));
  return putPadded(bytes, at, value, decimalWidth(value));
}

/**
 * Put the last `width` decimal digits of an integer 0 … 2^31 − 1,
 * zero-padded on the left. Int32 arithmetic, so V8 divides by 10 with a
 * multiply (measured: double divisions made the trace CSV half again slower).
 */
export function putPadded(bytes: Uint8Array, at: number, value: number, width: number): number {
  let rest = value | 0;
  for (let i = at + width - 1; i >= at; i--) {
    const next = (rest / 10) | 0;
    bytes[i] = 48 + rest - next * 10; // '0' + digit
    rest = next;
  }
  return at + width;
}
