/**
 * `glucosim ppopi t2dm <study.json> [--out DIR] [--keys KEYDIR] [--workers N] [--quiet]`:
 * the insulin application of PPOPI (Chen & Ye 2025): several virtual T2DM
 * patients pool their MDP transitions, encrypted, on one server; each then
 * doses from the pooled policy read by encrypted requests; compared with
 * π0 and with per-patient learning (src/sim/pooledStudy.ts has the arms).
 *
 * 1. Learning run: every patient × seed for `learningDays` under the mdp
 *    controller (π0 with exploration); each trace made into records as
 *    `glucosim import run` makes them, and walked into transitions.
 * 2. Pooling, per seed (src/control/ppopi/pooledPolicy.ts): every patient
 *    a user of one PPOPI system (keys from KEYDIR, else 1024-bit keys made
 *    now), the encrypted upload, the server's policy iteration, the
 *    encrypted requests, each checked against the plain pooled learner;
 *    and each patient's own table, learned from its records alone.
 * 3. Evaluation run: the four arms over learning + evaluation days; the
 *    learning days of every MDP arm are checked to give the very
 *    transitions that were pooled.
 * 4. DIR (built under a temporary name): README.md, pooling.json, the
 *    records, the tables, and the experiment report in evaluation/.
 */
import { join, resolve } from 'node:path';
import { physicianActions } from '../control/mdp/physicianRegimen.js';
import { PHYSICIAN_DECIDES, type PolicyTable, policyTableDocument } from '../control/mdp/policyTable.js';
import { actionCount, stateCount } from '../control/mdp/space.js';
import { ownTables, pooledTables, type PoolingPatient } from '../control/ppopi/pooledPolicy.js';
import { experienceFromRecords } from '../control/qlearning/experience.js';
import { writeFileAtomic } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { generateParameters } from '../privacy/bcp/bcp.js';
import { readMasterFile } from '../privacy/bcp/keyFile.js';
import type { BcpMasterKey, BcpParameters } from '../privacy/bcp/types.js';
import { inProcessSystem } from '../privacy/ppopi/system.js';
import { randomStream } from '../random/streams.js';
import { recordsFromTrace } from '../records/fromTrace.js';
import { formatRecordsCsv } from '../records/recordsCsv.js';
import type { PatientRecord } from '../records/types.js';
import { type JobOutcome, jobOutcome, writeExperimentReport } from '../report/experimentReport.js';
import { pooledStudyJson, pooledStudyReadme, type SeedPooling } from '../report/pooledStudyReport.js';
import { runJobs } from '../sim/cohortRun.js';
import { planExperiment } from '../sim/experiment.js';
import { evaluationExperiment, learningExperiment, loadPooledStudy } from '../sim/pooledStudy.js';
import { type Trace, traceToCsv } from '../sim/trace.js';
import { buildOutputDirectory, FORCE_OPTION, newOutputDirectory } from './outputDir.js';
import { parallelism } from './parallelism.js';
import type { PpopiSubcommand } from './ppopiSubcommand.js';
import { progressReporter } from './progress.js';
import { GLUCOSIM_VERSION } from './version.js';

/** Keys made for a run without --keys: 1024 bits is seconds of safe-prime search (tests and studies; not for deployment). */
export const STUDY_KEY_BITS = 1024;

export interface PpopiT2dmArguments {
  readonly study: string;
  /** The directory to create; default results/<study name>-<UTC timestamp>/. */
  readonly out?: string;
  /** Replace an existing output directory. */
  readonly force?: boolean;
  /** A directory with master.json (`glucosim ppopi keygen`); default: 1024-bit keys made for this run. */
  readonly keys?: string;
  readonly workers?: number;
  /** Progress lines (stderr in the CLI); none if undefined. */
  readonly progress?: (line: string) => void;
  /** A progress reporter for the simulation runs (stderr), or none. */
  readonly simulationProgress?: boolean;
}

const MINUTES_PER_DAY = 1440;

