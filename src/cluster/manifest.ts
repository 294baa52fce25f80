/**
 * A shard directory's manifest, `shard.json`: which study it belongs to (the
 * study's invocation and fingerprint, the glucosim version), which shard it
 * is, its jobs with a checksum of every file each wrote, and when and where
 * it ran. The timing is kept here, apart from the results, so that a merge
 * gives the bytes of a single-machine run.
 */
import { join } from 'node:path';
import { InputError } from '../io/errors.js';
import { readJsonFile } from '../io/json.js';
import { compileValidator } from '../io/schema.js';
import type { FileChecksum } from './checksum.js';
import type { ShardSpec } from './shards.js';

export const SHARD_MANIFEST_FILE = 'shard.json';
export const SHARD_FORMAT = 'glucosim-shard';
export const SHARD_FORMAT_VERSION = 1;

/** The command a study was run with, as recorded to re-create it (paths as given, relative to `cwd`). */
export interface StudyInvocation {
  readonly kind: 'run' | 'experiment';
  /** The scenario or experiment file, as given on the command line. */
  readonly file: string;
  readonly cohort?: string;
  readonly seed?: string;
  /** experiment: number of seeds. */
  readonly seeds?: number;
  /** run: metrics and report over the last this many days. */
  readonly windowDays?: number;
  /** run: write metrics and the report. */
  readonly report?: boolean;
  /** run: `none` when no trace files are written (absent: the default, csv). */
  readonly traces?: 'csv' | 'none';
  /** run: `patient-day` for CVGA points per patient and day (absent: the default, per patient). */
  readonly cvgaPoints?: 'patient' | 'patient-day';
}

/** The command line that runs the study again: `run <file> --cohort … --seed=… --window-days … [--no-report] --traces … --cvga-points …`. */
export function invocationArgs(inv: StudyInvocation): string[] {
  return [
    inv.kind,
    inv.file,
    ...(inv.cohort !== undefined ? ['--cohort', inv.cohort] : []),
    // A seed starting with '-' is attached (else it would read as options);
    // any other is a token of its own, since yargs strips quotes around an
    // attached value (`--seed="q"` would be the seed q).
    ...(inv.seed !== undefined ? (inv.seed.startsWith('-') ? [`--seed=${inv.seed}`] : ['--seed', inv.seed]) : []),
    ...(inv.seeds !== undefined ? ['--seeds', String(inv.seeds)] : []),
    ...(inv.windowDays !== undefined ? ['--window-days', String(inv.windowDays)] : []),
    ...(inv.report === false ? ['--no-report'] : []),
    ...(inv.traces !== undefined ? ['--traces', inv.traces] : []),
    ...(inv.cvgaPoints !== undefined ? ['--cvga-points', inv.cvgaPoints] : []),
  ];
}

/** Where a job's part is kept in a shard directory. */
export function partPath(job: number): string {
  return `parts/${job}.v8`;
}

/** The files job `job` writes into a shard directory, relative to it: its trace (if the study writes traces), then its part. */
export function shardJobFiles(writesTraces: boolean, patient: string, job: number): string[] {
  return [...(writesTraces ? [`traces/${patient}.csv`] : []), partPath(job)];
}

export interface ShardJobRecord {
  /** Index in the study's job list (0-based). */
  readonly index: number;
  readonly patient: string;
  readonly seed: number | string;
  readonly patientDays: number;
  /** Files the job wrote, paths relative to the shard directory. */
  readonly files: readonly (FileChecksum & { readonly path: string })[];
}

