/**
 * PPOPI's KGC and server as separate OS processes (`glucosim ppopi kgc`,
 * `glucosim ppopi server`, built by `npm run build`), two users as clients
 * in this process over loopback TLS-PSK: set-up (Chen & Ye 2025 §5.1–5.3),
 * attempts, a request and the policy, compared with the same attempts in one
 * process; refusals over the wire (a user not in the task, malformed frames,
 * a ciphertext outside Z_N²), after which the server keeps serving; SIGTERM
 * ends both with status 0.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMasterFile } from '../../../src/privacy/bcp/keyFile.js';
import type { BcpMasterKey, BcpParameters } from '../../../src/privacy/bcp/types.js';
import { FrameKind } from '../../../src/privacy/net/frame.js';
import { PpopiRefusal } from '../../../src/privacy/ppopi/messages.js';
import { PpopiUserClient } from '../../../src/privacy/ppopi/net/userClient.js';
import { inProcessSystem, openTask } from '../../../src/privacy/ppopi/system.js';
import { encodeBody, KGC_OPS, SERVER_OPS } from '../../../src/privacy/ppopi/wire.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const FIXTURE_KEYS = join(ROOT, 'test', 'fixtures', 'bcp', '512');
const HOST = '127.0.0.1';

const dir = mkdtempSync(join(tmpdir(), 'glucosim-ppopi-proc-'));
const deploy = join(dir, 'deploy');
const children: ChildProcess[] = [];
const clients: PpopiUserClient[] = [];

interface Party {
  readonly process: ChildProcess;
  readonly port: number;
  readonly stderr: string[];
  readonly exit: Promise<number | null>;
}

/** Start `glucosim <args>` and wait for its "<party> listening on HOST:PORT" line. */
async function startParty(party: string, args: string[]): Promise<Party> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(...d.split('\n').filter((l) => l !== '')));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = new RegExp(`^${party} listening on ${HOST.replace(/\./g, '\\.')}:(\\d+)\\n`).exec(out);
      if (m) resolve(Number(m[1]));
    });
    void exit.then((code) => reject(new Error(`${party} exited (${code}) before listening: ${stderr.join('\n')}`)));
  });
  return { process: child, port, stderr, exit };
}

let keysDir: string;
let parameters: BcpParameters;
let master: BcpMasterKey;
let kgc: Party;
let server: Party;
const address = (p: Party) => ({ host: HOST, port: p.port });
const connectUser = async (id: string) => {
  const client = await PpopiUserClient.connect({ dir: join(deploy, id), kgc: address(kgc), server: address(server) });
  clients.push(client);
  return client;
};

const shape = { stateCount: 6, actionCount: 3 };
const learning = { gamma: 0.9 };
const users = ['u1', 'u2'];
/** The attempts, in the order they are submitted: (user, attempt). */
const attempts = [
  ['u1', { states: [0, 1, 2, 5], actions: [1, 2, 0] }],
  ['u2', { states: [0, 3, 4, 5], actions: [2, 2, 1] }],
  ['u1', { states: [0, 1, 1, 3], actions: [1, 0, 2], truncated: true }],
] as const;

beforeAll(async () => {
  // The processes run the built code: it must exist and be no older than its sources.
  const sources = [
    ...readdirSync(join(ROOT, 'src', 'privacy', 'ppopi', 'net')).map((f) => join('src', 'privacy', 'ppopi', 'net', f)),
    ...['wire.ts', 'kgc.ts', 'server.ts', 'messages.ts', 'checks.ts'].map((f) => join('src', 'privacy', 'ppopi', f)),
    join('src', 'cli', 'ppopiProcesses.ts'),
  ].filter((f) => f.endsWith('.ts'));
  const stale = sources.filter((f) => {
    const built = join(ROOT, 'dist', f.replace(/\.ts$/, '.js'));
    return !existsSync(built) || statSync(built).mtimeMs < statSync(join(ROOT, f)).mtimeMs;
  });
  if (stale.length > 0) throw new Error(`dist/ is missing or older than ${stale.join(', ')}: run 'npm run build' first (npm test does)`);

  keysDir = FIXTURE_KEYS;
  if (!existsSync(join(keysDir, 'master.json'))) {
    keysDir = join(dir, 'keys');
    execFileSync(process.execPath, [CLI, 'ppopi', 'keygen', '--bits', '512', '--out', keysDir, '--quiet']);
  }
  ({ parameters, master } = readMasterFile(join(keysDir, 'master.json')));
  const out = execFileSync(process.execPath, [CLI, 'ppopi', 'setup', '--keys', keysDir, '--users', 'u1,u2,u3', '--out', deploy], { encoding: 'utf8' });
  expect(out).toMatch(/3 users registered/);
  kgc = await startParty('kgc', ['ppopi', 'kgc', join(deploy, 'kgc'), '--listen', `${HOST}:0`]);
  server = await startParty('server', ['ppopi', 'server', join(deploy, 'server'), '--listen', `${HOST}:0`, '--kgc', `${HOST}:${kgc.port}`]);
}, 60_000);

