/**
 * A study's fingerprint: SHA-256 of everything that decides its results —
 * the bytes of the files that define it (study file, scenario, patient
 * parameters), the options it was run with, the scenarios as loaded (with
 * each arm's controller and its options) and the job list. Shards of one
 * study on any machine get the same fingerprint; a shard of a changed or
 * different study does not, and the merge refuses it.
 */
import type { StudyInvocation } from './manifest.js';
import { fileChecksum, textChecksum } from './checksum.js';

export interface StudySource {
  /** What the file is to the study: `study`, `scenario`, `patients`. */
  readonly role: string;
  /** As shown to a user (relative to the package for its patient files). */
  readonly path: string;
  /** Where to read it. */
  readonly file: string;
}

export interface StudyDefinition {
  readonly invocation: StudyInvocation;
  readonly sources: readonly StudySource[];
  /** The loaded scenarios the jobs refer to (JSON-serialisable data). */
  readonly scenarios: readonly unknown[];
  readonly jobs: readonly { readonly scenario: number; readonly patient: string; readonly seed: number | string }[];
}

export interface Fingerprint {
  readonly fingerprint: string;
  readonly sources: readonly { readonly role: string; readonly path: string; readonly sha256: string }[];
}

export function studyFingerprint(study: StudyDefinition): Fingerprint {
  const sources = study.sources.map((s) => ({ role: s.role, path: s.path, sha256: fileChecksum(s.file).sha256 }));
  const canonical = JSON.stringify({
    invocation: study.invocation,
    // By role and content: the same files elsewhere (another checkout, another cluster node) are the same study.
    sources: sources.map((s) => [s.role, s.sha256]),
    scenarios: study.scenarios,
    jobs: study.jobs.map((j) => [j.scenario, j.patient, j.seed]),
  });
  return { fingerprint: textChecksum(canonical), sources };
}
