/**
 * Opening links: TLS-PSK handshakes that succeed with the right key and fail
 * (logged, server unharmed) with a wrong key or an unknown identity; HELLO
 * checks; plaintext only on loopback and only when asked for; wire counters.
 */
import { connect as netConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FramedConnection } from '../../../src/privacy/net/connection.js';
import { encodeFrame, FrameKind } from '../../../src/privacy/net/frame.js';
import { generatePskKeys, parsePskKeys } from '../../../src/privacy/net/keys.js';
import { connect, type LinkServer, listen } from '../../../src/privacy/net/link.js';
import { SessionMux } from '../../../src/privacy/net/sessions.js';
import { sessionChannel } from '../../../src/privacy/net/peerChannel.js';
import { collector, echoServer, HOST, keySet, rawClient, waitFor, words } from './helpers.js';

const keys = keySet(['es0', 'es1', 'hcp']);
const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});

async function server(log: (l: string) => void, extra: Partial<Parameters<typeof echoServer>[0]> = {}): Promise<LinkServer> {
  const s = (await echoServer({ keys: keys.get('es0')!, log, ...extra })).server;
  opened.push(s);
  return s;
}

/** One echo exchange over a fresh session: proves the link carries data both ways. */
async function echoOnce(conn: FramedConnection, id = 1n): Promise<bigint[]> {
  const mux = new SessionMux(conn);
  const ch = sessionChannel(mux.open(id, 'echo'));
  return [...(await ch.exchange('ping', words(41, 99)))];
}

