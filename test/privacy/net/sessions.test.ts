/**
 * Sessions over TLS-PSK links on loopback: two parties exchanging over
 * PeerChannels; every broken rule (replay, out-of-order, wrong op, unknown or
 * closed session, malformed or oversize frames) refused with a logged reason
 * while another session on the same server keeps working; a lost connection
 * or a cancellation rejecting the pending exchange by session and op.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FramedConnection } from '../../../src/privacy/net/connection.js';
import { encodeFrame, type Frame, FrameKind } from '../../../src/privacy/net/frame.js';
import { connect, listen } from '../../../src/privacy/net/link.js';
import { sessionChannel } from '../../../src/privacy/net/peerChannel.js';
import { randomSessionId, type Session, SessionError, SessionMux } from '../../../src/privacy/net/sessions.js';
import { bytesToWords, wordsToBytes } from '../../../src/privacy/net/words.js';
import { collector, echoServer, HOST, keySet, rawClient, waitFor, words } from './helpers.js';

const keys = keySet(['es0', 'es1']);
const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});

const data = (session: bigint, round: number, op: string, w: BigUint64Array | Uint8Array): Frame => ({
  kind: FrameKind.DATA,
  session,
  round,
  op,
  payload: w instanceof BigUint64Array ? wordsToBytes(w) : w,
});
const openFrame = (session: bigint, protocol: string): Frame => ({ kind: FrameKind.OPEN, session, round: 0, op: protocol, payload: new Uint8Array(0) });

async function testServer() {
  const logged = collector();
  const served = await echoServer({ keys: keys.get('es0')!, log: logged.log, maxFrameBytes: 4096 });
  opened.push(served.server);
  return { ...served, logged };
}

async function client(port: number): Promise<{ conn: FramedConnection; mux: SessionMux }> {
  const conn = await connect({ host: HOST, port, keys: keys.get('es1')!, peer: 'es0', maxFrameBytes: 4096 });
  opened.push(conn);
  return { conn, mux: new SessionMux(conn) };
}

/** A session on the good connection that must keep working while another is refused. */
async function stillWorks(mux: SessionMux, round: number, ch = sessionChannel(mux.open(randomSessionId(), 'echo'))) {
  for (let i = 0; i < round; i++) expect(await ch.exchange('ping', words(i))).toEqual(words(i + 1));
  return ch;
}

const errorFrames = (frames: Frame[], session: bigint) => frames.filter((f) => f.kind === FrameKind.ERROR && f.session === session).map((f) => Buffer.from(f.payload).toString());

describe('two parties over PeerChannels', () => {
  it('open additive shares in one process over loopback TLS: party 0 here, party 1 in the server, many sessions at once', async () => {
    const results: bigint[][] = [];
    const server = await listen({
      host: HOST,
      port: 0,
      keys: keys.get('es0')!,
      log: () => {},
      onConnection(conn) {
        new SessionMux(conn, {
          onOpen(session) {
            // Party 1: holds x1 = session id · 1000 + k, learns x = x0 + x1 (mod 2^64) by one exchange a value.
            void (async () => {
              const ch = sessionChannel(session);
              const opened: bigint[] = [];
              for (let k = 0n; k < 5n; k++) {
                const x1 = words(session.id * 1000n + k);
                const x0 = await ch.exchange(`open${k}`, x1);
                opened.push(BigInt.asUintN(64, x0[0]! + x1[0]!));
              }
              results.push(opened);
              session.close();
            })();
          },
        });
      },
    });
    opened.push(server);
    const { mux } = await client(server.port);
    // Party 0 holds x0 = 7 − x1 (mod 2^64), so every opened value is 7 + k.
    const runs = [1n, 2n, 3n].map(async (id) => {
      const ch = sessionChannel(mux.open(id, 'open-shares'));
      const got: bigint[] = [];
      for (let k = 0n; k < 5n; k++) {
        const x0 = words(BigInt.asUintN(64, 7n + k - (id * 1000n + k)) + 0n);
        const x1 = await ch.exchange(`open${k}`, x0);
        got.push(BigInt.asUintN(64, x0[0]! + x1[0]!));
      }
      expect(ch.stats).toEqual({ bytesSent: 40, bytesReceived: 40, rounds: 5 });
      return got;
    });
    for (const got of await Promise.all(runs)) expect(got).toEqual([7n, 8n, 9n, 10n, 11n]);
    await waitFor(() => results.length === 3, 'party 1 of every session');
    for (const r of results) expect(r).toEqual([7n, 8n, 9n, 10n, 11n]);
  });

  it('large vectors (100 000 words) go through intact', async () => {
    const served = await echoServer({ keys: keys.get('es0')!, log: () => {} });
    opened.push(served.server);
    const conn = await connect({ host: HOST, port: served.server.port, keys: keys.get('es1')!, peer: 'es0' });
    opened.push(conn);
    const ch = sessionChannel(new SessionMux(conn).open(1n, 'echo'));
    const big = BigUint64Array.from({ length: 100_000 }, (_, i) => BigInt(i) * 0x9e3779b97f4a7c15n);
    const back = await ch.exchange('big', big);
    expect(back.every((w, i) => w === BigInt.asUintN(64, big[i]! + 1n))).toBe(true);
  });

  it('a peer message of the wrong length, and concurrent exchanges, are refused', async () => {
    const { server, logged } = await testServer();
    const { mux } = await client(server.port);
    const ch = sessionChannel(mux.open(1n, 'steps'));
    // The server sends one word per step; we send two: the server's channel sees a payload of the wrong length.
    await expect(ch.exchange('step1', words(5, 6))).rejects.toThrow('session 1 (steps) with es0, op "step1": round 1: the peer sent 8 bytes (1 words), expected 16 (2 words)');
    await waitFor(() => logged.lines.length > 0, 'the server log');
    // Each side refuses the other's message: the client's DATA reaches the server before the client's ERROR does.
    expect(logged.lines).toEqual(['session 1 (steps) with es1, op "step1": round 1: the peer sent 16 bytes (2 words), expected 8 (1 words): session aborted']);

    const ch2 = sessionChannel(mux.open(2n, 'steps'));
    const first = ch2.exchange('step1', words(0));
    await expect(ch2.exchange('step2', words(0))).rejects.toThrow(/calls are sequential/);
    expect(await first).toEqual(words(1));
  });
});

