/**
 * Jobs on this thread and in workers run the same job runner: the same
 * summaries, parts and trace bytes either way, and the same one-line
 * failures; small runs stay on this thread by default.
 */
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/io/paths.js';
import { lastDaysWindow } from '../../src/report/patientAnalysis.js';
import { partMakerModule, type PartRecipe } from '../../src/report/studyParts.js';
import { parseScenario } from '../../src/scenario/load.js';
import { IN_THREAD_MAX_PATIENT_DAYS, runJobs, runsInThread } from '../../src/sim/cohortRun.js';
import { makeTempDir, removeTempDirs } from '../cli/helpers.js';

const dir = makeTempDir('job-runner');
afterAll(removeTempDirs);

const scenarioFile = join(PROJECT_ROOT, 'scenarios', 'randomised-10day.json');
const scenario = parseScenario({ ...JSON.parse(readFileSync(scenarioFile, 'utf8')), days: 2 }, scenarioFile);
const patients = ['adult#001', 'adolescent#003', 'child#002'];
const jobs = patients.map((patient, k) => ({ scenario: 0, patient, seed: 5 + k }));
const recipe: PartRecipe = { kind: 'run', window: lastDaysWindow(2, 1), phases: [] };

function tracesOf(folder: string): Record<string, string> {
  return Object.fromEntries(readdirSync(folder).map((f) => [f, readFileSync(join(folder, f), 'utf8')]));
}

describe('jobs on this thread and in workers', () => {
  it('give the same summaries, parts and trace files', async () => {
    const results = [];
    for (const inThread of [true, false]) {
      const tracesDir = join(dir, inThread ? 'here' : 'workers');
      mkdirSync(tracesDir);
      const days: number[] = [];
      const run = await runJobs({
        scenarios: [scenario],
        jobs,
        workers: 2,
        tracesDir,
        inThread,
        analysis: { module: partMakerModule(), recipe },
        onProgress: (p) => days.push(p.patientDaysDone),
      });
      expect(days.at(-1)).toBe(patients.length * scenario.days);
      results.push({ run, traces: tracesOf(tracesDir) });
    }
    const [here, workers] = results;
    expect(here.run.map((r) => r.summary.patient)).toEqual(patients);
    // Structured clone keeps every double: the parts are equal to the last bit.
    expect(here.run).toEqual(workers.run);
    expect(here.run[0].part).toMatchObject({ summary: here.run[0].summary, phases: [], tables: [] });
    expect(Object.keys(here.traces).sort()).toEqual(patients.map((p) => `${p}.csv`).sort());
    expect(here.traces).toEqual(workers.traces);
  });

  it('fail with the same one line naming the patient and the run', async () => {
    const bad = [{ scenario: 0, patient: 'adult#999', seed: 1, label: 'arm A, seed 1' }];
    const messages = [];
    for (const inThread of [true, false]) {
      const failed = await runJobs({ scenarios: [scenario], jobs: bad, workers: 1, inThread }).catch((err: Error) => err);
      expect(failed).toBeInstanceOf(Error);
      messages.push([(failed as Error).name, (failed as Error).message]);
    }
    expect(messages[0]).toEqual(['PatientRunError', "patient adult#999 (arm A, seed 1): unknown patient 'adult#999'"]);
    expect(messages[1]).toEqual(messages[0]);
  });

  it('on this thread, a stop from outside ends the run with its reason', async () => {
    const stop = new AbortController();
    const run = runJobs({ scenarios: [scenario], jobs, workers: 1, inThread: true, signal: stop.signal, onProgress: () => stop.abort(new Error('stopped by the user')) });
    await expect(run).rejects.toThrow('stopped by the user');
  });

  it('stay on this thread only when small, with built-in controllers, one at a time', () => {
    const days = (d: number) => [{ ...scenario, days: d }];
    const one = [{ scenario: 0, patient: 'adult#001', seed: 1 }];
    expect(runsInThread({ scenarios: days(IN_THREAD_MAX_PATIENT_DAYS), jobs: one, workers: 2 })).toBe(true);
    expect(runsInThread({ scenarios: days(IN_THREAD_MAX_PATIENT_DAYS + 1), jobs: one, workers: 2 })).toBe(false);
    expect(runsInThread({ scenarios: days(1), jobs: one, workers: 2, concurrencyPerWorker: 2 })).toBe(false);
    expect(runsInThread({ scenarios: days(1), jobs: one, workers: 2, controllerModules: ['file:///x.mjs'] })).toBe(false);
    expect(runsInThread({ scenarios: days(100), jobs: one, workers: 2, inThread: true })).toBe(true);
    // Controllers that leave network sessions or timers behind run where ending the thread closes them.
    const withController = (controller: Partial<typeof scenario.controller>) => [{ ...scenario, days: 1, controller: { ...scenario.controller, ...controller } }];
    expect(runsInThread({ scenarios: withController({ latencyMs: 5 }), jobs: one, workers: 2 })).toBe(false);
    expect(runsInThread({ scenarios: withController({ name: 'secure-q' }), jobs: one, workers: 2 })).toBe(false);
  });

  it('a part maker that cannot be loaded fails the run in one line naming a patient, either way', async () => {
    const analysis = { module: 'file:///nowhere/studyParts.js', recipe };
    for (const inThread of [true, false]) {
      const failed = await runJobs({ scenarios: [scenario], jobs, workers: 1, inThread, analysis }).catch((err: Error) => err);
      expect((failed as Error).name).toBe('PatientRunError');
      expect((failed as Error).message).toMatch(/^patient adult#001: Cannot find module '(file:\/\/)?\/nowhere\/studyParts\.js' imported from /);
    }
  });
});
