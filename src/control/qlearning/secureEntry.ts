/**
 * The `secure-q` controller's registry entry: a trained model's directory,
 * optionally the two edge servers to ask, the hypoglycaemia guard; the
 * per-decision latency table for the report.
 */
import { join } from 'node:path';
import { besideFile } from '../../io/paths.js';
import { InputError } from '../../io/errors.js';
import { parseAddress } from '../../privacy/edge/roles.js';
import { readPskKeyFile } from '../../privacy/net/keys.js';
import { guardOption, hypoglycaemiaGuardSchema, penDevicesProblem, variedPreparations } from '../mdp/penAtSlots.js';
import { type ControllerEntry, type LogTable, type OptionsSource, WALL_CLOCK_SERIES_PREFIX } from '../types.js';
import type { SecureQControllerOptions } from './secureController.js';
import { readModelShares, readSecureModel, SECURE_Q_SLOT_OWNER } from './secureModel.js';

interface SecureQOptionsFile {
  model: string;
  servers?: { es0: string; es1: string; keys?: string; plaintext?: boolean; identity?: string };
  hypoglycaemiaGuard?: { belowMgDl: number; days: number } | false;
}

const DEFAULT_GUARD = { belowMgDl: 72, days: 1 };

const OPTIONS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['model'],
  properties: {
    model: { type: 'string', minLength: 1, description: 'directory of a model trained by `glucosim secure-q train` (model.json, es0.share.json, es1.share.json), relative to this file' },
    servers: {
      type: 'object',
      additionalProperties: false,
      required: ['es0', 'es1'],
      description: 'the two edge servers (glucosim edge-server / secure-q serve) to ask; without it both are played in this process from the share files',
      properties: {
        es0: { type: 'string', pattern: '^.+:[0-9]{1,5}$', description: 'HOST:PORT of ES1 (party 0)' },
        es1: { type: 'string', pattern: '^.+:[0-9]{1,5}$', description: 'HOST:PORT of ES2 (party 1)' },
        keys: { type: 'string', minLength: 1, description: "the patient device's TLS-PSK key file, relative to this file" },
        plaintext: { type: 'boolean', description: 'no TLS (loopback benchmarks only)' },
        identity: { type: 'string', minLength: 1, description: 'with plaintext: the identity to claim (default patient)' },
      },
    },
    hypoglycaemiaGuard: hypoglycaemiaGuardSchema('after a reading below belowMgDl, for `days` days give no insulin; false: no guard. Default 72 mg/dL, 1 day'),
  },
} as const;

export function parseSecureQOptions(options: Readonly<Record<string, unknown>>, source: OptionsSource): SecureQControllerOptions {
  const raw = options as unknown as SecureQOptionsFile;
  const model = readSecureModel(besideFile(source.file, raw.model));
  let servers: SecureQControllerOptions['servers'];
  if (raw.servers) {
    const s = raw.servers;
    const at = (text: string, field: string) => parseAddress(text, source.file, `${source.field}.servers.${field}`);
    if (!s.keys && !s.plaintext) throw new InputError(source.file, `${source.field}.servers.keys`, 'links are TLS-PSK: give the patient key file (or plaintext: true for a loopback benchmark)');
    if (s.keys && s.plaintext) throw new InputError(source.file, `${source.field}.servers.plaintext`, 'give keys or plaintext, not both');
    servers = {
      es0: at(s.es0, 'es0'),
      es1: at(s.es1, 'es1'),
      ...(s.keys ? { keys: readPskKeyFile(besideFile(source.file, s.keys)) } : { plaintext: true, identity: s.identity ?? 'patient' }),
    };
  } else {
    readModelShares(model); // both share files must be there and match, before anything runs
  }
  return {
    model,
    ...(servers ? { servers } : {}),
    ...guardOption(raw.hypoglycaemiaGuard, DEFAULT_GUARD),
  };
}

function describeSecureQLog(log: Readonly<Record<string, readonly number[]>>, options: SecureQControllerOptions): LogTable[] {
  const cell = (key: string) => {
    const v = log[key]?.[0];
    return v === undefined || Number.isNaN(v) ? '—' : v.toFixed(2);
  };
  const decisions = (log.decisions ?? []).reduce((s, x) => s + x, 0);
  return [
    {
      title: 'Secure decisions (SecRep)',
      caption: `Wall-clock time per decision, ms: the device splits its state, the two edge servers run SecRep on their shares, the device adds the returned shares (${options.servers ? `edge servers at ${options.servers.es0.host}:${options.servers.es0.port} and ${options.servers.es1.host}:${options.servers.es1.port}, ${options.servers.plaintext ? 'plaintext' : 'TLS-PSK'}` : 'both servers in process'}). Model ${options.model.modelId}. Times differ from run to run.`,
      header: ['decisions', 'p50 (ms)', 'p99 (ms)', 'max (ms)'],
      rows: [[String(decisions), cell(`${WALL_CLOCK_SERIES_PREFIX}p50Ms`), cell(`${WALL_CLOCK_SERIES_PREFIX}p99Ms`), cell(`${WALL_CLOCK_SERIES_PREFIX}maxMs`)]],
    },
  ];
}

export const secureQEntry: ControllerEntry<SecureQControllerOptions> = {
  name: 'secure-q',
  description:
    'OIDPR: pen doses at the meter readings from a Q-learning model held as additive secret shares by two edge servers (SecRep); the model is trained beforehand by SecQ-learning (glucosim secure-q train); servers in process or over TLS (needs a pen and a meter)',
  optionsSchema: OPTIONS_SCHEMA,
  parseOptions: parseSecureQOptions,
  // The model is a directory: this side reads its model.json (the shares are the edge servers'); the key file is the patient's.
  inputFiles: (options, file) => {
    const keys = (options.servers as { keys?: unknown } | undefined)?.keys;
    return [
      ...(typeof options.model === 'string' ? [join(besideFile(file, options.model), 'model.json')] : []),
      ...(typeof keys === 'string' ? [besideFile(file, keys)] : []),
    ];
  },
  devicesProblem: (options, devices) => penDevicesProblem('secure-q', options.model.definition.space.slots, devices, SECURE_Q_SLOT_OWNER),
  describeLog: describeSecureQLog,
  preparations: (options) => variedPreparations(options.model.definition.actions),
  // Loaded when a secure-q run starts, not with the registry: its TLS sessions and protocol
  // code cost every other command ~35–50 ms of start-up (measured, issue #17).
  create: async (options, context) => new (await import('./secureController.js')).SecureQController(options, context),
  examples: [
    {
      title: 'the shipped model trained by SecQ-learning on the AIM-94 records, both servers in process',
      options: { model: 'scenarios/models/secure-q-aim94' },
      patients: ['t2dm', 't1d'],
      delivery: 'pen',
    },
    {
      title: 'the same model, with a stricter hypoglycaemia guard (no insulin for 2 days after a reading below 80 mg/dL)',
      options: { model: 'scenarios/models/secure-q-aim94', hypoglycaemiaGuard: { belowMgDl: 80, days: 2 } },
      patients: ['t2dm'],
      delivery: 'pen',
    },
  ],
};
