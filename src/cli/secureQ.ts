/**
 * `glucosim secure-q train <records.csv> [options] --out DIR`: the provider
 * (HCP) of OIDPR turns measurement records into experience records
 * (s, a, s′, r) on the Q-learning definition's spaces, splits them into
 * additive shares and has two edge servers train a Q-table on the shares by
 * SecQ-learning: in this process (default), or on running servers
 * (`--es0 HOST:PORT --es1 HOST:PORT --keys hcp.psk.json`). It then checks
 * the result against the plain fixed-point Q-learning on the same records
 * (every entry within the truncation bound, the greedy action of every
 * state the same) and writes the model directory: model.json (public),
 * es0.share.json and es1.share.json (one per server, readable by the owner
 * only), training.json (the check, the sizes, the cost).
 *
 * `glucosim secure-q serve <model dir> --keys DIR [--state DIR]`: a local
 * deployment of that model: the dealer and the two edge servers as three
 * processes on loopback, each loading a working copy of its share (in
 * --state, default a new temporary directory; the model directory is not
 * changed); prints their addresses (one JSON line)
 * and runs until SIGINT/SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { qLearningDefinitionToFile, qLearningParameters } from '../control/qlearning/definition.js';
import { greedyPolicy, trainBatches } from '../control/qlearning/qLearning.js';
import { actionSetOf, SECURE_MODEL_FORMAT, SHARE_FILE_NAMES, type SecureModelDocument } from '../control/qlearning/secureModel.js';
import { InputError } from '../io/errors.js';
import { ServerPair } from '../privacy/edge/clients.js';
import { parseAddress } from '../privacy/edge/roles.js';
import { readPskKeyFile } from '../privacy/net/keys.js';
import { InProcessServers } from '../privacy/oidpr/inProcess.js';
import { type ModelShare, shareModel } from '../privacy/oidpr/model.js';
import { newModelId, shareFile } from '../privacy/oidpr/shareFile.js';
import { keygenCommand } from './edge.js';
import { type LearningArguments, learningInputs } from './learningInputs.js';
import { buildOutputDirectory, newOutputDirectory } from './outputDir.js';
import { GLUCOSIM_VERSION } from './version.js';

export interface SecureQTrainArguments extends LearningArguments {
  readonly es0?: string;
  readonly es1?: string;
  readonly keys?: string;
  readonly plaintext?: boolean;
  readonly out?: string;
  /** Replace an existing output directory. */
  readonly force?: boolean;
}

export async function secureQTrainCommand(args: SecureQTrainArguments): Promise<{ out: string; summary: string }> {
  const { definition, experience } = learningInputs(args);
  const { batchSize, rounds } = definition;
  const networked = args.es0 !== undefined || args.es1 !== undefined;
  if (networked && !(args.es0 && args.es1)) throw new InputError(args.es0 ? '--es1' : '--es0', '', 'give both edge servers, --es0 and --es1');
  if (networked && !args.keys && !args.plaintext) throw new InputError('--keys', '', "the provider's key file (hcp.psk.json) is needed to reach the servers, or --plaintext for a loopback benchmark");
  const out = newOutputDirectory(args.out, 'secure-q', args.force, { marker: 'model.json', inputs: [args.records, ...(args.definition ? [args.definition] : []), ...(args.keys ? [args.keys] : [])] });

  const parameters = qLearningParameters(definition);
  const modelId = newModelId();
  const initial = shareModel({ parameters, q: new BigInt64Array(parameters.states * parameters.actions), actionSet: actionSetOf(definition) });
  const schedule = { batchSize, rounds };

  const started = performance.now();
  let shares: [ModelShare, ModelShare];
  let traffic: Record<string, number>;
  if (networked) {
    const at = (text: string, option: string) => parseAddress(text, `--${option}`);
    const pair = await ServerPair.connect({
      servers: [at(args.es0!, 'es0'), at(args.es1!, 'es1')],
      ...(args.plaintext ? { plaintext: true, identity: 'hcp' } : { keys: readPskKeyFile(args.keys!) }),
    });
    try {
      await pair.loadModel(modelId, initial);
      const wireBefore = pair.wireBytes;
      const serverMs = await pair.train(modelId, parameters, experience.records, schedule);
      traffic = { providerToServersWireBytes: pair.wireBytes - wireBefore, serverMs: Math.max(...serverMs) };
      const exported = await pair.exportShares();
      shares = [exported[0].share, exported[1].share];
    } finally {
      pair.close();
    }
  } else {
    const servers = new InProcessServers(initial);
    await servers.train(experience.records, schedule);
    shares = [servers.model[0], servers.model[1]];
    traffic = { rounds: servers.lastTraffic!.rounds, payloadBytesEachWay: servers.lastTraffic!.bytesSent };
  }
  const trainingMs = performance.now() - started;

  // The provider's check: the secure table against plain fixed-point Q-learning on the same records.
  const plain = trainBatches(parameters, experience.records, { batchSize, rounds });
  const secure = Array.from(shares[0].q, (w, i) => BigInt.asIntN(64, w + shares[1].q[i]));
  let maxDeviationUlps = 0;
  let overBound = 0;
  secure.forEach((v, i) => {
    const d = Math.abs(Number(v - plain.q[i]));
    maxDeviationUlps = Math.max(maxDeviationUlps, d);
    if (d > plain.bound[i]) overBound++;
  });
  const plainPolicy = greedyPolicy(plain.q, parameters.states, parameters.actions);
  const securePolicy = greedyPolicy(BigInt64Array.from(secure), parameters.states, parameters.actions);
  const policyDifferences = plainPolicy.reduce((n, a, s) => n + (a === securePolicy[s] ? 0 : 1), 0);
  if (overBound > 0) throw new Error(`secure training is off: ${overBound} Q-table entries differ from plain Q-learning by more than the truncation bound (a truncation failure; train again)`);

  const trainedOn = {
    records: args.records,
    patients: experience.patients.map((p) => ({ patient: p.patient, transitions: p.count })),
    transitions: experience.records.length,
    batchSize,
    rounds,
    mode: networked ? `edge servers ${args.es0}, ${args.es1}${args.plaintext ? ' (plaintext)' : ' (TLS-PSK)'}` : 'in process',
    glucosim: GLUCOSIM_VERSION,
  };
  const model: SecureModelDocument = { format: SECURE_MODEL_FORMAT, modelId, definition: qLearningDefinitionToFile(definition), trainedOn };
  const check = {
    maxDeviationUlps,
    maxBoundUlps: Math.max(...plain.bound),
    entriesOverBound: overBound,
    statesWithOtherGreedyAction: policyDifferences,
    states: parameters.states,
    actions: parameters.actions,
    trainingMs: Math.round(trainingMs),
    ...traffic,
  };
  await buildOutputDirectory(out, args.force, async (dir) => {
    writeFileSync(join(dir, 'model.json'), `${JSON.stringify(model, null, 2)}\n`);
    SHARE_FILE_NAMES.forEach((name, party) => writeFileSync(join(dir, name), `${JSON.stringify(shareFile(modelId, party as 0 | 1, shares[party]))}\n`, { mode: 0o600 }));
    writeFileSync(join(dir, 'training.json'), `${JSON.stringify(check, null, 2)}\n`);
  });
  const summary = [
    `secure-q train: ${experience.records.length} transitions of ${experience.patients.length} patient(s), δ = ${parameters.states} states, σ = ${parameters.actions} actions, τ = ${batchSize}, Rmax = ${rounds}, ${trainedOn.mode}: ${Math.round(trainingMs)} ms`,
    `check against plain Q-learning: max deviation ${maxDeviationUlps} ulp (bound up to ${check.maxBoundUlps.toFixed(1)}), greedy action differs in ${policyDifferences} of ${parameters.states} states`,
    out,
  ].join('\n');
  return { out, summary: `${summary}\n` };
}

