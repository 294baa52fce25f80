/**
 * The layering of src/ (docs/architecture.md, "Stages and layering"):
 * imports run one way along the pipeline, and nothing imports in a cycle.
 * `npm run check:layers` runs it; test/layering.test.ts runs the same rules
 * in the test suite.
 *
 * STAGES lists, for each folder of src/, the folders it may import from
 * (besides itself). Anything else is a violation named by its rule.
 */
const STAGES = {
  io: [],
  random: [],
  model: [],
  metrics: ['io'],
  records: ['io'],
  cohort: ['io', 'random', 'model'],
  devices: ['io', 'random', 'model'],
  privacy: ['io', 'random'],
  control: ['io', 'random', 'model', 'devices', 'privacy', 'records'],
  scenario: ['io', 'random', 'model', 'devices', 'control'],
  sim: ['io', 'random', 'model', 'cohort', 'devices', 'privacy', 'control', 'scenario', 'records'],
  report: ['io', 'random', 'model', 'cohort', 'devices', 'control', 'scenario', 'sim', 'metrics', 'records'],
  cluster: ['io'],
  cli: ['io', 'random', 'model', 'cohort', 'devices', 'privacy', 'control', 'scenario', 'sim', 'metrics', 'report', 'records', 'cluster'],
};

const stageRules = Object.entries(STAGES).map(([stage, allowed]) => ({
  name: `layer-${stage}`,
  comment: `src/${stage} may import only from ${allowed.length ? allowed.map((s) => `src/${s}`).join(', ') : 'itself'}`,
  severity: 'error',
  from: { path: `^src/${stage}/` },
  to: { path: '^src/', pathNot: [`^src/${stage}/`, ...allowed.map((s) => `^src/${s}/`)] },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'a cycle of imports (type-only imports count: they couple the modules just the same)',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'unknown-stage',
      comment: 'every folder of src/ is a stage listed in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/', pathNot: Object.keys(STAGES).map((s) => `^src/${s}/`) },
      to: {},
    },
    ...stageRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports are dependencies too.
    tsPreCompilationDeps: true,
  },
};
