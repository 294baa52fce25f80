/**
 * OIDPR end to end, with real processes on loopback: `secure-q train` in
 * process and on two edge-server processes with a dealer process, a
 * networked run of the 30-patient scenario (per-decision latency in the
 * report), and the faults the servers must survive: an unauthenticated
 * client, malformed, oversized, replayed and out-of-order frames, a peer
 * that dies mid-training (no partial update of the Q-table).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerPair } from '../../src/privacy/edge/clients.js';
import { readModelShares, readSecureModel } from '../../src/control/qlearning/secureModel.js';
import { readPskKeyFile } from '../../src/privacy/net/keys.js';
import { connect } from '../../src/privacy/net/link.js';
import { FrameKind } from '../../src/privacy/net/frame.js';
import { randomSessionId, SessionMux } from '../../src/privacy/net/sessions.js';
import { newModelId, parseShareFile, shareFile } from '../../src/privacy/oidpr/shareFile.js';
import { CLI, makeTempDir, removeTempDirs, ROOT, runCli } from './helpers.js';

afterAll(removeTempDirs);

const AIM94 = join(ROOT, 'test', 'fixtures', 'aim94');

/** A CLI child process that prints "… listening on HOST:PORT"; resolves with it and its port. */
interface Server {
  readonly child: ChildProcess;
  readonly port: number;
  stderr: string;
}
const started: ChildProcess[] = [];
function startServer(args: readonly string[]): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    const server = { child, port: 0, stderr: '' };
    let out = '';
    child.stderr!.on('data', (d: Buffer) => (server.stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on .*:(\d+)\n/.exec(out);
      if (m && server.port === 0) {
        server.port = Number(m[1]);
        resolve(server);
      }
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}) before it was ready: ${server.stderr}`)));
  });
}
afterAll(() => {
  for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
});

/** dealer, es1, es0 as three processes; `plaintext` for the raw-frame tests. */
async function deployment(keys: string | undefined, extra: { es0?: string[]; es1?: string[] } = {}): Promise<{ dealer: Server; es0: Server; es1: Server }> {
  const sec = (id: string) => (keys ? ['--keys', join(keys, `${id}.psk.json`)] : ['--plaintext']);
  const dealer = await startServer(['dealer', '--listen', '127.0.0.1:0', ...sec('dealer')]);
  const es1 = await startServer(['edge-server', '--party', '1', '--listen', '127.0.0.1:0', '--dealer', `127.0.0.1:${dealer.port}`, ...sec('es1'), ...(extra.es1 ?? [])]);
  const es0 = await startServer(['edge-server', '--party', '0', '--listen', '127.0.0.1:0', '--peer', `127.0.0.1:${es1.port}`, '--dealer', `127.0.0.1:${dealer.port}`, ...sec('es0'), ...(extra.es0 ?? [])]);
  return { dealer, es0, es1 };
}

let records: string;
let keys: string;

beforeAll(() => {
  const dir = makeTempDir('secure-q');
  const imported = join(dir, 'aim94');
  // Three patients' records: enough transitions, quick to train.
  expect(runCli(['import', 'aim94', join(AIM94, 'data-01'), join(AIM94, 'data-02'), join(AIM94, 'data-03'), '--out', imported]).status).toBe(0);
  records = join(imported, 'records.csv');
  keys = join(dir, 'keys');
  expect(runCli(['privacy', 'keygen', '--out', keys]).status).toBe(0);
});

function trainingCheck(model: string): Record<string, number> {
  return JSON.parse(readFileSync(join(model, 'training.json'), 'utf8')) as Record<string, number>;
}

describe('glucosim secure-q train', () => {
  it('in process: the secure Q-table is the plain one within the truncation bound, with the same greedy policy', () => {
    const out = join(makeTempDir('sq-train'), 'model');
    const r = runCli(['secure-q', 'train', records, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const check = trainingCheck(out);
    expect(check.entriesOverBound).toBe(0);
    expect(check.statesWithOtherGreedyAction).toBe(0);
    expect(check.maxDeviationUlps).toBeLessThanOrEqual(check.maxBoundUlps);
  });

  it('learns from a simulated cohort too: glucosim import run turns a run into records', () => {
    const dir = makeTempDir('sq-sim');
    const scenario = JSON.parse(readFileSync(join(ROOT, 'scenarios', 't2dm-smbg-14day.json'), 'utf8')) as Record<string, unknown>;
    scenario.days = 3;
    writeFileSync(join(dir, 'mdi.json'), JSON.stringify(scenario));
    expect(runCli(['run', join(dir, 'mdi.json'), '--cohort', 't2dm#031,t2dm#032,t2dm#033', '--out', join(dir, 'run'), '--quiet', '--no-report']).status).toBe(0);
    const imported = runCli(['import', 'run', join(dir, 'run'), '--out', join(dir, 'records')]);
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toContain('t2dm#031  15 readings');
    const r = runCli(['secure-q', 'train', join(dir, 'records', 'records.csv'), '--out', join(dir, 'model')]);
    expect(r.status).toBe(0);
    expect(trainingCheck(join(dir, 'model')).statesWithOtherGreedyAction).toBe(0);
  });

  it('q-learning train writes the plain table a q-learning controller starts from, equal to the secure one within the bound', () => {
    const dir = makeTempDir('ql-train');
    const table = join(dir, 'table.json');
    const r = runCli(['q-learning', 'train', records, '--out', table]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const doc = JSON.parse(readFileSync(table, 'utf8')) as { format: string; q: string[][] };
    expect(doc.format).toBe('glucosim-qtable/1');
    // The secure training of the same records reconstructs to this table within its bound.
    expect(runCli(['secure-q', 'train', records, '--out', join(dir, 'model')]).status).toBe(0);
    const [s0, s1] = readModelShares(readSecureModel(join(dir, 'model')));
    const plain = doc.q.flat().map((v) => BigInt(v));
    const bound = trainingCheck(join(dir, 'model')).maxBoundUlps!;
    plain.forEach((v, i) => expect(Math.abs(Number(BigInt.asIntN(64, s0.q[i]! + s1.q[i]!) - v))).toBeLessThanOrEqual(bound));
    const scenario = JSON.parse(readFileSync(join(ROOT, 'scenarios', 't2dm-secure-q-14day.json'), 'utf8')) as Record<string, any>;
    scenario.days = 2;
    scenario.controller = { name: 'q-learning', options: { learningDays: 0, startFrom: table } };
    writeFileSync(join(dir, 'ql.json'), JSON.stringify(scenario));
    const run = runCli(['run', join(dir, 'ql.json'), '--cohort', 't2dm#001', '--out', join(dir, 'run'), '--quiet', '--no-report']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(runCli(['q-learning', 'train', records, '--out', table]).stderr).toMatch(/^glucosim: --out: .* already exists/);
  });

  it('refuses bad input with one line naming the option', () => {
    const r = runCli(['secure-q', 'train', records, '--es0', '127.0.0.1:1', '--out', join(makeTempDir('sq-bad'), 'm')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^glucosim: --es1: give both edge servers/);
  });
});

describe('edge servers as processes over TLS', () => {
  let servers: Awaited<ReturnType<typeof deployment>>;
  const addresses = () => [{ host: '127.0.0.1', port: servers.es0.port }, { host: '127.0.0.1', port: servers.es1.port }] as const;

  beforeAll(async () => {
    servers = await deployment(keys);
  });
  afterAll(() => {
    for (const s of [servers?.es0, servers?.es1, servers?.dealer]) s?.child.kill('SIGTERM');
  });

  it('trains by SecQ-learning on the servers to the same check as in process', () => {
    const out = join(makeTempDir('sq-net'), 'model');
    const r = runCli(['secure-q', 'train', records, '--es0', `127.0.0.1:${servers.es0.port}`, '--es1', `127.0.0.1:${servers.es1.port}`, '--keys', join(keys, 'hcp.psk.json'), '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const check = trainingCheck(out);
    expect(check.entriesOverBound).toBe(0);
    expect(check.statesWithOtherGreedyAction).toBe(0);
  });

  it('refuses an unauthenticated client with a logged reason and keeps serving', async () => {
    const forged = { ...readPskKeyFile(join(keys, 'patient.psk.json')), keyFor: () => Buffer.alloc(32, 7) };
    await expect(ServerPair.connect({ servers: addresses(), keys: forged })).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 200));
    expect(servers.es0.stderr).toMatch(/patient/);
    const patient = await ServerPair.connect({ servers: addresses(), keys: readPskKeyFile(join(keys, 'patient.psk.json')) });
    const info = await patient.describe();
    expect((await patient.recommend([0, 5], info)).length).toBe(2);
    patient.close();
  });

  it('a peer that dies mid-training leaves the Q-table as it was, and the restarted pair serves again', async () => {
    const hcp = await ServerPair.connect({ servers: addresses(), keys: readPskKeyFile(join(keys, 'hcp.psk.json')) });
    const { DEFAULT_Q_LEARNING_DEFINITION, parseQLearningDefinition, qLearningParameters } = await import('../../src/control/qlearning/definition.js');
    const { actionSetOf } = await import('../../src/control/qlearning/secureModel.js');
    const { shareModel } = await import('../../src/privacy/oidpr/model.js');
    const definition = parseQLearningDefinition(DEFAULT_Q_LEARNING_DEFINITION, 'default', '');
    const parameters = qLearningParameters(definition);
    // A model whose Q-table is not all zero, so that a partial update would show.
    const q = BigInt64Array.from({ length: parameters.states * parameters.actions }, (_, i) => BigInt((i * 7919) % 65536) - 32768n);
    await hcp.loadModel(newModelId(), shareModel({ parameters, q, actionSet: actionSetOf(definition) }));
    const before = await hcp.exportShares();
    // A long run: 20 AIM-94 patients' records, rounds enough to outlast the kill.
    const all = join(makeTempDir('sq-all'), 'aim94');
    expect(runCli(['import', 'aim94', ...Array.from({ length: 20 }, (_, i) => join(AIM94, `data-${String(i + 1).padStart(2, '0')}`)), '--out', all]).status).toBe(0);
    const { experienceFromRecords } = await import('../../src/control/qlearning/experience.js');
    const { parseRecordsCsv } = await import('../../src/records/recordsCsv.js');
    const experience = experienceFromRecords(parseRecordsCsv(readFileSync(join(all, 'records.csv'), 'utf8'), 'records.csv'), definition);
    const training = hcp.train(before[0].modelId, qLearningParameters(definition), experience.records, { batchSize: 10, rounds: 5 });
    setTimeout(() => servers.es1.child.kill('SIGKILL'), 1000);
    await expect(training).rejects.toThrow();
    hcp.close();
    // es0 notices when its event loop is free again (it may be busy planning the long run).
    for (let waited = 0; waited < 60_000 && !/SecQ-learning.*failed/.test(servers.es0.stderr); waited += 200) await new Promise((r) => setTimeout(r, 200));
    expect(servers.es0.stderr).toMatch(/SecQ-learning.*failed/);
    // es0's share is the one from before the run, to the word: nothing of the failed run was kept.
    const es0Link = await connect({ host: '127.0.0.1', port: servers.es0.port, keys: readPskKeyFile(join(keys, 'hcp.psk.json')), peer: 'es0', log: () => {} });
    const session = new SessionMux(es0Link).open(randomSessionId(), 'ExportShare');
    const exported = parseShareFile(JSON.parse(Buffer.from((await session.receive('share')).payload).toString('utf8')), 'es0');
    expect(Array.from(exported.share.q)).toEqual(Array.from(before[0].share.q));
    es0Link.close();
    // es1 restarts on its port with its share; es0 reconnects by itself and the pair serves again.
    const shareFile1 = join(makeTempDir('sq-share'), 'es1.share.json');
    writeFileSync(shareFile1, JSON.stringify(shareFile(before[1].modelId, 1, before[1].share)));
    servers.es1 = await startServer(['edge-server', '--party', '1', '--listen', `127.0.0.1:${servers.es1.port}`, '--dealer', `127.0.0.1:${servers.dealer.port}`, '--keys', join(keys, 'es1.psk.json'), '--model', shareFile1]);
    await new Promise((r) => setTimeout(r, 1500));
    const again = await ServerPair.connect({ servers: addresses(), keys: readPskKeyFile(join(keys, 'patient.psk.json')) });
    const info = await again.describe();
    expect(info.modelId).toBe(before[0].modelId);
    expect((await again.recommend([1], info)).length).toBe(1);
    again.close();
  }, 120_000);
});

describe('edge servers as processes: frames that break the rules (plaintext loopback, to write raw frames)', () => {
  let servers: Awaited<ReturnType<typeof deployment>>;
  beforeAll(async () => {
    servers = await deployment(undefined);
    // A model to serve.
    const hcp = await ServerPair.connect({ servers: [{ host: '127.0.0.1', port: servers.es0.port }, { host: '127.0.0.1', port: servers.es1.port }], plaintext: true, identity: 'hcp' });
    const { shareModel } = await import('../../src/privacy/oidpr/model.js');
    await hcp.loadModel(newModelId(), shareModel({ parameters: { states: 4, actions: 3, alpha: 0.1, gamma: 0.7, fractionBits: 16 }, q: new BigInt64Array(12), actionSet: [[0], [1], [2]] }));
    hcp.close();
  });
  afterAll(() => {
    for (const s of [servers?.es0, servers?.es1, servers?.dealer]) s?.child.kill('SIGTERM');
  });

  async function stillServes(): Promise<void> {
    const patient = await ServerPair.connect({ servers: [{ host: '127.0.0.1', port: servers.es0.port }, { host: '127.0.0.1', port: servers.es1.port }], plaintext: true, identity: 'patient' });
    const info = await patient.describe();
    expect((await patient.recommend([3], info))[0]!.action).toBe(0);
    patient.close();
  }

  it('a replayed and an out-of-order frame abort their session only, with a logged reason', async () => {
    const conn = await connect({ host: '127.0.0.1', port: servers.es0.port, plaintext: true, identity: 'hcp', peer: 'es0', log: () => {} });
    // A training session whose records frame is sent twice (replay), then one that skips a round.
    conn.send({ kind: FrameKind.OPEN, session: 11n, op: 'SecQ-learning', round: 0, payload: Buffer.from('{"batchSize":1,"rounds":1,"records":1,"modelId":"x"}') });
    conn.send({ kind: FrameKind.DATA, session: 12n, op: 'records', round: 1, payload: new Uint8Array(32) });
    conn.send({ kind: FrameKind.OPEN, session: 13n, op: 'Describe', round: 0, payload: new Uint8Array(0) });
    conn.send({ kind: FrameKind.OPEN, session: 14n, op: 'SecRep', round: 0, payload: new Uint8Array(8) });
    conn.send({ kind: FrameKind.DATA, session: 14n, op: 'x', round: 1, payload: new Uint8Array(8) });
    conn.send({ kind: FrameKind.DATA, session: 14n, op: 'x', round: 1, payload: new Uint8Array(8) });
    conn.send({ kind: FrameKind.DATA, session: 14n, op: 'x', round: 3, payload: new Uint8Array(8) });
    await new Promise((r) => setTimeout(r, 500));
    expect(servers.es0.stderr).toMatch(/session 12 .*unknown session/);
    expect(servers.es0.stderr).toMatch(/session 14.*(replay|round)/);
    conn.close();
    await stillServes();
  });

  it('a malformed and an oversized frame close their connection with a logged reason; the server serves others', async () => {
    const { Socket } = await import('node:net');
    for (const bytes of [Buffer.from('this is not a frame at all, not even close'), Buffer.concat([Buffer.from([0x47, 0x53, 1, 3]), Buffer.alloc(8), Buffer.from([0, 0, 0, 1]), Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from([0])])]) {
      const raw = new Socket();
      // The server may reset this connection after the bad frame (ECONNRESET or
      // EPIPE, then 'close'): expected. An error before the connection is made
      // (refused) fails the test at once instead of hanging until its timeout.
      let rawError: NodeJS.ErrnoException | undefined;
      let connected = false;
      const closed = new Promise((r) => raw.once('close', r));
      await new Promise<void>((resolve, reject) => {
        raw.on('error', (e: NodeJS.ErrnoException) => {
          rawError = e;
          if (!connected) reject(e);
        });
        raw.connect(servers.es0.port, '127.0.0.1', () => {
          connected = true;
          resolve();
        });
      });
      raw.write(bytes);
      await closed;
      if (rawError) expect(['ECONNRESET', 'EPIPE']).toContain(rawError.code);
    }
    expect(servers.es0.stderr).toMatch(/magic|HELLO/);
    await stillServes();
  });
});

describe('a networked run of the 30-patient secure-q scenario', () => {
  it('asks two edge-server processes over TLS and reports the per-decision latency', async () => {
    const dir = makeTempDir('sq-run');
    const serve = spawn(process.execPath, [CLI, 'secure-q', 'serve', join(ROOT, 'scenarios', 'models', 'secure-q-aim94'), '--keys', keys], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(serve);
    let stderr = '';
    serve.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      serve.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      serve.once('exit', (code) => reject(new Error(`secure-q serve exited (${code}): ${stderr}`)));
    });
    const at = JSON.parse(line) as { es0: string; es1: string; patientKeys: string };
    const scenario = JSON.parse(readFileSync(join(ROOT, 'scenarios', 't2dm-secure-q-14day.json'), 'utf8')) as Record<string, any>;
    scenario.days = 2;
    scenario.controller.options = { model: join(ROOT, 'scenarios', 'models', 'secure-q-aim94'), servers: { es0: at.es0, es1: at.es1, keys: at.patientKeys } };
    const file = join(dir, 'networked.json');
    writeFileSync(file, JSON.stringify(scenario));
    const out = join(dir, 'run');
    const r = runCli(['run', file, '--out', out, '--quiet'], 300_000);
    serve.kill('SIGTERM');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = readFileSync(join(out, 'report.html'), 'utf8');
    expect(report).toContain('Secure decisions (SecRep)');
    expect(report).toContain('TLS-PSK');
    expect(report.match(/t2dm#0\d\d: Secure decisions/g)?.length ?? report.match(/Secure decisions \(SecRep\)/g)!.length - 1).toBeGreaterThanOrEqual(30);
  }, 300_000);
});
