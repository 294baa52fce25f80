/**
 * Issue #17: the trace CSV is written as bytes into a reused buffer, with no
 * string per row or cell. Its bytes are those of the writer it replaced
 * (test/sim/traceCsvReference.ts, kept verbatim) for random traces of
 * awkward values, whole (traceToCsv), through a buffer spilling at any
 * capacity, and in a file appended in random chunks (TraceCsvFile).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AsciiBuffer } from '../../src/io/asciiBuffer.js';
import { type RandomStream, randomStream } from '../../src/random/streams.js';
import { INSULIN_PREPARATIONS } from '../../src/model/patientModel.js';
import { createTrace, type Trace, TRACE_CSV_HEADER, TraceCsvFile, traceToCsv, writeTraceCsvRows } from '../../src/sim/trace.js';
import { awkwardValue, referenceCsvRows } from './traceCsvReference.js';

const dir = mkdtempSync(join(tmpdir(), 'glucosim-trace-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Start times: mostly a whole minute of the day, some the odd ones `clock` must still print as it did. */
function startTime(random: RandomStream): number {
  const odd = [0, 1439, 7.5, -30, 1440 + 5, -1439.1234567890123, -1.2345678901234567e-300];
  return random.uniform() < 0.7 ? random.integerIn(1, 1439) : odd[random.integerIn(0, odd.length - 1)];
}

/** Each column all zero, sparse (like meals and boluses) or dense (like BG), of awkward values. */
function randomTrace(random: RandomStream, minutes: number): Trace {
  const trace = createTrace('p', minutes, startTime(random));
  const columns = [trace.bgMgDl, trace.cgmMgDl, trace.carbsEatenG, trace.carbsAnnouncedG, trace.carbsEstimatedG, trace.basalUPerMin, trace.bolusU];
  for (const column of [...columns, ...INSULIN_PREPARATIONS.map((p) => trace.injectionsU[p])]) {
    const density = [0, 0.02, 0.5, 1][random.integerIn(0, 3)];
    for (let m = 0; m < minutes; m++) if (random.uniform() < density) column[m] = awkwardValue(random);
  }
  return trace;
}

const reference = (trace: Trace) => `${TRACE_CSV_HEADER}\n${trace.minutes > 0 ? referenceCsvRows(trace, 0, trace.minutes) : ''}`;

/** The minutes 0 … minutes cut into chunks of 1 … `longest` minutes. */
function chunkEnds(random: RandomStream, minutes: number, longest: number): number[] {
  const ends: number[] = [];
  for (let end = 0; end < minutes; ) ends.push((end = Math.min(minutes, end + random.integerIn(1, longest))));
  return ends;
}

describe('trace CSV bytes', () => {
  it('traceToCsv, and rows spilled at any capacity in random chunks, are the reference bytes for 60 random traces', () => {
    const random = randomStream(17, 'traceCsv', 'rows');
    for (let t = 0; t < 60; t++) {
      const trace = randomTrace(random, random.integerIn(0, 3000));
      const expected = reference(trace);
      expect(traceToCsv(trace)).toBe(expected);

      const spilled: Buffer[] = [Buffer.from(`${TRACE_CSV_HEADER}\n`)];
      const out = new AsciiBuffer(random.integerIn(1, 2000), (bytes, length) => spilled.push(Buffer.from(bytes.subarray(0, length))));
      let from = 0;
      for (const to of chunkEnds(random, trace.minutes, 500)) {
        writeTraceCsvRows(out, trace, from, to);
        if (random.uniform() < 0.5) out.flush();
        from = to;
      }
      out.flush();
      expect(Buffer.concat(spilled).toString('latin1')).toBe(expected);
    }
  });

  it('writes the widest row there can be, each row in a buffer of just the room reserved for it', () => {
    const trace = createTrace('p', 3, -1.2345678901234567e-300); // clock `0-1:0-1.2345678901234568e-300`
    for (const column of [trace.bgMgDl, trace.cgmMgDl, trace.carbsEatenG, trace.carbsAnnouncedG, trace.carbsEstimatedG, trace.bolusU]) column.fill(-9.999999999999999e20);
    trace.basalUPerMin.fill(-9.999999999999999e20 / 60);
    for (const p of INSULIN_PREPARATIONS) trace.injectionsU[p].fill(-Number.MAX_VALUE);
    const rows: string[] = [];
    const out = new AsciiBuffer(1, (bytes, length) => rows.push(Buffer.from(bytes.subarray(0, length)).toString('latin1')));
    for (let m = 0; m < trace.minutes; m++) writeTraceCsvRows(out, trace, m, m + 1);
    out.flush();
    expect(rows.join('')).toBe(referenceCsvRows(trace, 0, trace.minutes));
    expect(rows[0]).toContain(',0-1:0-1.2345678901234568e-300,-999999999999999868928.000,'); // the longest clock and cell texts
  });

  it('a file appended in random chunks (with calls that add nothing) holds the reference bytes, 10 days and longer than its buffer', () => {
    const random = randomStream(17, 'traceCsv', 'file');
    for (let t = 0; t < 12; t++) {
      const trace = randomTrace(random, t < 2 ? 10 * 1440 : random.integerIn(0, 4000));
      const path = join(dir, `${t}.csv`);
      const file = new TraceCsvFile(path);
      for (const to of chunkEnds(random, trace.minutes, t < 2 ? 3 * 1440 : 700)) {
        file.append(trace, to);
        if (random.uniform() < 0.2) file.append(trace, random.integerIn(0, to)); // already written: nothing
      }
      file.close();
      const bytes = readFileSync(path);
      expect(bytes.equals(Buffer.from(reference(trace), 'latin1'))).toBe(true);
      expect(bytes.toString('latin1')).toBe(traceToCsv(trace));
    }
  });
});
