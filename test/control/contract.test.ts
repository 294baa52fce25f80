/**
 * The controller contract (docs/architecture.md), checked on every
 * registered controller: every example option set of every registry entry
 * runs on each patient model it names (T1D: an S2008 adult; T2DM: a subject
 * of the generated cohort) with the delivery it names (pump with a CGM, pen
 * with a meter), through the real run path (scenario → patient run setup →
 * closed loop). A new controller is covered by registering it with examples:
 * nothing here names a controller.
 */
import { describe, expect, it } from 'vitest';
import { loadPopulation, type PopulationMember } from '../../src/cohort/population.js';
import { BUILT_IN_CONTROLLERS, type AnyControllerEntry } from '../../src/control/registry.js';
import { type Controller, type ControllerContext, type ControllerExample, type Delivery, type InsulinRequest, type Observation, type PatientType, WALL_CLOCK_SERIES_PREFIX } from '../../src/control/types.js';
import { InputError } from '../../src/io/errors.js';
import type { JsonSchema } from '../../src/io/schema.js';
import { INSULIN_PREPARATIONS } from '../../src/model/patientModel.js';
import { parseScenario } from '../../src/scenario/load.js';
import { ControllerDeadlineError, type ControllerFactory, runClosedLoop } from '../../src/sim/closedLoop.js';
import { patientRunSetup } from '../../src/sim/patientRun.js';
import { traceToCsv, type Trace } from '../../src/sim/trace.js';

const FILE = 'contract.json';

/** A controller log without its wall-clock series (WALL_CLOCK_SERIES_PREFIX). */
function deterministicSeries(log: Readonly<Record<string, readonly number[]>> | undefined): Record<string, readonly number[]> | undefined {
  return log && Object.fromEntries(Object.entries(log).filter(([name]) => !name.startsWith(WALL_CLOCK_SERIES_PREFIX)));
}
const PATIENT: Record<PatientType, { population: string; member: PopulationMember }> = {
  t1d: { population: 'uva-padova-s2008', member: loadPopulation('uva-padova-s2008', FILE).find((p) => p.name === 'adult#001')! },
  t2dm: { population: 't2dm-100', member: loadPopulation('t2dm-100', FILE)[0]! },
};
const DAYS = 2;
const CONTROL_PERIOD_MIN = 5;

/** Two days of three announced meals (off the 5-min control grid), some misestimated, with the example's delivery. */
function scenarioFor(entry: AnyControllerEntry, example: ControllerExample, patients: PatientType) {
  return parseScenario(
    {
      name: `contract-${entry.name}`,
      days: DAYS,
      startTime: '06:00',
      controlPeriodMin: CONTROL_PERIOD_MIN,
      seed: 11,
      patients: PATIENT[patients].population,
      sensor: example.delivery === 'pump' ? { model: 'Dexcom' } : { model: 'smbg', timesOfDay: ['07:00', '12:00', '16:00', '19:00', '22:00'] },
      ...(example.delivery === 'pump' ? { pump: { model: 'Insulet' } } : { pen: { model: 'half-unit' } }),
      controller: { name: entry.name, options: example.options },
      meals: {
        list: [
          { day: 1, time: '08:02', carbsG: 50, estimatedCarbsG: 40 },
          { day: 1, time: '12:33', carbsG: 70 },
          { day: 1, time: '19:11', carbsG: 80, estimatedCarbsG: 100 },
          { day: 2, time: '08:17', carbsG: 45 },
          { day: 2, time: '13:04', carbsG: 60, estimatedCarbsG: 30 },
          { day: 2, time: '19:28', carbsG: 75 },
        ],
        durationMin: 15,
        announceLeadMin: 30,
      },
    },
    FILE,
  );
}

interface CallLog {
  readonly calls: string[];
  readonly observations: Observation[];
  readonly requests: { readonly timeMin: number; readonly request: InsulinRequest }[];
  readonly deliveries: Delivery[];
  readonly problems: string[];
  signal?: AbortSignal;
}

interface Mode {
  /** Every call answers as a promise, after a turn of the event loop. */
  readonly async?: boolean;
  /** decide throws from this minute on. */
  readonly throwAtMin?: number;
  /** decide never answers from this minute on. */
  readonly hangAtMin?: number;
}