describe('TLS-PSK links', () => {
  for (const tls of ['tls1.3', 'tls1.2'] as const) {
    it(`${tls}: the right key connects, and each side knows the other's identity`, async () => {
      const logged = collector();
      const s = await server(logged.log, { tls });
      const conn = await connect({ host: HOST, port: s.port, keys: keys.get('es1')!, peer: 'es0', tls });
      opened.push(conn);
      expect(conn.remoteIdentity).toBe('es0');
      expect(conn.localIdentity).toBe('es1');
      expect(conn.encrypted).toBe(true);
      expect(await echoOnce(conn)).toEqual([42n, 100n]);
      expect(logged.lines).toEqual([]);
    });
  }

  for (const tls of ['tls1.3', 'tls1.2'] as const) {
    it(`${tls}: a wrong key fails the handshake on both sides, the reason is logged, and the server takes the next good client`, async () => {
      const logged = collector();
      const s = await server(logged.log, { tls });
      const forged = parsePskKeys({ format: 'glucosim-psk/1', identity: 'es1', keys: { es0: 'cd'.repeat(32) } }, 'forged.json');
      await expect(connect({ host: HOST, port: s.port, keys: forged, peer: 'es0', tls })).rejects.toThrow(/connect to es0 at 127\.0\.0\.1:\d+: TLS-PSK handshake with es0 failed: the two sides hold different keys for this link/);
      await waitFor(() => logged.lines.length > 0, 'the refusal in the log');
      expect(logged.lines[0]).toMatch(/^link 127\.0\.0\.1:\d+: connection refused: TLS-PSK handshake failed: wrong key for identity "es1" \(ERR_SSL_/);

      const good = await connect({ host: HOST, port: s.port, keys: keys.get('es1')!, peer: 'es0', tls });
      opened.push(good);
      expect(await echoOnce(good)).toEqual([42n, 100n]);
    });
  }

  it('an identity the server has no key for is refused by name', async () => {
    const logged = collector();
    const s = await server(logged.log);
    const stranger = parsePskKeys(generatePskKeys(['mallory', 'es0']).get('mallory'), 'mallory.json');
    await expect(connect({ host: HOST, port: s.port, keys: stranger, peer: 'es0' })).rejects.toThrow(/does not know the identity "mallory"/);
    await waitFor(() => logged.lines.length > 0, 'the refusal in the log');
    expect(logged.lines[0]).toMatch(/connection refused: TLS-PSK handshake refused: unknown PSK identity "mallory"$/);
    const good = await connect({ host: HOST, port: s.port, keys: keys.get('hcp')!, peer: 'es0' });
    opened.push(good);
    expect(good.remoteIdentity).toBe('es0');
  });

  it('a client that does not speak TLS, or says nothing, is dropped with a logged reason', async () => {
    const logged = collector();
    const s = await server(logged.log, { handshakeTimeoutMs: 200 });
    const plain = netConnect({ host: HOST, port: s.port });
    plain.on('error', () => {});
    plain.write(encodeFrame({ kind: FrameKind.HELLO, session: 0n, round: 0, op: 'hello', payload: Buffer.from('es1') }));
    const silent = netConnect({ host: HOST, port: s.port });
    silent.on('error', () => {});
    await waitFor(() => logged.lines.length >= 2, 'two refusals');
    expect(logged.lines.some((l) => /connection refused: TLS-PSK handshake failed: ERR_SSL_/.test(l))).toBe(true);
    expect(logged.lines.some((l) => /connection refused: handshake timed out after 200 ms/.test(l))).toBe(true);
    plain.destroy();
    silent.destroy();
  });

  it('the HELLO must name the identity the key proved', async () => {
    const logged = collector();
    const s = await server(logged.log);
    const c = await rawClient(s.port, keys.get('es1')!, 'es0', 'hcp');
    expect(c.frames[0]!.kind).toBe(FrameKind.ERROR);
    expect(Buffer.from(c.frames[0]!.payload).toString()).toBe('HELLO names "hcp", but the key proved "es1"');
    expect(logged.lines).toEqual([expect.stringMatching(/connection refused: HELLO names "hcp", but the key proved "es1"$/)]);
    c.socket.destroy();
    // connect() refuses the same mismatch before sending anything.
    await expect(connect({ host: HOST, port: s.port, keys: keys.get('es1')!, identity: 'hcp', peer: 'es0' })).rejects.toThrow('connect: identity "hcp" is not the key file\'s ("es1")');
  });

  it('a client expecting another server is told so', async () => {
    const s = await server(() => {});
    // es1's key with hcp is a different key: connecting to es0 as if it were hcp fails the handshake itself.
    await expect(connect({ host: HOST, port: s.port, keys: keys.get('es1')!, peer: 'hcp' })).rejects.toThrow(/different keys/);
  });

  it('counts the bytes on the wire, TLS records included, both directions', async () => {
    const s = await server(() => {});
    const conn = await connect({ host: HOST, port: s.port, keys: keys.get('es1')!, peer: 'es0' });
    opened.push(conn);
    const afterHandshake = { ...conn.wire };
    expect(afterHandshake.bytesSent).toBeGreaterThan(100);
    const mux = new SessionMux(conn);
    const ch = sessionChannel(mux.open(1n, 'echo'));
    await ch.exchange('ping', new BigUint64Array(8));
    await ch.exchange('ping', new BigUint64Array(8));
    const before = { ...conn.wire };
    await ch.exchange('ping', new BigUint64Array(8));
    const sent = conn.wire.bytesSent - before.bytesSent;
    // DATA frame: 21-byte header + 4-byte op + 64 payload bytes = 89, in one TLS 1.3 record (+22).
    expect(sent).toBe(89 + 22);
    await waitFor(() => conn.wire.bytesReceived - before.bytesReceived === 89 + 22, 'the reply on the wire');
    expect(ch.stats).toEqual({ bytesSent: 3 * 64, bytesReceived: 3 * 64, rounds: 3 });
  });
});

describe('frames as an async iterable', () => {
  it('yields every frame in order and ends when the peer closes', async () => {
    const got: string[] = [];
    let finished!: () => void;
    const done = new Promise<void>((r) => (finished = r));
    const s = await listen({
      host: HOST,
      port: 0,
      keys: keys.get('es0')!,
      log: () => {},
      onConnection(conn) {
        void (async () => {
          for await (const f of conn.frames()) got.push(`${f.kind}/${f.session}/${f.round}/${f.op}`);
          finished();
        })();
      },
    });
    opened.push(s);
    const conn = await connect({ host: HOST, port: s.port, keys: keys.get('es1')!, peer: 'es0' });
    for (let r = 0; r < 5; r++) conn.send({ kind: FrameKind.DATA, session: 9n, round: r, op: `op${r}`, payload: new Uint8Array(r) });
    conn.close();
    await done;
    expect(got).toEqual(['3/9/0/op0', '3/9/1/op1', '3/9/2/op2', '3/9/3/op3', '3/9/4/op4']);
    expect(() => conn.send({ kind: FrameKind.DATA, session: 9n, round: 5, op: 'x', payload: new Uint8Array(0) })).toThrow(/connection to es0 \(127\.0\.0\.1:\d+\) is closed/);
  });
});

describe('plaintext links', () => {
  it('work on loopback when asked for, and carry no encryption', async () => {
    const logged = collector();
    const { server: s } = await echoServer({ plaintext: true, identity: 'es0', log: logged.log });
    opened.push(s);
    const conn = await connect({ host: HOST, port: s.port, plaintext: true, identity: 'es1', peer: 'es0' });
    opened.push(conn);
    expect(conn.encrypted).toBe(false);
    expect(conn.remoteIdentity).toBe('es0');
    expect(await echoOnce(conn)).toEqual([42n, 100n]);
  });

  it('are refused off loopback, without keys unless asked for, and with both', async () => {
    await expect(listen({ host: '0.0.0.0', port: 0, plaintext: true, identity: 'es0', onConnection: () => {} })).rejects.toThrow('listen: plaintext links are for loopback benchmarks only, and 0.0.0.0 is not a loopback address');
    await expect(connect({ host: '10.1.2.3', port: 1, plaintext: true, identity: 'es1' })).rejects.toThrow(/not a loopback address/);
    await expect(listen({ host: HOST, port: 0, identity: 'es0', onConnection: () => {} })).rejects.toThrow('listen: links are TLS-PSK: give keys (or plaintext: true for a loopback benchmark)');
    await expect(listen({ host: HOST, port: 0, keys: keys.get('es0')!, plaintext: true, onConnection: () => {} })).rejects.toThrow(/either keys .* or plaintext/);
    await expect(connect({ host: HOST, port: 1, keys: keys.get('es1')! })).rejects.toThrow(/peer .* picks the key/);
  });

  it('a client expecting another peer is refused after the HELLO', async () => {
    const { server: s } = await echoServer({ plaintext: true, identity: 'es0', log: () => {} });
    opened.push(s);
    await expect(connect({ host: HOST, port: s.port, plaintext: true, identity: 'es1', peer: 'hcp' })).rejects.toThrow(/expected "hcp" at 127\.0\.0\.1:\d+, but it says it is "es0"/);
  });

  it('a server refusing the HELLO says why', async () => {
    const logged = collector();
    const { server: s } = await echoServer({ plaintext: true, identity: 'es0', log: logged.log });
    opened.push(s);
    const sock = netConnect({ host: HOST, port: s.port });
    sock.on('error', () => {});
    const got: Buffer[] = [];
    sock.on('data', (d) => got.push(d));
    sock.write(encodeFrame({ kind: FrameKind.DATA, session: 5n, round: 1, op: 'x', payload: new Uint8Array(0) }));
    await waitFor(() => logged.lines.length > 0, 'the refusal');
    expect(logged.lines[0]).toMatch(/connection refused: the first frame must be a HELLO on session 0, not DATA on session 5/);
    await waitFor(() => got.length > 0, 'the ERROR frame');
    expect(Buffer.concat(got).toString('latin1')).toContain('the first frame must be a HELLO');
    sock.destroy();
  });

  it('connecting to a closed port fails with the reason', async () => {
    const { server: s } = await echoServer({ plaintext: true, identity: 'es0', log: () => {} });
    const port = s.port;
    await s.close();
    await expect(connect({ host: HOST, port, plaintext: true, identity: 'es1' })).rejects.toThrow(`connect to 127.0.0.1:${port}: TCP connect failed: ECONNREFUSED`);
  });
});