/** The first `days` days of a trace (views, no copy). */
function firstDays(trace: Trace, days: number): Trace {
  const m = Math.min(trace.minutes, days * MINUTES_PER_DAY);
  const cut = (a: Float64Array) => a.subarray(0, m);
  return {
    patient: trace.patient,
    minutes: m,
    startTimeOfDayMin: trace.startTimeOfDayMin,
    bgMgDl: cut(trace.bgMgDl),
    cgmMgDl: cut(trace.cgmMgDl),
    carbsEatenG: cut(trace.carbsEatenG),
    carbsAnnouncedG: cut(trace.carbsAnnouncedG),
    carbsEstimatedG: cut(trace.carbsEstimatedG),
    basalUPerMin: cut(trace.basalUPerMin),
    bolusU: cut(trace.bolusU),
    injectionsU: { rapid: cut(trace.injectionsU.rapid), regular: cut(trace.injectionsU.regular), nph: cut(trace.injectionsU.nph), long: cut(trace.injectionsU.long) },
  };
}

/** A trace's first days as records (what `glucosim import run` gives of them). */
function learningRecords(trace: Trace, days: number, label: string): PatientRecord[] {
  return recordsFromTrace(traceToCsv(firstDays(trace, days)), label, trace.patient);
}

/** A patient's transitions as text, to compare the learning days of two runs. */
function transitionsText(transitions: readonly unknown[]): string {
  return JSON.stringify(transitions);
}

async function loadKeys(args: PpopiT2dmArguments, progress: (line: string) => void): Promise<{ params: BcpParameters; master: BcpMasterKey; source: string }> {
  if (args.keys !== undefined) {
    const { parameters, master } = readMasterFile(join(resolve(args.keys), 'master.json'));
    return { params: parameters, master, source: `from ${args.keys}` };
  }
  const { parameters, master } = await generateParameters(STUDY_KEY_BITS, { onProgress: (line) => progress(`keys: ${line}`) });
  return { params: parameters, master, source: 'generated for this run and not kept' };
}