describe('broken rules abort one session, and the others go on', () => {
  it('replayed round', async () => {
    const { server, logged } = await testServer();
    const { mux } = await client(server.port);
    const good = await stillWorks(mux, 1);
    const raw = await rawClient(server.port, keys.get('es1')!, 'es0');
    raw.write(openFrame(7n, 'echo'));
    raw.write(data(7n, 1, 'ping', words(1)));
    raw.write(data(7n, 2, 'ping', words(2)));
    await waitFor(() => raw.frames.filter((f) => f.kind === FrameKind.DATA).length === 2, 'two answers');
    raw.write(data(7n, 2, 'ping', words(2))); // the replay
    await waitFor(() => errorFrames(raw.frames, 7n).length > 0, 'the ERROR frame');
    expect(errorFrames(raw.frames, 7n)).toEqual(['replayed DATA frame: round 2 (op "ping"), rounds up to 2 already received']);
    expect(logged.lines).toContainEqual('session 7 (echo) with es1: replayed DATA frame: round 2 (op "ping"), rounds up to 2 already received: session aborted');
    // The first two rounds were answered, the replay was not.
    expect(raw.frames.filter((f) => f.kind === FrameKind.DATA).map((f) => [f.round, bytesToWords(f.payload)[0]])).toEqual([[1, 2n], [2, 3n]]);
    await stillWorks(mux, 3, good);
    // The server forgets nothing: more frames of the aborted session are dropped without another ERROR.
    raw.write(data(7n, 3, 'ping', words(3)));
    await stillWorks(mux, 1, good);
    expect(errorFrames(raw.frames, 7n)).toHaveLength(1);
  });

  it('out-of-order round (a round skipped)', async () => {
    const { server, logged } = await testServer();
    const { mux } = await client(server.port);
    const raw = await rawClient(server.port, keys.get('es1')!, 'es0');
    raw.write(openFrame(8n, 'echo'));
    raw.write(data(8n, 2, 'ping', words(1)));
    await waitFor(() => errorFrames(raw.frames, 8n).length > 0, 'the ERROR frame');
    expect(errorFrames(raw.frames, 8n)).toEqual(['out-of-order DATA frame: round 2 (op "ping"), expected round 1']);
    expect(logged.lines).toContainEqual('session 8 (echo) with es1: out-of-order DATA frame: round 2 (op "ping"), expected round 1: session aborted');
    await stillWorks(mux, 2);
  });

  it('a frame of the wrong op for the expected step', async () => {
    const { server, logged, sessions } = await testServer();
    const { mux } = await client(server.port);
    const raw = await rawClient(server.port, keys.get('es1')!, 'es0');
    raw.write(openFrame(9n, 'steps'));
    raw.write(data(9n, 1, 'step1', words(0)));
    raw.write(data(9n, 2, 'step7', words(0)));
    await waitFor(() => errorFrames(raw.frames, 9n).length > 0, 'the ERROR frame');
    expect(errorFrames(raw.frames, 9n)).toEqual(['expected op "step2" at round 2, got "step7"']);
    expect(logged.lines).toContainEqual('session 9 (steps) with es1, op "step2": expected op "step2" at round 2, got "step7": session aborted');
    expect(sessions.find((s) => s.id === 9n)!.state).toBe('aborted');
    await stillWorks(mux, 2);
  });

  it('a frame for an unknown session, and for a closed one', async () => {
    const { server, logged } = await testServer();
    const { mux } = await client(server.port);
    const raw = await rawClient(server.port, keys.get('es1')!, 'es0');
    raw.write(data(404n, 1, 'ping', words(1)));
    await waitFor(() => errorFrames(raw.frames, 404n).length > 0, 'the ERROR frame');
    expect(errorFrames(raw.frames, 404n)).toEqual(['unknown session']);
    expect(logged.lines).toContainEqual('session 404 with es1: refused DATA frame (op "ping", round 1): unknown session; session aborted');

    raw.write(openFrame(10n, 'echo'));
    raw.write(data(10n, 1, 'ping', words(1)));
    raw.write({ kind: FrameKind.CLOSE, session: 10n, round: 2, op: '', payload: new Uint8Array(0) });
    raw.write(data(10n, 3, 'ping', words(1)));
    await waitFor(() => errorFrames(raw.frames, 10n).length > 0, 'the ERROR frame');
    expect(errorFrames(raw.frames, 10n)).toEqual(['the session is closed']);
    expect(logged.lines).toContainEqual('session 10 with es1: refused DATA frame (op "ping", round 3): the session is closed; session aborted');
    // Reopening an ended session id is refused too.
    raw.write(openFrame(10n, 'echo'));
    await stillWorks(mux, 2);
    expect(logged.lines.filter((l) => l.startsWith('session 10 '))).toHaveLength(1); // aborted now: later frames are dropped silently
  });

  it('a replayed OPEN of a running session, and a session the server does not know how to run', async () => {
    const { server, logged } = await testServer();
    const { mux } = await client(server.port);
    const raw = await rawClient(server.port, keys.get('es1')!, 'es0');
    raw.write(openFrame(11n, 'echo'));
    raw.write(openFrame(11n, 'echo'));
    await waitFor(() => errorFrames(raw.frames, 11n).length > 0, 'the ERROR frame');
    expect(errorFrames(raw.frames, 11n)).toEqual(['OPEN for a session that is already open (a replayed or reused session id)']);
    raw.write(openFrame(12n, 'tea'));
    await waitFor(() => errorFrames(raw.frames, 12n).length > 0, 'the ERROR frame');
    expect(errorFrames(raw.frames, 12n)).toEqual(['unknown protocol tea']);
    expect(logged.lines).toContainEqual('session 12 (tea) with es1: unknown protocol tea: session aborted');
    await stillWorks(mux, 1);
  });

  it('a malformed frame that keeps the stream (a payload of 12 bytes for words) aborts its session only', async () => {
    const { server, logged } = await testServer();
    const { mux } = await client(server.port);
    const good = await stillWorks(mux, 1);
    const raw = await rawClient(server.port, keys.get('es1')!, 'es0');
    raw.write(openFrame(13n, 'steps'));
    raw.write(data(13n, 1, 'step1', new Uint8Array(12)));
    await waitFor(() => errorFrames(raw.frames, 13n).length > 0, 'the ERROR frame');
    expect(errorFrames(raw.frames, 13n)).toEqual(['round 1: the peer sent 12 bytes (1.5 words), expected 8 (1 words)']);
    expect(logged.lines).toContainEqual('session 13 (steps) with es1, op "step1": round 1: the peer sent 12 bytes (1.5 words), expected 8 (1 words): session aborted');
    // The same raw connection still serves a new session.
    raw.write(openFrame(14n, 'echo'));
    raw.write(data(14n, 1, 'ping', words(41)));
    await waitFor(() => raw.frames.some((f) => f.session === 14n && f.kind === FrameKind.DATA), 'the echo on the same connection');
    await stillWorks(mux, 1, good);
  });

  for (const [what, bytes, reason] of [
    ['bad magic', Buffer.from('GET / HTTP/1.1\r\n\r\n'), /closing the connection: frame magic: bad magic 0x4745/],
    ['an oversize frame', encodeFrame(data(15n, 1, 'ping', new Uint8Array(5000))), /closing the connection: frame length: oversize frame: declares 5000 payload bytes \(5025 in all\), the limit is 4096/],
    ['an unknown frame kind', Buffer.from(encodeFrame(data(15n, 1, 'ping', words(1)))).fill(42, 3, 4), /closing the connection: frame kind: unknown frame kind 42/],
  ] as const) {
    it(`${what} closes its connection; the server serves the other connections and new ones`, async () => {
      const { server, logged } = await testServer();
      const { mux } = await client(server.port);
      const good = await stillWorks(mux, 1);
      const raw = await rawClient(server.port, keys.get('es1')!, 'es0');
      raw.write(openFrame(15n, 'echo'));
      raw.socket.write(bytes);
      await new Promise((r) => raw.socket.once('close', r));
      expect(logged.lines.some((l) => /^link es1 \(127\.0\.0\.1:\d+\): /.test(l) && reason.test(l))).toBe(true);
      await stillWorks(mux, 2, good);
      const again = await client(server.port);
      await stillWorks(again.mux, 1);
    });
  }
});

