/**
 * TraceCsvFile's writes when the disk gives less than asked: a short write
 * goes on until all is written, and a full disk's ENOSPC names the file,
 * keeping its code (src/sim/trace.ts, writeAll). `writeSync` is wrapped to
 * play the disk.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type * as Fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createTrace, TRACE_CSV_HEADER, TraceCsvFile, traceToCsv } from '../../src/sim/trace.js';

/** What the wrapped writeSync does with a buffer write: at most `chunk` bytes, or fail once `failAfter` bytes went through. */
const disk = vi.hoisted(() => ({ chunk: Infinity, failAfter: Infinity, written: 0, calls: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof Fs>();
  const writeSync = (fd: number, data: string | Uint8Array, offset?: number, length?: number): number => {
    if (typeof data === 'string') return fs.writeSync(fd, data); // the header
    disk.calls++;
    const asked = Math.min(length ?? data.length - (offset ?? 0), disk.chunk);
    if (disk.written + asked > disk.failAfter) {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    }
    disk.written += asked;
    return fs.writeSync(fd, data, offset, asked);
  };
  return { ...fs, writeSync, default: { ...fs, writeSync } };
});

const dir = mkdtempSync(join(tmpdir(), 'glucosim-trace-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => Object.assign(disk, { chunk: Infinity, failAfter: Infinity, written: 0, calls: 0 }));

function sampleTrace(minutes: number) {
  const trace = createTrace('p', minutes, 390);
  for (let m = 0; m < minutes; m++) {
    trace.bgMgDl[m] = 100 + (m % 97) / 7;
    trace.basalUPerMin[m] = 0.0125;
  }
  return trace;
}

describe('TraceCsvFile on a disk that gives less than asked', () => {
  it('goes on after short writes (97 bytes at a time) until every byte is written', () => {
    const trace = sampleTrace(3 * 1440);
    disk.chunk = 97;
    const file = new TraceCsvFile(join(dir, 'short.csv'));
    file.append(trace, 1000);
    file.append(trace, trace.minutes);
    file.close();
    const text = readFileSync(join(dir, 'short.csv'), 'latin1');
    expect(text).toBe(traceToCsv(trace));
    expect(disk.calls).toBeGreaterThanOrEqual(Math.ceil((text.length - TRACE_CSV_HEADER.length - 1) / 97)); // it really came 97 bytes a write
  });

  it('names the file in a full disk’s ENOSPC, keeping its code, and can still be closed (twice)', () => {
    const trace = sampleTrace(2 * 1440);
    disk.failAfter = 100_000; // the first 64 KiB spill goes through, the second fails
    const path = join(dir, 'full.csv');
    const file = new TraceCsvFile(path);
    let caught: NodeJS.ErrnoException | undefined;
    try {
      file.append(trace, trace.minutes);
    } catch (err) {
      caught = err as NodeJS.ErrnoException;
    }
    expect(caught?.code).toBe('ENOSPC');
    expect(caught?.message).toBe(`${path}: ENOSPC: no space left on device, write`);
    file.close();
    file.close();
  });
});
