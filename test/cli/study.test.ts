/**
 * What a study's fingerprint covers: the files that define it, including
 * those the controllers' options make them read, so shards that read
 * different files are not merged.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareRunStudy } from '../../src/cli/run.js';
import { controllerSourceList, fingerprintOf } from '../../src/cli/study.js';
import { studyFingerprint } from '../../src/cluster/fingerprint.js';
import { mdpEntry } from '../../src/control/mdp/entry.js';
import { qLearningEntry } from '../../src/control/qlearning/entry.js';
import { secureQEntry } from '../../src/control/qlearning/secureEntry.js';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'glucosim-study-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the files controllers read', () => {
  it('are named by each entry, resolved beside the file that gives the options', () => {
    expect(mdpEntry.inputFiles!({ startFrom: 'p.json', policyTable: '/abs/t.csv' }, '/s/scenario.json')).toEqual(['/s/p.json', '/abs/t.csv']);
    expect(mdpEntry.inputFiles!({ learningDays: 3 }, '/s/scenario.json')).toEqual([]);
    expect(qLearningEntry.inputFiles!({ startFrom: 'q.json' }, '/s/e.json')).toEqual(['/s/q.json']);
    // A secure-q model is a directory: this side reads its model.json.
    expect(secureQEntry.inputFiles!({ model: 'models/m', servers: { keys: 'k/patient.key' } }, '/s/e.json')).toEqual(['/s/models/m/model.json', '/s/k/patient.key']);
    expect(secureQEntry.inputFiles!({ model: 'models/m', servers: { plaintext: true } }, '/s/e.json')).toEqual(['/s/models/m/model.json']);
  });

  it('of the shipped secure-q scenario are hashed into its fingerprint', () => {
    const study = prepareRunStudy({ scenario: join(ROOT, 'scenarios', 't2dm-secure-q-14day.json') });
    const { sources } = fingerprintOf(study);
    expect(sources.filter((s) => s.role === 'controller secure-q').map((s) => s.path)).toEqual([expect.stringMatching(/model\.json$/)]);
  });

  it('enter the study\'s sources, and a change to one changes the fingerprint', () => {
    const policy = join(dir, 'policy.json');
    writeFileSync(policy, '{"counts": 1}');
    const sources = controllerSourceList([{ name: 'mdp', options: { startFrom: 'policy.json' }, file: join(dir, 'scenario.json'), timeoutMs: 0, latencyMs: 0 }]);
    expect(sources).toEqual([{ role: 'controller mdp', path: expect.stringMatching(/policy\.json$/), file: policy }]);
    const study = { invocation: { kind: 'run' as const, file: 's.json' }, sources, scenarios: [], jobs: [{ scenario: 0, patient: 'adult#001', seed: 1 }] };
    const before = studyFingerprint(study).fingerprint;
    expect(studyFingerprint(study).fingerprint).toBe(before);
    writeFileSync(policy, '{"counts": 2}');
    expect(studyFingerprint(study).fingerprint).not.toBe(before);
    // Another job list is another study too.
    expect(studyFingerprint({ ...study, jobs: [{ scenario: 0, patient: 'adult#001', seed: 2 }] }).fingerprint).not.toBe(studyFingerprint(study).fingerprint);
  });
});