const newLog = (): CallLog => ({ calls: [], observations: [], requests: [], deliveries: [], problems: [] });
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function checkRequest(request: InsulinRequest, timeMin: number, problems: string[]): void {
  const bad = (what: string, v: unknown) => problems.push(`minute ${timeMin}: ${what} = ${String(v)}`);
  if (!(Number.isFinite(request.basalUPerMin) && request.basalUPerMin >= 0)) bad('basalUPerMin', request.basalUPerMin);
  if (!(Number.isFinite(request.bolusU) && request.bolusU >= 0)) bad('bolusU', request.bolusU);
  for (const injection of request.injections ?? []) {
    if (!(Number.isFinite(injection.units) && injection.units >= 0)) bad(`injection ${injection.preparation}`, injection.units);
    if (!INSULIN_PREPARATIONS.includes(injection.preparation)) bad('preparation', injection.preparation);
  }
}

/** `inner` with every call logged and checked, optionally asynchronous, failing or hanging. */
function instrument(inner: Controller, log: CallLog, mode: Mode): Controller {
  const answer = <T>(value: T | Promise<T>): T | Promise<T> => (mode.async ? nextTurn().then(() => value) : value);
  return {
    start(context: ControllerContext) {
      log.calls.push('start');
      log.signal = context.signal;
      return answer(inner.start?.(context));
    },
    decide(observation: Observation) {
      log.calls.push('decide');
      log.observations.push(observation);
      if (mode.throwAtMin !== undefined && observation.timeMin >= mode.throwAtMin) throw new Error('contract: planned failure');
      if (mode.hangAtMin !== undefined && observation.timeMin >= mode.hangAtMin) return new Promise<InsulinRequest>(() => {});
      const settle = (request: InsulinRequest) => {
        checkRequest(request, observation.timeMin, log.problems);
        log.requests.push({ timeMin: observation.timeMin, request });
        return request;
      };
      const decision = inner.decide(observation);
      return answer(decision instanceof Promise ? decision.then(settle) : settle(decision));
    },
    delivered(delivery: Delivery) {
      log.calls.push('delivered');
      log.deliveries.push(delivery);
      return answer(inner.delivered?.(delivery));
    },
    endOfDay(record) {
      log.calls.push('endOfDay');
      return answer(inner.endOfDay?.(record));
    },
    dailyLog: () => inner.dailyLog?.() ?? {},
    close() {
      log.calls.push('close');
      return answer(inner.close?.());
    },
  };
}

/** One run of the example on the patient, with the controller instrumented. */
function run(entry: AnyControllerEntry, example: ControllerExample, patients: PatientType, mode: Mode = {}, timeoutMs?: number): { log: CallLog; result: Promise<Trace> } {
  const scenario = scenarioFor(entry, example, patients);
  const setup = patientRunSetup(scenario, PATIENT[patients].member, scenario.seed);
  const create = setup.controller as ControllerFactory;
  const log = newLog();
  const controller: ControllerFactory = (context) => {
    const made = create(context);
    return made instanceof Promise ? made.then((c) => instrument(c, log, mode)) : instrument(made, log, mode);
  };
  return { log, result: runClosedLoop({ ...setup, controller, timeoutMs: timeoutMs ?? setup.timeoutMs }) };
}

// ---- options ----------------------------------------------------------------

type Json = Record<string, unknown>;

/** Option sets just outside the schema's bounds, each with the field it breaks (walking the example's values into arrays and objects). */
function outOfRange(schema: JsonSchema, value: unknown, path: string): { path: string; value: unknown }[] {
  const out: { path: string; value: unknown }[] = [];
  if (Array.isArray(schema.enum)) out.push({ path, value: 'not-one-of-the-choices' });
  const type = schema.type;
  if (type === 'number' || type === 'integer') {
    out.push({ path, value: 'not a number' });
    if (typeof schema.minimum === 'number') out.push({ path, value: schema.minimum - 1 });
    if (typeof schema.exclusiveMinimum === 'number') out.push({ path, value: schema.exclusiveMinimum });
    if (typeof schema.maximum === 'number') out.push({ path, value: schema.maximum + 1 });
    if (typeof schema.exclusiveMaximum === 'number') out.push({ path, value: schema.exclusiveMaximum });
    if (type === 'integer') out.push({ path, value: 0.5 });
  }
  if (type === 'boolean') out.push({ path, value: 'yes' });
  // A choice of shapes (e.g. `false` or an object): walk the branch that is an object when the example gives one.
  if (Array.isArray(schema.oneOf) && value !== null && typeof value === 'object') {
    const branch = (schema.oneOf as JsonSchema[]).find((b) => b.type === 'object');
    if (branch) out.push(...outOfRange(branch, value, path));
  }
  if (type === 'object' && schema.properties) {
    for (const [key, sub] of Object.entries(schema.properties as Record<string, JsonSchema>)) {
      const child = path === '' ? key : `${path}.${key}`;
      const given = (value as Json | undefined)?.[key];
      if (given !== undefined || sub.type !== 'object') out.push(...outOfRange(sub, given, child).filter((m) => given !== undefined || !m.path.includes('[')));
    }
  }
  if (type === 'array' && schema.items && Array.isArray(value) && value.length > 0) out.push(...outOfRange(schema.items as JsonSchema, value[0], `${path}[0]`));
  return out;
}