afterAll(() => {
  for (const c of clients) c.close();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('ppopi setup', () => {
  it('writes each party its own directory, secrets readable by their owner only', () => {
    const mode = (...path: string[]) => statSync(join(deploy, ...path)).mode & 0o777;
    for (const d of ['kgc', 'server', 'u1', 'u2', 'u3']) {
      expect(mode(d)).toBe(0o700);
      expect(mode(d, 'keypair.json')).toBe(0o600);
      expect(mode(d, `${d}.psk.json`)).toBe(0o600);
    }
    expect(mode('kgc', 'master.json')).toBe(0o600);
    expect(readdirSync(join(deploy, 'kgc', 'registry')).sort()).toEqual(['server.keypair.json', 'u1.keypair.json', 'u2.keypair.json', 'u3.keypair.json']);
    expect(existsSync(join(deploy, 'server', 'master.json'))).toBe(false);
    expect(existsSync(join(deploy, 'u1', 'master.json'))).toBe(false);
  });
});

describe('the KGC and the server as processes, users as clients', () => {
  it('runs a task end to end: the policy each user reads equals the in-process one, and a request answers', async () => {
    const [u1, u2] = await Promise.all(users.map(connectUser));
    const clientOf = { u1: u1!, u2: u2! };
    // Both join at once: each waits at the server for the other's negotiation parameter.
    await Promise.all(users.map((u) => clientOf[u as 'u1' | 'u2'].join('t1', shape, users, learning)));
    for (const [u, attempt] of attempts) await clientOf[u].submitAttempt(attempt);

    const system = inProcessSystem(parameters, master, users, { engine: 'bigint' });
    try {
      openTask(system, 't1', shape, learning);
      for (const [u, attempt] of attempts) {
        const user = system.users.get(u)!;
        await system.server.submitAttempt('t1', u, { ...user.encryptAttempt('t1', attempt), truncated: 'truncated' in attempt });
      }
      const here = system.users.get('u1')!.readPolicy('t1', system.server.deliverPolicy('t1', 'u1'));
      const [p1, p2] = await Promise.all([u1!.policy(), u2!.policy()]);
      let tried = 0;
      for (let s = 0; s < shape.stateCount; s++) {
        for (let a = 0; a < shape.actionCount; a++) {
          expect(p1(s, a)).toBe(here(s, a));
          expect(p2(s, a)).toBe(here(s, a));
          if (here(s, a) !== undefined) tried++;
        }
      }
      expect(tried).toBe(7);

      const u2here = system.users.get('u2')!;
      const answerHere = u2here.readAnswer('t1', await system.server.request('t1', 'u2', u2here.encryptValue('t1', 'state', 0)));
      const answer = await u2!.request(0);
      expect(answer).toEqual(answerHere);
      expect(answer.map((x) => x.action)).toHaveLength(2);
    } finally {
      await system.kgc.close();
    }
  });

  it('refuses a user not in the task, at the server and at the KGC', async () => {
    const u3 = await connectUser('u3');
    const refusal = (p: Promise<unknown>) => p.then(
      () => undefined,
      (e: unknown) => e,
    );
    const open = await refusal(u3.join('t1', shape, users, learning));
    expect(open).toBeInstanceOf(PpopiRefusal);
    expect(open).toMatchObject({ party: 'server', field: 'open-task.users' });
    expect(await refusal(u3.server.call(SERVER_OPS.policy, { taskId: 't1' }))).toMatchObject({ party: 'server', field: 'policy', reason: "'u3' is not a registered user of task 't1'" });
    expect(await refusal(u3.kgc.call(KGC_OPS.grant, { taskId: 't1' }))).toMatchObject({ party: 'kgc', field: 'grant.user' });
    // The server's ops at the KGC are the server's only.
    expect(await refusal(u3.kgc.call(KGC_OPS.unify, { taskId: 't1', items: [{ ciphertext: { a: 2n, b: 3n }, proof: '0'.repeat(64), kind: 'state' }] }))).toMatchObject({ party: 'kgc', field: 'op' });
    // The link is still usable after refusals.
    expect(await refusal(u3.server.call(SERVER_OPS.policy, { taskId: 't1' }))).toBeInstanceOf(PpopiRefusal);
  });

  it('answers a malformed frame with a one-line refusal naming the field, quoting no value, and keeps serving', async () => {
    const u1 = clients.find((c) => c.id === 'u1')!;
    const refused = async (op: string, payload: Buffer) => {
      const e = await u1.server.send(op, payload).then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(PpopiRefusal);
      expect((e as Error).message).not.toMatch(/\n/);
      return e as PpopiRefusal;
    };
    expect(await refused('attempt', Buffer.from('{"taskId": "t1", garbage'))).toMatchObject({ party: 'server', field: 'payload' });
    const badHex = await refused('authorise', encodeBody({ taskId: 't1', authorisation: 'secret0123xyz' }));
    expect(badHex).toMatchObject({ party: 'server', field: 'authorisation' });
    expect(badHex.message).not.toContain('secret0123xyz');
    expect(await refused('negotiation', encodeBody({ taskId: 't1', np: 'ab', extra: 1 }))).toMatchObject({ field: 'extra' });
    expect(await refused('no-such-op', encodeBody({}))).toMatchObject({ field: 'op' });
    expect(await refused('policy', Buffer.from([0xff, 0xfe, 0x00]))).toMatchObject({ field: 'payload' });
    // A frame of another kind than a request's: refused on its id (the client has nothing pending there).
    u1.server.connection.send({ kind: FrameKind.OPEN, session: 1n << 40n, round: 0, op: 'policy', payload: Buffer.alloc(0) });
    for (let waited = 0; !server.stderr.some((l) => l.includes('frame.kind')) && waited < 5_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    // Each refusal is one line of the server's log, and the server goes on: the same link still serves.
    expect(server.stderr.filter((l) => l.includes('refused') && l.includes('from u1')).length).toBeGreaterThanOrEqual(6);
    expect(server.stderr.join('\n')).not.toContain('secret0123xyz');
    expect((await u1.policyView()).states.length).toBeGreaterThan(0);
  });

  it('refuses an attempt with a ciphertext outside Z_N², and counts nothing of it', async () => {
    const u1 = clients.find((c) => c.id === 'u1')!;
    const before = JSON.stringify(await u1.policyView());
    const attempt = u1.user.encryptAttempt('t1', { states: [2, 4], actions: [0] });
    const outside = { ...attempt, actions: [{ ...attempt.actions[0]!, ciphertext: { ...attempt.actions[0]!.ciphertext, mask: { a: parameters.nSquared, b: 1n } } }] };
    await expect(u1.submitEncrypted(outside)).rejects.toMatchObject({ party: 'server', field: 'attempt.actions[0].mask.a', reason: expect.stringMatching(/outside Z_\{N²\}/) });
    expect(JSON.stringify(await u1.policyView())).toBe(before);
    // A well-formed upload is still counted.
    await u1.submitAttempt({ states: [2, 4], actions: [0] });
    expect(JSON.stringify(await u1.policyView())).not.toBe(before);
  });

  it('lets a user join again (a restarted device): a new authorisation, and its uploads count', async () => {
    const again = await connectUser('u2');
    await again.join('t1', shape, users, learning, { timeoutMs: 5_000 });
    const before = await again.policy();
    expect(before(5, 0)).toBeUndefined();
    await again.submitAttempt({ states: [5, 0], actions: [0], truncated: true });
    expect((await again.policy())(5, 0)).toBeDefined();
  });

  it('stops both processes cleanly on SIGTERM', async () => {
    for (const c of clients) c.close();
    server.process.kill('SIGTERM');
    kgc.process.kill('SIGTERM');
    expect(await server.exit).toBe(0);
    expect(await kgc.exit).toBe(0);
  });
});
