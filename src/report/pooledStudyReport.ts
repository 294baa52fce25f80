/**
 * The summary of a pooled-learning study (`glucosim ppopi t2dm`): what was
 * pooled and what the PPOPI server learned of it, per seed, and the arms'
 * outcomes over the evaluation window (the experiment report's window
 * phase: TIR, time below range, LBGI/HBGI, mean glucose, insulin, the mean
 * MDP reward), as a short README.md and as pooling.json.
 *
 * Plain data in (the report stage does not import the privacy stage), text
 * out. Timings are kept under `timings` keys, apart from the figures the
 * seed reproduces.
 */
import { formatCell } from './html.js';
import { type ArmResult, phaseCell } from './experimentReport.js';
import { PHASE_METRIC_LABELS, PHASE_METRIC_NAMES } from './phaseMetrics.js';

/** What the server held of one seed's pooled records (transitionLearner.ts `summary`). */
export interface ServerView {
  readonly transitions: number;
  readonly states: number;
  readonly actions: number;
  readonly pairs: number;
  readonly trustedPairs: number;
  readonly statesWithReward: number;
  readonly distinctRewards: number;
  readonly evaluationSweeps: number;
  readonly improvementSteps: number;
}

/** One seed's pooling. */
export interface SeedPooling {
  readonly seed: string;
  /** Transitions each patient uploaded (its records' walk over the learning days). */
  readonly transitionsPerPatient: Readonly<Record<string, number>>;
  readonly server: ServerView;
  /** Encrypted requests made (one per patient and MDP state), all answered exactly as by the plain pooled learner. */
  readonly requests: number;
  /** States with an action (not π0): pooled table and own table, mean over patients. */
  readonly learnedStatesPooled: number;
  readonly learnedStatesOwn: number;
  /** States where a patient's pooled and own tables differ, mean over patients. */
  readonly statesPooledDiffersFromOwn: number;
  readonly timings: {
    readonly encryptMs: number;
    readonly unifyMs: number;
    readonly countMs: number;
    readonly iterateMs: number;
    readonly requestMs: number;
    readonly valuesUnified: number;
  };
}