/** A deep copy of `options` with `value` at `path` (`doses[0].units`). */
function setAt(options: Readonly<Json>, path: string, value: unknown): Json {
  const copy = structuredClone(options) as Json;
  const keys = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let node: Json = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Json;
  node[keys[keys.length - 1]!] = value;
  return copy;
}

function refusal(parse: () => unknown): InputError | undefined {
  try {
    parse();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  return undefined;
}

// ---- the contract -------------------------------------------------------------

const entries = BUILT_IN_CONTROLLERS.entries;

describe('controller registry', () => {
  it('every entry has a name, a description, an options schema and at least one example', () => {
    expect(entries.length).toBeGreaterThanOrEqual(3);
    for (const entry of entries) {
      expect(entry.description.length, entry.name).toBeGreaterThan(20);
      expect(entry.optionsSchema.type, entry.name).toBe('object');
      expect(entry.optionsSchema.additionalProperties, `${entry.name}: options schema must be closed`).toBe(false);
      expect(entry.examples.length, entry.name).toBeGreaterThan(0);
      // Descriptions cite papers, not internal handles.
      expect(entry.description, entry.name).not.toMatch(/seed \d{3}/i);
    }
  });

  it("checks options against the entry's own schema, whatever its parseOptions does", () => {
    const loose: AnyControllerEntry = {
      name: 'loose',
      description: 'accepts anything in parseOptions',
      optionsSchema: { type: 'object', additionalProperties: false, properties: { gain: { type: 'number', minimum: 0 } } },
      parseOptions: (options) => options,
      create: () => ({ decide: () => ({ basalUPerMin: 0, bolusU: 0 }) }),
      examples: [],
    };
    const registry = BUILT_IN_CONTROLLERS.with([loose]);
    const source = { file: FILE, field: 'arms[1].controller.options' };
    expect(registry.parseOptions('loose', { gain: 2 }, source)).toEqual({ gain: 2 });
    expect(refusal(() => registry.parseOptions('loose', { gain: -1 }, source))?.message).toBe(`${FILE}: arms[1].controller.options.gain: must be ≥ 0 (got -1)`);
    expect(refusal(() => registry.parseOptions('loose', { bogus: 1 }, source))?.field).toBe('arms[1].controller.options.bogus');
    expect(() => BUILT_IN_CONTROLLERS.with([standardTherapyEntryLike()])).toThrow(/registered twice/);
  });
});

/** An entry named like a built-in one. */
function standardTherapyEntryLike(): AnyControllerEntry {
  return { ...BUILT_IN_CONTROLLERS.get('standard-therapy', FILE) };
}

for (const entry of entries) {
  describe(`controller '${entry.name}'`, () => {
    // Through the registry, as scenario and experiment files are read.
    const parse = (options: Readonly<Record<string, unknown>>) => BUILT_IN_CONTROLLERS.parseOptions(entry.name, options, { file: FILE, field: 'controller.options' });

    it('every example passes its own schema', () => {
      for (const example of entry.examples) expect(() => parse(example.options), example.title).not.toThrow();
    });

    it('refuses an unknown option and every out-of-range option, naming the file and the field', () => {
      const unknown = refusal(() => parse({ ...entry.examples[0]!.options, notAnOption: 1 }));
      expect(unknown?.file).toBe(FILE);
      expect(unknown?.field).toBe('controller.options.notAnOption');
      let checked = 0;
      for (const example of entry.examples) {
        for (const bad of outOfRange(entry.optionsSchema, example.options, '')) {
          const error = refusal(() => parse(setAt(example.options, bad.path, bad.value)));
          expect(error, `${example.title}: ${bad.path} = ${JSON.stringify(bad.value)} accepted`).toBeInstanceOf(InputError);
          expect(error!.field, `${bad.path} = ${JSON.stringify(bad.value)}`).toBe(`controller.options.${bad.path}`);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(0);
    });

    for (const example of entry.examples) {
      for (const patients of example.patients) {
        describe(`${example.title} (${patients}, ${example.delivery})`, () => {
          const patient = PATIENT[patients].member.name;

          it('keeps the contract over a run: start first, close last and once; requests finite and ≥ 0; told what was delivered; snapshots; each meal bolused at most once', async () => {
            const { log, result } = run(entry, example, patients);
            const trace = await result;
            expect(log.problems).toEqual([]);
            expect(log.calls[0]).toBe('start');
            expect(log.calls[log.calls.length - 1]).toBe('close');
            expect(log.calls.filter((c) => c === 'close')).toHaveLength(1);
            const decisions = (DAYS * 1440) / CONTROL_PERIOD_MIN;
            expect(log.requests).toHaveLength(decisions);
            expect(log.calls.filter((c) => c === 'endOfDay')).toHaveLength(DAYS);
            // Every decision is followed by what the pump and pen actually gave.
            expect(log.deliveries.map((d) => d.timeMin)).toEqual(log.requests.map((r) => r.timeMin));
            for (const d of log.deliveries) {
              expect(d.basalUPerMin).toBe(trace.basalUPerMin[d.timeMin]);
              expect(d.bolusU).toBe(trace.bolusU[d.timeMin]);
              for (const p of INSULIN_PREPARATIONS) {
                const given = d.injections.filter((i) => i.preparation === p).reduce((s, i) => s + i.units, 0);
                expect(given).toBeCloseTo(trace.injectionsU[p][d.timeMin], 12);
              }
            }
            // Observations are snapshots: each a new object, still showing its own time after the run.
            expect(new Set(log.observations).size).toBe(decisions);
            log.observations.forEach((o, k) => expect(o.timeMin).toBe(k * CONTROL_PERIOD_MIN));
            // Each announced meal: at most one bolus (pump or rapid-acting pen) from its announcement to its intake.
            const scenario = scenarioFor(entry, example, patients);
            const setup = patientRunSetup(scenario, PATIENT[patients].member, scenario.seed);
            for (const meal of setup.meals) {
              let boluses = 0;
              for (let m = Math.max(0, meal.announceMin); m < meal.startMin + CONTROL_PERIOD_MIN; m++) {
                if (trace.bolusU[m] > 0 || trace.injectionsU.rapid[m] > 0) boluses++;
              }
              expect(boluses, `meal at minute ${meal.startMin}`).toBeLessThanOrEqual(1);
            }
          });

          it('is deterministic per seed, and gives the same traces answering asynchronously', async () => {
            const a = await run(entry, example, patients).result;
            const b = await run(entry, example, patients).result;
            const later = await run(entry, example, patients, { async: true }).result;
            expect(traceToCsv(b)).toBe(traceToCsv(a));
            expect(traceToCsv(later)).toBe(traceToCsv(a));
            // Wall-clock series (a remote decision's latency) are measurements, not simulation: left out.
            expect(deterministicSeries(later.controllerLog)).toEqual(deterministicSeries(a.controllerLog));
          });

          it('is closed, and its signal aborted, when the run fails midway', async () => {
            const { log, result } = run(entry, example, patients, { throwAtMin: 1440 + 600 });
            await expect(result).rejects.toThrow('contract: planned failure');
            expect(log.calls.filter((c) => c === 'close')).toHaveLength(1);
            expect(log.signal?.aborted).toBe(true);
          });

          it('fails cleanly when a decision misses its deadline, naming controller, patient and minute', async () => {
            const { log, result } = run(entry, example, patients, { async: true, hangAtMin: 300 }, 100);
            const error = await result.then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(error).toBeInstanceOf(ControllerDeadlineError);
            expect((error as Error).message).toContain(`controller '${entry.name}' did not answer decide within 100 ms`);
            expect((error as Error).message).toContain(`patient ${patient} at minute 300`);
            expect(log.calls.filter((c) => c === 'close')).toHaveLength(1);
            expect(log.signal?.aborted).toBe(true);
          });
        });
      }
    }
  });
}