export interface SecureQServeArguments {
  readonly model: string;
  readonly keys: string;
  /** Where the servers keep their share files (they rewrite them when the provider loads or trains a model); default a new temporary directory. */
  readonly state?: string;
  readonly host?: string;
  readonly plaintext?: boolean;
}

/** How long a server process may take to start listening (it connects to the others first). */
const READY_TIMEOUT_MS = 60_000;

/** The CLI's own entry point, to start the three processes with. */
const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

/** Start a child `glucosim …` and resolve with its port once it prints "… listening on HOST:PORT". */
function startChild(args: readonly string[], children: ChildProcess[]): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const m = /listening on .*:(\d+)\n/.exec(buffered);
      if (m) resolvePort(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`glucosim ${args[0]} exited with status ${code} before it was ready`)));
    setTimeout(() => reject(new Error(`glucosim ${args[0]} did not say it was listening within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS).unref();
  });
}

export async function secureQServeCommand(args: SecureQServeArguments): Promise<void> {
  const modelJson = join(args.model, 'model.json');
  if (!existsSync(modelJson)) throw new InputError(args.model, '', 'is not a model directory (no model.json): train one with glucosim secure-q train');
  const host = args.host ?? '127.0.0.1';
  let security: string[] = ['--plaintext'];
  if (!args.plaintext) {
    if (!existsSync(join(args.keys, 'es0.psk.json'))) process.stderr.write(keygenCommand({ out: args.keys }));
    security = [];
  }
  const keyOf = (id: string) => (args.plaintext ? [] : ['--keys', join(args.keys, `${id}.psk.json`)]);
  // The servers' working copies of the shares: the model directory itself stays as trained.
  const state = args.state ?? mkdtempSync(join(tmpdir(), 'glucosim-serve-'));
  const working = SHARE_FILE_NAMES.map((name) => {
    const target = join(state, name);
    if (!existsSync(target)) copyFileSync(join(args.model, name), target);
    return target;
  });
  const children: ChildProcess[] = [];
  const stopAll = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  };
  try {
    const dealer = await startChild(['dealer', '--listen', `${host}:0`, ...keyOf('dealer'), ...security], children);
    const es1 = await startChild(['edge-server', '--party', '1', '--listen', `${host}:0`, '--dealer', `${host}:${dealer}`, '--model', working[1]!, ...keyOf('es1'), ...security], children);
    const es0 = await startChild(['edge-server', '--party', '0', '--listen', `${host}:0`, '--peer', `${host}:${es1}`, '--dealer', `${host}:${dealer}`, '--model', working[0]!, ...keyOf('es0'), ...security], children);
    process.stdout.write(`${JSON.stringify({ es0: `${host}:${es0}`, es1: `${host}:${es1}`, dealer: `${host}:${dealer}`, state, patientKeys: args.plaintext ? null : resolve(args.keys, 'patient.psk.json') })}\n`);
  } catch (e) {
    stopAll();
    throw e;
  }
  const stop = () => {
    stopAll();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for (const c of children) c.once('exit', (code) => {
    process.stderr.write(`glucosim secure-q serve: a server process ended (status ${code}); stopping the others\n`);
    stopAll();
    process.exit(1);
  });
}