export interface PooledStudyReportInput {
  readonly name: string;
  readonly description: string;
  readonly file: string;
  readonly glucosimVersion: string;
  readonly patients: readonly string[];
  readonly seeds: readonly string[];
  readonly learningDays: number;
  readonly evaluationDays: number;
  /** States and actions of the MDP (the task's public shape). */
  readonly stateCount: number;
  readonly actionCount: number;
  readonly gamma: number;
  readonly keyBits: number;
  /** Where the keys came from: a directory, or generated for this run. */
  readonly keys: string;
  readonly pooling: readonly SeedPooling[];
  /** The evaluation's arms (experiment report); their first phase is the evaluation window. */
  readonly arms: readonly ArmResult[];
  readonly timings: { readonly keygenS: number; readonly learningRunS: number; readonly poolingS: number; readonly evaluationRunS: number; readonly totalS: number };
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const ARM_MEANING: Readonly<Record<string, string>> = {
  pi0: "the physician's regimen π0 throughout",
  'MDP-own': "the mdp controller on the patient's own counts, recalibrated every few readings (as the MDP experiment's arms)",
  'own-table': "the patient's own records through the PPOPI server's learner in the clear, its table followed unchanged",
  'PPOPI-pooled': "one policy from every patient's encrypted records; each patient's table read by encrypted requests, followed unchanged",
};

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** The README.md of the study's directory. */
export function pooledStudyReadme(input: PooledStudyReportInput): string {
  const window = `days ${input.learningDays + 1}–${input.learningDays + input.evaluationDays}`;
  // Numbers as they are, no "< 1": the README has no place for the floor's note (glucoseCell.ts).
  const resultRows = input.arms.map((r) => [r.arm, ...PHASE_METRIC_NAMES.map((n) => phaseCell(r.phases[0].metrics[n], false))]);
  const poolingRows = input.pooling.map((p) => {
    const perPatient = Object.values(p.transitionsPerPatient);
    return [
      p.seed,
      String(p.server.transitions),
      `${Math.min(...perPatient)}–${Math.max(...perPatient)}`,
      `${p.server.states} / ${input.stateCount}`,
      `${p.server.actions} / ${input.actionCount}`,
      `${p.server.trustedPairs}`,
      `${p.server.statesWithReward} (${p.server.distinctRewards} values)`,
      formatCell(p.learnedStatesPooled),
      formatCell(p.learnedStatesOwn),
      formatCell(p.statesPooledDiffersFromOwn),
      String(p.requests),
    ];
  });
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  const timingRows = input.pooling.map((p) => [
    p.seed,
    String(p.timings.valuesUnified),
    seconds(p.timings.encryptMs),
    seconds(p.timings.unifyMs),
    seconds(p.timings.countMs + p.timings.iterateMs),
    seconds(p.timings.requestMs),
  ]);
  return [
    `# ${input.name}`,
    '',
    input.description,
    '',
    `${input.patients.length} T2DM patients (${input.patients[0]} … ${input.patients[input.patients.length - 1]}), seed${input.seeds.length > 1 ? 's' : ''} ${input.seeds.join(', ')}; ` +
      `${input.learningDays} learning days under π0 with the mdp controller's exploration, then ${input.evaluationDays} days compared (${window}). ` +
      `MDP of ${input.stateCount} states and ${input.actionCount} actions, γ = ${input.gamma} per measurement. ` +
      `BCP keys of ${input.keyBits} bits (${input.keys}). glucosim ${input.glucosimVersion}, study file ${input.file}.`,
    '',
    '## Arms',
    '',
    ...input.arms.map((r) => `- \`${r.arm}\`: ${ARM_MEANING[r.arm] ?? ''}.`),
    '',
    `## Results over the evaluation window (${window})`,
    '',
    `Mean over patients and seeds ± SD over the seeds' cohort means (in brackets: SD over patients); true blood glucose every minute, insulin per day, and the mean MDP reward of the readings (Shifrin & Siegelmann 2017, §2.2).`,
    '',
    markdownTable(['arm', ...PHASE_METRIC_NAMES.map((n) => PHASE_METRIC_LABELS[n])], resultRows),
    '',
    '## What was pooled, and what the server learned',
    '',
    "Each patient uploaded its learning days' transitions (state, action, next state) encrypted, shuffled, each with its reward in the clear. " +
      'The server saw tags: which records are equal, never a state or dose. It did learn each reached state\'s reward, hence its glucose level, and so each patient\'s count of readings per level ' +
      '(not a dose, nor a time of day, though the tags\' transitions sort them into the day\'s slots): "states with a reward" counts those tags. Every patient then asked about every state by an encrypted request; every answer equalled, action for action and bit for bit, ' +
      'that of the same learner run on the plain records in the same order (checked), and the arms\' learning days reproduced the pooled records exactly (checked).',
    '',
    markdownTable(
      ['seed', 'transitions', 'per patient', 'state tags', 'action tags', 'trusted pairs', 'states with a reward', 'learned states, pooled table', 'learned states, own table', 'states pooled ≠ own', 'requests'],
      poolingRows,
    ),
    '',
    'Learned states: states with an action of their own (not left to π0), mean over patients.',
    '',
    '## Costs (s)',
    '',
    markdownTable(['seed', 'values encrypted and unified', 'users encrypt', 'server convert + KGC unify', 'count + iterate', `requests (${input.pooling[0]?.requests ?? 0})`], timingRows),
    '',
    `Key generation ${input.timings.keygenS.toFixed(1)} s, learning run ${input.timings.learningRunS.toFixed(1)} s, pooling ${input.timings.poolingS.toFixed(1)} s, evaluation run ${input.timings.evaluationRunS.toFixed(1)} s, total ${input.timings.totalS.toFixed(1)} s.`,
    '',
    '## Files',
    '',
    '- `learning/records-seed-<seed>.csv`: the learning days as records (docs/records.md; what `glucosim import run` gives of the traces).',
    '- `tables/pooled.json`, `tables/own.json`: the policy tables (`glucosim-mdp-table/1`) the `PPOPI-pooled` and `own-table` arms follow (the mdp controller\'s `policyTable` option).',
    '- `pooling.json`: the table above, per patient, with timings.',
    '- `evaluation/`: the comparison as `glucosim experiment` reports it (summary.json, phases.csv, table1.csv, report.html, …).',
    '',
  ].join('\n');
}

/** pooling.json: the study's parameters and each seed's pooling (timings under `timings`). */
export function pooledStudyJson(input: PooledStudyReportInput): string {
  const { arms, ...rest } = input;
  const window = arms.map((r) => ({ arm: r.arm, window: r.phases[0] }));
  return JSON.stringify({ ...rest, meanTransitionsPerPatient: input.pooling.map((p) => mean(Object.values(p.transitionsPerPatient))), results: window }, null, 2) + '\n';
}