export interface ShardManifest {
  readonly format: typeof SHARD_FORMAT;
  readonly formatVersion: typeof SHARD_FORMAT_VERSION;
  readonly glucosimVersion: string;
  /** SHA-256 of glucosim's code as it ran (two builds of one version may differ). */
  readonly glucosimCode: string;
  /** The Node that ran it (`process.version`): its Math functions are part of the results. */
  readonly node: string;
  readonly study: {
    readonly invocation: StudyInvocation;
    readonly name: string;
    /** SHA-256 of what defines the study: its files' bytes, the options, the job list (cluster/fingerprint.ts). */
    readonly fingerprint: string;
    /** SHA-256 of each file that defines it, by role. */
    readonly sources: readonly { readonly role: string; readonly path: string; readonly sha256: string }[];
    readonly jobs: number;
    readonly patientDays: number;
  };
  readonly shard: ShardSpec;
  readonly jobs: readonly ShardJobRecord[];
  /** Not part of the results: when and where the shard ran. */
  readonly timing: {
    /** When the process started (Node's start-up and the study's loading come before startedAt). */
    readonly processStartedAt: string;
    /** When the jobs started and when the shard was complete. */
    readonly startedAt: string;
    readonly finishedAt: string;
    /** Between the two, s. */
    readonly seconds: number;
    readonly host: string;
    readonly cwd: string;
  };
}

const text = { type: 'string', minLength: 1 } as const;
const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const count = { type: 'integer', minimum: 0 } as const;

const MANIFEST_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'glucosim shard manifest',
  type: 'object',
  additionalProperties: false,
  required: ['format', 'formatVersion', 'glucosimVersion', 'glucosimCode', 'node', 'study', 'shard', 'jobs', 'timing'],
  properties: {
    format: { const: SHARD_FORMAT },
    formatVersion: { const: SHARD_FORMAT_VERSION },
    glucosimVersion: text,
    glucosimCode: hex64,
    node: text,
    study: {
      type: 'object',
      additionalProperties: false,
      required: ['invocation', 'name', 'fingerprint', 'sources', 'jobs', 'patientDays'],
      properties: {
        invocation: {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'file'],
          properties: {
            kind: { enum: ['run', 'experiment'] },
            file: text,
            cohort: text,
            seed: { type: 'string' },
            seeds: { type: 'integer', minimum: 1 },
            windowDays: { type: 'integer', minimum: 1 },
            report: { type: 'boolean' },
            traces: { enum: ['csv', 'none'] },
            cvgaPoints: { enum: ['patient', 'patient-day'] },
          },
        },
        name: text,
        fingerprint: hex64,
        sources: {
          type: 'array',
          items: { type: 'object', additionalProperties: false, required: ['role', 'path', 'sha256'], properties: { role: text, path: text, sha256: hex64 } },
        },
        jobs: { type: 'integer', minimum: 1 },
        patientDays: count,
      },
    },
    shard: {
      type: 'object',
      additionalProperties: false,
      required: ['index', 'count'],
      properties: { index: { type: 'integer', minimum: 1 }, count: { type: 'integer', minimum: 1 } },
    },
    jobs: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['index', 'patient', 'seed', 'patientDays', 'files'],
        properties: {
          index: count,
          patient: text,
          seed: { type: ['integer', 'string'] },
          patientDays: count,
          files: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['path', 'bytes', 'sha256'],
              // Relative, inside the shard: no absolute path, no `..` segment.
              properties: { path: { type: 'string', pattern: '^(?!/)(?!.*(^|/)\\.\\.(/|$)).+$' }, bytes: count, sha256: hex64 },
            },
          },
        },
      },
    },
    timing: {
      type: 'object',
      additionalProperties: false,
      required: ['processStartedAt', 'startedAt', 'finishedAt', 'seconds', 'host', 'cwd'],
      properties: { processStartedAt: text, startedAt: text, finishedAt: text, seconds: { type: 'number', minimum: 0 }, host: { type: 'string' }, cwd: text },
    },
  },
} as const;

const validateManifest = compileValidator<ShardManifest>(MANIFEST_SCHEMA);

/** The manifest of shard directory `dir`, checked against its schema; errors name the file and the field. */
export function readShardManifest(dir: string): ShardManifest {
  const file = join(dir, SHARD_MANIFEST_FILE);
  const manifest = validateManifest(readJsonFile(file, 'shard manifest'), file);
  if (manifest.shard.index > manifest.shard.count) throw new InputError(file, 'shard.index', `${manifest.shard.index} is beyond the ${manifest.shard.count} shards`);
  return manifest;
}
