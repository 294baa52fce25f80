/**
 * One simulation job (scenario, patient, seed) from start to result: the
 * patient looked up, the closed loop run, its trace CSV written day by day,
 * its summary and, when the study asks, its part (what the results keep of
 * it) made from the trace. The same code runs in a worker thread and, for a
 * run too small to pay for a worker, on the calling thread, so both give the
 * same bytes.
 */
import { join } from 'node:path';
import { loadPopulation, type PopulationMember } from '../cohort/population.js';
import { BUILT_IN_CONTROLLERS, type ControllerRegistry, loadControllerModules } from '../control/registry.js';
import { isFileSystemRefusal } from '../io/errors.js';
import type { Scenario } from '../scenario/types.js';
import { MINUTES_PER_DAY, ModelIntegrationError } from './closedLoop.js';
import { runPatient } from './patientRun.js';
import { summariseTrace, type Trace, TraceCsvFile, type TraceSummary } from './trace.js';
import type { PatientResult, SimulationJob, WorkerSetup } from './workerProtocol.js';

/**
 * What a study keeps of one finished job, made where the trace is (in the
 * worker that simulated it): the trace need not cross threads, and the
 * analysis runs on the cores that simulate, not on a main thread that
 * would compete with them.
 */
export type PartMaker = (job: SimulationJob, summary: TraceSummary, trace: Trace) => unknown;

/**
 * A module that makes parts, loaded by URL in every worker (the sim stage
 * cannot import the report stage that analyses traces). It exports
 * `createPartMaker(recipe, context)`; the recipe is plain data, copied to
 * each worker.
 */
export interface PartMakerModule {
  createPartMaker(recipe: unknown, context: PartMakerContext): PartMaker;
}

export interface PartMakerContext {
  readonly scenarios: readonly Scenario[];
  readonly registry: ControllerRegistry;
}

/** Everything a thread needs to run jobs: loaded once per thread, then reused for every job. */
export interface JobRunner {
  run(spec: SimulationJob, signal: AbortSignal, onDay: (day: number) => void): Promise<PatientResult>;
}

/** A job that failed: its patient, one line, and whether the user can fix it. */
export class JobFailure extends Error {
  constructor(
    readonly patient: string,
    message: string,
    readonly userFixable: boolean,
  ) {
    super(message);
    this.name = 'JobFailure';
  }

  /** Any error of a job as its one line; the user's to fix when the model could not be integrated or a file could not be read or written. */
  static of(patient: string, err: unknown): JobFailure {
    return new JobFailure(patient, err instanceof Error ? err.message : String(err), err instanceof ModelIntegrationError || isFileSystemRefusal(err));
  }
}

export async function createJobRunner(setup: WorkerSetup): Promise<JobRunner> {
  const registry = setup.controllerModules?.length ? BUILT_IN_CONTROLLERS.with(await loadControllerModules(setup.controllerModules)) : BUILT_IN_CONTROLLERS;
  let makePart: PartMaker | undefined;
  if (setup.analysis) {
    const module = (await import(setup.analysis.module)) as Partial<PartMakerModule>;
    if (typeof module.createPartMaker !== 'function') throw new Error(`${setup.analysis.module}: exports no createPartMaker`);
    makePart = module.createPartMaker(setup.analysis.recipe, { scenarios: setup.scenarios, registry });
  }
  /** Populations by name, loaded once each. */
  const populations = new Map<string, Map<string, PopulationMember>>();
  const member = (population: string, file: string, name: string): PopulationMember | undefined => {
    let members = populations.get(population);
    if (!members) {
      members = new Map(loadPopulation(population, file).map((p) => [p.name, p]));
      populations.set(population, members);
    }
    return members.get(name);
  };

  return {
    async run(spec, signal, onDay) {
      let csv: TraceCsvFile | undefined;
      try {
        const scenario = setup.scenarios[spec.scenario];
        const patient = member(scenario.patients, scenario.file, spec.patient);
        if (!patient) throw new Error(`unknown patient '${spec.patient}'`);
        // The main thread loaded these scenarios, checking each controller's options against its schema.
        const options = { registry, signal, optionsValidated: true };
        // The trace file grows day by day as the patient is simulated (bounded memory for long runs).
        csv = setup.tracesDir ? new TraceCsvFile(join(setup.tracesDir, `${patient.name}.csv`)) : undefined;
        const trace = await runPatient(
          scenario,
          patient,
          spec.seed,
          (day, partial) => {
            csv?.append(partial, day * MINUTES_PER_DAY);
            onDay(day);
          },
          options,
        );
        csv?.append(trace, trace.minutes);
        csv?.close();
        const summary = summariseTrace(trace);
        if (makePart) return { summary, part: makePart(spec, summary, trace) };
        return setup.returnTraces ? { summary, trace } : { summary };
      } catch (err) {
        throw JobFailure.of(spec.patient, err);
      } finally {
        csv?.close();
      }
    },
  };
}
