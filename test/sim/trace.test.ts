/**
 * The trace file written day by day while a patient is simulated
 * (TraceCsvFile) has the bytes of the whole trace's CSV, and a trace costs
 * 88 bytes per simulated minute (the figure the README and
 * docs/architecture.md §4 give for a worker's memory).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPopulation } from '../../src/cohort/population.js';
import { findPatient } from '../../src/cohort/selection.js';
import { loadScenario } from '../../src/scenario/load.js';
import { MINUTES_PER_DAY } from '../../src/sim/closedLoop.js';
import { runPatient } from '../../src/sim/patientRun.js';
import { createTrace, TraceCsvFile, traceBuffers, traceToCsv } from '../../src/sim/trace.js';

const dir = mkdtempSync(join(tmpdir(), 'glucosim-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('trace', () => {
  it('written day by day as the patient is simulated, the file is byte for byte traceToCsv of the whole trace', async () => {
    const scenario = { ...loadScenario(join(__dirname, '..', '..', 'scenarios', 'randomised-10day.json')), days: 3 };
    const patient = findPatient(loadPopulation('uva-padova-s2008', 'test'), 'adolescent#001', 'test');
    const file = new TraceCsvFile(join(dir, 'adolescent#001.csv'));
    const appended: number[] = [];
    const trace = await runPatient(scenario, patient, 5, (day, partial) => {
      file.append(partial, day * MINUTES_PER_DAY);
      appended.push(day);
    });
    file.append(trace, trace.minutes); // nothing left: the last day was appended
    file.close();
    file.close(); // closing twice is harmless
    expect(appended).toEqual([1, 2, 3]);
    const text = readFileSync(join(dir, 'adolescent#001.csv'), 'utf8');
    expect(text).toBe(traceToCsv(trace));
    expect(text.split('\n')).toHaveLength(3 * MINUTES_PER_DAY + 2); // header, one row a minute, final newline
    expect(() => file.append(trace, trace.minutes + 1)).toThrow('trace file already closed');
  });

  it('refuses to write over an existing file', () => {
    new TraceCsvFile(join(dir, 'once.csv')).close();
    expect(() => new TraceCsvFile(join(dir, 'once.csv'))).toThrow(/EEXIST/);
  });

  it('holds 88 bytes per simulated minute: 11 columns of doubles', () => {
    const minutes = 3 * MINUTES_PER_DAY;
    const bytes = traceBuffers(createTrace('x', minutes, 0)).reduce((sum, b) => sum + b.byteLength, 0);
    expect(bytes / minutes).toBe(88);
  });
});