describe('the end of a session', () => {
  it('a peer disconnecting mid-exchange rejects the pending exchange, naming the session and the op', async () => {
    const { server, logged, connections, sessions } = await testServer();
    const { mux } = await client(server.port);
    const ch = sessionChannel(mux.open(21n, 'silent'));
    const other = sessionChannel(mux.open(22n, 'silent'));
    const pending = ch.exchange('mul/open', words(1, 2, 3));
    const pending2 = other.exchange('argmax/compare', words(1));
    await waitFor(() => sessions.length === 2, 'the server sessions');
    connections[0]!.destroy();
    await expect(pending).rejects.toThrow(/^session 21 \(silent\) with es0, op "mul\/open": connection to es0 lost/);
    await expect(pending2).rejects.toThrow(/^session 22 \(silent\) with es0, op "argmax\/compare": connection to es0 lost/);
    await expect(pending).rejects.toBeInstanceOf(SessionError);
    await expect(pending).rejects.toThrow(/connection to es0 lost \(closed by the peer\)$/);
    // The server's side of both sessions is aborted too, by its own doing.
    const ended = await Promise.all(sessions.map((s) => s.done));
    expect(ended.map((e) => e?.reason)).toEqual(['connection to es1 closed by this side', 'connection to es1 closed by this side']);
    expect(logged.lines.some((l) => l.includes('aborting session(s) 21, 22'))).toBe(true);
    // And the server takes new clients.
    await stillWorks((await client(server.port)).mux, 1);
  });

  it('the server going away rejects a pending receive on the client side in a separate connection as well', async () => {
    const { server } = await testServer();
    const { mux, conn } = await client(server.port);
    const ch = sessionChannel(mux.open(23n, 'silent'));
    const pending = ch.exchange('q-update', words(1));
    await server.close();
    await expect(pending).rejects.toThrow(/^session 23 \(silent\) with es0, op "q-update": connection to es0 lost/);
    expect(conn.isClosed).toBe(true);
    expect(() => mux.open(24n, 'echo')).toThrow(/connection to es0 is closed/);
  });

  it('an AbortSignal cancels the pending exchange and aborts the session on both sides', async () => {
    const { server, sessions } = await testServer();
    const { mux } = await client(server.port);
    const controller = new AbortController();
    const ch = sessionChannel(mux.open(25n, 'silent'), { signal: controller.signal });
    const pending = ch.exchange('slow', words(1));
    await waitFor(() => sessions.length === 1, 'the server session');
    controller.abort(new Error('deadline'));
    await expect(pending).rejects.toThrow('session 25 (silent) with es0, op "slow": cancelled while waiting for op "slow": Error: deadline');
    expect((await sessions[0]!.done)?.reason).toBe('aborted by the peer: cancelled while waiting for op "slow": Error: deadline');
    await expect(ch.exchange('next', words(1))).rejects.toThrow(/session 25 .*op "next": cancelled/);
    await stillWorks(mux, 1);
  });

  it('a closed session refuses to send, and the peer sees the close', async () => {
    const { server, sessions } = await testServer();
    const { mux } = await client(server.port);
    const session: Session = mux.open(26n, 'echo');
    const ch = sessionChannel(session);
    await ch.exchange('ping', words(1));
    session.close();
    expect(session.state).toBe('closed');
    await expect(ch.exchange('ping', words(1))).rejects.toThrow('session 26 (echo) with es0, op "ping": the session is closed');
    expect(await sessions[0]!.done).toBeUndefined();
    expect(sessions[0]!.state).toBe('closed');
    expect(() => mux.open(26n, 'echo')).toThrow('session id 26 is already used on the connection to es0');
  });
});
