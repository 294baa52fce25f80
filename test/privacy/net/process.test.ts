/**
 * The transport between real OS processes: a server built by `npm run build`
 * (test/privacy/net/fixtures/echoServer.mjs over dist/) in a child process,
 * this process as its client over loopback TLS-PSK. A wrong key is refused
 * and logged by the child, which goes on serving; a child that dies
 * mid-protocol rejects the pending exchange by session and op.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generatePskKeys, parsePskKeys, readPskKeyFile, writePskKeyFiles } from '../../../src/privacy/net/keys.js';
import { connect } from '../../../src/privacy/net/link.js';
import { sessionChannel } from '../../../src/privacy/net/peerChannel.js';
import { SessionMux } from '../../../src/privacy/net/sessions.js';
import { HOST, waitFor, words } from './helpers.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..');
const FIXTURE = join(HERE, 'fixtures', 'echoServer.mjs');
const BUILT = join(ROOT, 'dist', 'src', 'privacy', 'net');
const SOURCES = join(ROOT, 'src', 'privacy', 'net');

const dir = mkdtempSync(join(tmpdir(), 'glucosim-net-proc-'));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  // The child runs the built code: it must exist and be no older than the sources it was built from.
  const missing = readdirSync(SOURCES).filter((f) => f.endsWith('.ts')).filter((f) => {
    const built = join(BUILT, f.replace(/\.ts$/, '.js'));
    return !existsSync(built) || statSync(built).mtimeMs < statSync(join(SOURCES, f)).mtimeMs;
  });
  if (missing.length > 0) throw new Error(`dist/src/privacy/net is missing or older than ${missing.join(', ')}: run 'npm run build' first (npm test does)`);
});

interface Child {
  readonly process: ChildProcess;
  readonly port: number;
  readonly stderr: string[];
  readonly exit: Promise<number | null>;
}

/** Start the fixture and wait for its port. */
async function startServer(args: string[]): Promise<Child> {
  const child = spawn(process.execPath, [FIXTURE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(...d.split('\n').filter((l) => l !== '')));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening (\d+)\n/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void exit.then((code) => reject(new Error(`the server exited (${code}) before listening: ${stderr.join('\n')}`)));
  });
  return { process: child, port, stderr, exit };
}

describe('separate OS processes', () => {
  const paths = writePskKeyFiles(join(dir, 'keys'), generatePskKeys(['es0', 'es1']));
  const es1 = readPskKeyFile(paths[1]!);

  it('exchanges over TLS-PSK with a server process; a wrong key is refused and logged there, and the server goes on', async () => {
    const server = await startServer(['--keys', paths[0]!]);
    const conn = await connect({ host: HOST, port: server.port, keys: es1, peer: 'es0' });
    const mux = new SessionMux(conn);
    const a = sessionChannel(mux.open(1n, 'echo'));
    const b = sessionChannel(mux.open(2n, 'echo'));
    const [ra, rb] = await Promise.all([a.exchange('mul', words(1, 2, 3)), b.exchange('open', words((1n << 64n) - 1n))]);
    expect(ra).toEqual(words(2, 3, 4));
    expect(rb).toEqual(words(0));
    for (let i = 0; i < 20; i++) expect(await a.exchange(`round${i}`, words(i))).toEqual(words(i + 1));
    expect(a.stats).toEqual({ bytesSent: 24 + 20 * 8, bytesReceived: 24 + 20 * 8, rounds: 21 });
    expect(conn.wire.bytesSent).toBeGreaterThan(a.stats.bytesSent + b.stats.bytesSent);

    const forged = parsePskKeys({ format: 'glucosim-psk/1', identity: 'es1', keys: { es0: '00'.repeat(32) } }, 'forged.json');
    await expect(connect({ host: HOST, port: server.port, keys: forged, peer: 'es0' })).rejects.toThrow(/different keys/);
    await waitFor(() => server.stderr.some((l) => l.includes('wrong key for identity "es1"')), 'the refusal in the server log');

    // The old connection still works, and so does a new one.
    expect(await b.exchange('again', words(5))).toEqual(words(6));
    const conn2 = await connect({ host: HOST, port: server.port, keys: es1, peer: 'es0' });
    expect(await sessionChannel(new SessionMux(conn2).open(1n, 'echo')).exchange('x', words(9))).toEqual(words(10));
    conn.close();
    conn2.close();
    server.process.kill();
    expect(await server.exit).toBe(null);
  });

  it('a server process that dies mid-protocol rejects the pending exchange, naming the session and the op', async () => {
    const server = await startServer(['--keys', paths[0]!]);
    const conn = await connect({ host: HOST, port: server.port, keys: es1, peer: 'es0' });
    const mux = new SessionMux(conn);
    const alive = sessionChannel(mux.open(1n, 'echo'));
    expect(await alive.exchange('warm-up', words(1))).toEqual(words(2));
    const doomed = sessionChannel(mux.open(2n, 'exit'));
    const pendingAlive = new SessionMux(await connect({ host: HOST, port: server.port, keys: es1, peer: 'es0' })).open(1n, 'echo').receive('never');
    await Promise.all([
      expect(doomed.exchange('q-update/argmax', words(7))).rejects.toThrow(/^session 2 \(exit\) with es0, op "q-update\/argmax": connection to es0 lost/),
      // A session on another connection to the same process fails the same way.
      expect(pendingAlive).rejects.toThrow(/^session 1 \(echo\) with es0, op "never": connection to es0 lost/),
    ]);
    expect(await server.exit).toBe(3);
    await expect(alive.exchange('after', words(1))).rejects.toThrow(/session 1 \(echo\) with es0, op "after": connection to es0 lost/);
  });

  it('plaintext on loopback, when asked for', async () => {
    const server = await startServer(['--plaintext', '--identity', 'es0']);
    const conn = await connect({ host: HOST, port: server.port, plaintext: true, identity: 'es1', peer: 'es0' });
    expect(conn.encrypted).toBe(false);
    expect(await sessionChannel(new SessionMux(conn).open(1n, 'echo')).exchange('x', words(1, 2))).toEqual(words(2, 3));
    conn.close();
  });
});
