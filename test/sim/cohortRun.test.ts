/**
 * The pool of worker threads with controllers that behave as networked ones
 * can: several patients per worker, a controller that leaves a socket open,
 * one patient failing while others are mid-run. The controllers come from a
 * module outside glucosim (JobRunOptions.controllerModules), as an embedding
 * application would register its own.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT_IN_CONTROLLERS, loadControllerModules } from '../../src/control/registry.js';
import { PROJECT_ROOT } from '../../src/io/paths.js';
import { parseScenario } from '../../src/scenario/load.js';
import { runJobs } from '../../src/sim/cohortRun.js';
import { makeTempDir, removeTempDirs } from '../cli/helpers.js';

const dir = makeTempDir('pool');
afterAll(removeTempDirs);
const moduleFile = join(dir, 'test-controllers.mjs');
// Plain JavaScript, as a worker imports it: basal only, the patient's own rate.
writeFileSync(
  moduleFile,
  `import { createServer } from 'node:net';
import { appendFileSync } from 'node:fs';
const schema = { type: 'object', additionalProperties: false, properties: { failPatient: { type: 'string' }, marks: { type: 'string' } } };
const basalOnly = (context, extra = {}) => ({
  decide: () => ({ basalUPerMin: context.therapy.basalRateUPerMin, bolusU: 0 }),
  ...extra,
});
export const controllerEntries = [
  {
    name: 'leaves-socket-open',
    description: 'basal only; opens a listening socket at start and never closes it',
    optionsSchema: schema,
    parseOptions: (options) => ({ ...options }),
    create: (options, context) => basalOnly(context, { start: () => new Promise((resolve) => createServer().listen(0, '127.0.0.1', resolve)) }),
    examples: [],
  },
  {
    name: 'fails-for-one',
    description: 'basal only, answering after a real timer; fails for one patient at minute 100; notes every close',
    optionsSchema: schema,
    parseOptions: (options) => ({ ...options }),
    create: (options, context) =>
      basalOnly(context, {
        decide: (obs) => {
          if (context.therapy.patient === options.failPatient && obs.timeMin >= 100) throw new Error('planned failure');
          return new Promise((resolve) => setTimeout(() => resolve({ basalUPerMin: context.therapy.basalRateUPerMin, bolusU: 0 }), 1));
        },
        close: () => appendFileSync(options.marks, context.therapy.patient + '\\n'),
      }),
    examples: [],
  },
  {
    name: 'crashes-its-worker',
    description: 'basal only, answering after a real timer; leaves a rejected promise unhandled at minute 100 (as a socket error without a listener would)',
    optionsSchema: schema,
    parseOptions: (options) => ({ ...options }),
    create: (options, context) =>
      basalOnly(context, {
        decide: (obs) => {
          if (obs.timeMin === 100) Promise.reject(new Error('socket reset in background'));
          return new Promise((resolve) => setTimeout(() => resolve({ basalUPerMin: context.therapy.basalRateUPerMin, bolusU: 0 }), 1));
        },
      }),
    examples: [],
  },
];
`,
);
const moduleUrl = pathToFileURL(moduleFile).href;

async function scenarioWith(controller: Record<string, unknown>) {
  const registry = BUILT_IN_CONTROLLERS.with(await loadControllerModules([moduleUrl]));
  const json = JSON.parse(readFileSync(join(PROJECT_ROOT, 'scenarios', 'randomised-10day.json'), 'utf8'));
  return parseScenario({ ...json, days: 1, controller }, 'pool.json', registry);
}

const patients = ['adult#001', 'adult#002', 'adolescent#001', 'child#001'];

describe('worker pool with asynchronous controllers', () => {
  it('ends a worker whose controller left a socket open, once its patients are done', async () => {
    const scenario = await scenarioWith({ name: 'leaves-socket-open' });
    const results = await runJobs({
      scenarios: [scenario],
      jobs: patients.map((patient) => ({ scenario: 0, patient, seed: 1 })),
      workers: 1,
      concurrencyPerWorker: 2,
      controllerModules: [moduleUrl],
    });
    expect(results.map((r) => r.summary.patient)).toEqual(patients);
  });

  it('one patient failing fails the run with its error; the others running are aborted and closed', async () => {
    const marks = join(dir, 'closed.txt');
    const scenario = await scenarioWith({ name: 'fails-for-one', options: { failPatient: 'adult#002', marks } });
    const run = runJobs({
      scenarios: [scenario],
      jobs: patients.map((patient) => ({ scenario: 0, patient, seed: 1 })),
      workers: 1,
      concurrencyPerWorker: 4,
      controllerModules: [moduleUrl],
    });
    await expect(run).rejects.toThrow(/patient adult#002: planned failure/);
    // All four were running at once in the one worker: each controller was closed.
    expect(readFileSync(marks, 'utf8').trim().split('\n').sort()).toEqual([...patients].sort());
  });

  it('a controller that crashes its worker fails the run promptly, naming a patient and the reason', async () => {
    const scenario = await scenarioWith({ name: 'crashes-its-worker' });
    const started = performance.now();
    const run = runJobs({
      scenarios: [scenario],
      jobs: patients.map((patient) => ({ scenario: 0, patient, seed: 1, label: `seed 1` })),
      workers: 1,
      concurrencyPerWorker: 4,
      controllerModules: [moduleUrl],
    });
    await expect(run).rejects.toThrow(/^patient adult#001 \(seed 1\): its worker stopped: socket reset in background \(also running: adult#002, adolescent#001, child#001\)$/);
    expect(performance.now() - started).toBeLessThan(4_000);
  });

  it('runs several patients at once in one worker with the same results as one at a time', async () => {
    const scenario = await scenarioWith({ name: 'fails-for-one', options: { failPatient: 'nobody', marks: join(dir, 'ok.txt') } });
    const jobs = patients.map((patient) => ({ scenario: 0, patient, seed: 3 }));
    const tracesA = join(dir, 'a');
    const tracesB = join(dir, 'b');
    for (const d of [tracesA, tracesB]) mkdirSync(d);
    await runJobs({ scenarios: [scenario], jobs, workers: 1, concurrencyPerWorker: 1, controllerModules: [moduleUrl], tracesDir: tracesA });
    await runJobs({ scenarios: [scenario], jobs, workers: 1, concurrencyPerWorker: 4, controllerModules: [moduleUrl], tracesDir: tracesB });
    expect(readdirSync(tracesB).sort()).toEqual(readdirSync(tracesA).sort());
    for (const f of readdirSync(tracesA)) expect(readFileSync(join(tracesB, f), 'utf8')).toBe(readFileSync(join(tracesA, f), 'utf8'));
  });
});
