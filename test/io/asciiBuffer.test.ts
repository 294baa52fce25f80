/**
 * AsciiBuffer hands everything written to its spill, in order, never holding
 * more than its capacity unless one record needs more; without a spill it
 * keeps the whole text.
 */
import { describe, expect, it } from 'vitest';
import { AsciiBuffer, putAscii } from '../../src/io/asciiBuffer.js';
import { randomStream } from '../../src/random/streams.js';

/** Write `records` through `out`, reserving each record's length first, as the trace writer does. */
function writeRecords(out: AsciiBuffer, records: readonly string[]): void {
  for (const record of records) {
    out.reserve(record.length);
    out.length = putAscii(out.bytes, out.length, record);
  }
}

describe('AsciiBuffer', () => {
  it('spills every byte in order, the records of random lengths, at capacities from 1 byte', () => {
    const random = randomStream(17, 'asciiBuffer', 'spill');
    for (const capacity of [1, 2, 7, 64, 1000]) {
      const records = Array.from({ length: 300 }, (_, i) => `${i}:`.padEnd(random.integerIn(0, 40), 'abc'));
      const spilled: string[] = [];
      let largest = 0;
      const out = new AsciiBuffer(capacity, (bytes, length) => {
        largest = Math.max(largest, length);
        spilled.push(Buffer.from(bytes.subarray(0, length)).toString('latin1'));
      });
      writeRecords(out, records);
      out.flush();
      out.flush(); // nothing held: no empty spill
      expect(spilled.join('')).toBe(records.join(''));
      expect(spilled.every((s) => s.length > 0)).toBe(true);
      // Held at most the capacity, or one record beyond it.
      expect(largest).toBeLessThanOrEqual(Math.max(capacity, ...records.map((r) => r.length)));
    }
  });

  it('without a spill, grows and keeps the whole text', () => {
    const records = Array.from({ length: 500 }, (_, i) => `row ${i}\n`);
    const out = new AsciiBuffer(3);
    writeRecords(out, records);
    expect(out.text()).toBe(records.join(''));
  });

  it('empties itself before a spill that throws, so nothing is sent twice', () => {
    const sent: string[] = [];
    let fail = true;
    const out = new AsciiBuffer(8, (bytes, length) => {
      if (fail) throw new Error('disk full');
      sent.push(Buffer.from(bytes.subarray(0, length)).toString('latin1'));
    });
    writeRecords(out, ['12345']);
    expect(() => writeRecords(out, ['6789'])).toThrow('disk full');
    fail = false;
    writeRecords(out, ['ab']);
    out.flush();
    expect(sent).toEqual(['ab']);
  });
});