/** Runs the study; returns the directory written and the README's text. */
export async function ppopiT2dmCommand(args: PpopiT2dmArguments): Promise<{ out: string; readme: string }> {
  const started = performance.now();
  const progress = args.progress ?? (() => {});
  const study = loadPooledStudy(args.study);
  if (args.out === '') throw new InputError('--out', '', 'give the directory to create');
  const out = newOutputDirectory(args.out === undefined ? undefined : resolve(args.out), study.name, args.force, { marker: 'pooling.json', inputs: [args.study, ...(args.keys ? [args.keys] : [])] });
  const { workers, concurrencyPerWorker } = parallelism({ workers: args.workers });
  const learning = learningExperiment(study);
  const learningPlan = planExperiment(learning, study.seeds);
  const definition = study.mdp.definition;

  const t0 = performance.now();
  const keys = await loadKeys(args, progress);
  const keygenS = (performance.now() - t0) / 1000;

  let readme = '';
  await buildOutputDirectory(out, args.force, async (dir) => {
    // 1. Learning run: records per seed and patient.
    const t1 = performance.now();
    const records = learningPlan.seeds.map(() => new Map<string, PatientRecord[]>());
    const reporter = args.simulationProgress ? progressReporter('ppopi t2dm: learning days') : undefined;
    await runJobs({
      scenarios: learningPlan.scenarios,
      jobs: learningPlan.jobs,
      workers,
      concurrencyPerWorker,
      onTrace: (job, trace) => {
        const { seedIndex, patient } = learningPlan.jobs[job];
        records[seedIndex].set(patient, learningRecords(trace, study.learningDays, `learning run, seed ${learningPlan.seeds[seedIndex]}, ${patient}`));
      },
      onProgress: reporter?.update,
    });
    reporter?.finish();
    const learningRunS = (performance.now() - t1) / 1000;
    const names = study.patients.map((p) => p.name);
    learningPlan.seeds.forEach((seed, i) => {
      writeFileAtomic(join(dir, 'learning', `records-seed-${seed}.csv`), formatRecordsCsv(names.flatMap((p) => records[i].get(p)!)));
    });

    // 2. Pooling per seed, and each patient's own table.
    const t2 = performance.now();
    const system = inProcessSystem(keys.params, keys.master, names);
    const pooledTablesOut: PolicyTable[] = [];
    const ownTablesOut: PolicyTable[] = [];
    const pooling: SeedPooling[] = [];
    const learningText = learningPlan.seeds.map(() => new Map<string, string>());
    try {
      for (const [i, seed] of learningPlan.seeds.entries()) {
        const patients: PoolingPatient[] = study.patients.map((member) => {
          const transitions = experienceFromRecords(records[i].get(member.name)!, definition).records;
          learningText[i].set(member.name, transitionsText(transitions));
          return {
            patient: member.name,
            transitions,
            preferred: physicianActions(study.mdp.physicianRegimen, definition.space, definition.actions, member.bodyWeightKg),
          };
        });
        const pooled = await pooledTables(definition, patients, system, {
          taskId: `t2dm-seed-${seed}`,
          // In a deployment each user shuffles with its own secret randomness; seeded here so that the study reproduces.
          shuffle: (patient) => randomStream(seed, patient, 'ppopi/upload-order'),
          progress,
        });
        const own = ownTables(definition, patients);
        const learned = (t: Int32Array) => t.reduce((n, a) => n + (a === PHYSICIAN_DECIDES ? 0 : 1), 0);
        for (const p of patients) {
          pooledTablesOut.push({ seed: String(seed), patient: p.patient, actions: pooled.tables.get(p.patient)! });
          ownTablesOut.push({ seed: String(seed), patient: p.patient, actions: own.tables.get(p.patient)! });
        }
        const mean = (f: (p: PoolingPatient) => number) => patients.reduce((s, p) => s + f(p), 0) / patients.length;
        pooling.push({
          seed: String(seed),
          transitionsPerPatient: Object.fromEntries(patients.map((p) => [p.patient, p.transitions.length])),
          server: pooled.server,
          requests: pooled.costs.requests,
          learnedStatesPooled: mean((p) => learned(pooled.tables.get(p.patient)!)),
          learnedStatesOwn: mean((p) => learned(own.tables.get(p.patient)!)),
          statesPooledDiffersFromOwn: mean((p) => {
            const a = pooled.tables.get(p.patient)!;
            const b = own.tables.get(p.patient)!;
            return a.reduce((n, x, s) => n + (x === b[s] ? 0 : 1), 0);
          }),
          timings: {
            encryptMs: pooled.costs.encryptMs,
            unifyMs: pooled.costs.unifyMs,
            countMs: pooled.costs.countMs,
            iterateMs: pooled.costs.iterateMs,
            requestMs: pooled.costs.requestMs,
            valuesUnified: pooled.costs.valuesUnified,
          },
        });
      }
    } finally {
      await system.kgc.close();
    }
    const source = { study: study.file, learningDays: study.learningDays, seeds: learningPlan.seeds.map(String), glucosimVersion: GLUCOSIM_VERSION };
    const pooledFile = join(dir, 'tables', 'pooled.json');
    const ownFile = join(dir, 'tables', 'own.json');
    writeFileAtomic(
      pooledFile,
      JSON.stringify(policyTableDocument(definition, pooledTablesOut, { ...source, how: "PPOPI: every patient's encrypted transitions pooled on one server; each patient's table read from the answers to its encrypted requests (Chen & Ye 2025, §5.6)" }), null, 1) + '\n',
    );
    writeFileAtomic(ownFile, JSON.stringify(policyTableDocument(definition, ownTablesOut, { ...source, how: "each patient's own transitions alone, through the same learner in the clear" }), null, 1) + '\n');
    const poolingS = (performance.now() - t2) / 1000;

    // 3. Evaluation run, checking that the MDP arms' learning days are the pooled ones.
    const t3 = performance.now();
    const evaluation = evaluationExperiment(study, { own: ownFile, pooled: pooledFile });
    const plan = planExperiment(evaluation, study.seeds);
    const outcomes = new Array<JobOutcome>(plan.jobs.length);
    const evalReporter = args.simulationProgress ? progressReporter('ppopi t2dm: evaluation') : undefined;
    await runJobs({
      scenarios: plan.scenarios,
      jobs: plan.jobs,
      workers,
      concurrencyPerWorker,
      onTrace: (job, trace) => {
        const { arm, seedIndex, patient } = plan.jobs[job];
        outcomes[job] = jobOutcome(trace, evaluation, undefined, plan.phases[arm]);
        if (evaluation.arms[arm].controller.name !== 'mdp') return;
        const again = transitionsText(experienceFromRecords(learningRecords(trace, study.learningDays, `evaluation run, ${evaluation.arms[arm].name}, ${patient}`), definition).records);
        if (again !== learningText[seedIndex].get(patient)) {
          throw new Error(`arm ${evaluation.arms[arm].name}, seed ${plan.seeds[seedIndex]}, ${patient}: the learning days did not reproduce the transitions that were pooled`);
        }
      },
      onProgress: evalReporter?.update,
    });
    evalReporter?.finish();
    const evaluationRunS = (performance.now() - t3) / 1000;
    const arms = writeExperimentReport(join(dir, 'evaluation'), evaluation, plan, outcomes, {
      glucosimVersion: GLUCOSIM_VERSION,
      file: study.file,
      cohort: names,
      seconds: evaluationRunS,
      createdAt: new Date().toISOString(),
    });

    const input = {
      name: study.name,
      description: study.description,
      file: study.file,
      glucosimVersion: GLUCOSIM_VERSION,
      patients: names,
      seeds: plan.seeds.map(String),
      learningDays: study.learningDays,
      evaluationDays: study.evaluationDays,
      stateCount: stateCount(definition.space),
      actionCount: actionCount(definition.actions),
      gamma: definition.discount.gamma,
      keyBits: keys.params.bits,
      keys: keys.source,
      pooling,
      arms,
      timings: { keygenS, learningRunS, poolingS, evaluationRunS, totalS: (performance.now() - started) / 1000 },
    };
    readme = pooledStudyReadme(input);
    writeFileAtomic(join(dir, 'README.md'), readme);
    writeFileAtomic(join(dir, 'pooling.json'), pooledStudyJson(input));
  });
  return { out, readme };
}

/** Registered in the `ppopi` group (src/cli/ppopi.ts). */
export const ppopiT2dm: PpopiSubcommand = (y, { fail, once }) =>
  y.command(
    't2dm <study>',
    'The insulin application: T2DM patients pool their MDP transitions encrypted on a PPOPI server and dose from the pooled policy by encrypted requests; compared with π0 and with per-patient learning',
    (yk) =>
      yk
        .positional('study', { type: 'string', demandOption: true, describe: 'study file (see experiments/ppopi-t2dm.json)' })
        .option('out', { type: 'string', describe: 'directory to create (refused if it exists, unless --force); default results/<study name>-<timestamp>/' })
        .option('force', FORCE_OPTION)
        .option('keys', { type: 'string', describe: `directory with master.json (glucosim ppopi keygen); default: ${STUDY_KEY_BITS}-bit keys made for this run` })
        .option('workers', { type: 'number', describe: 'worker threads for the simulations (default: all cores)' })
        .option('quiet', { type: 'boolean', default: false, describe: 'no progress lines on stderr' }),
    async (argv) => {
      try {
        const quiet = argv.quiet === true;
        const { out, readme } = await ppopiT2dmCommand({
          study: once(argv.study, 'study')!,
          out: once(argv.out, 'out'),
          force: argv.force,
          keys: once(argv.keys, 'keys'),
          workers: once(argv.workers, 'workers'),
          progress: quiet ? undefined : (line) => process.stderr.write(`ppopi t2dm: ${line}\n`),
          simulationProgress: !quiet,
        });
        process.stdout.write(`${out}\n\n${readme}`);
      } catch (err) {
        await fail(err);
      }
    },
  );
