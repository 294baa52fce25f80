/**
 * Shared pieces of the transport tests: key sets, a collecting logger, an
 * in-process echo server, waiting for a condition, and a raw TLS client that
 * can write bytes no honest peer would.
 */
import { connect as netConnect } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { FramedConnection } from '../../../src/privacy/net/connection.js';
import { encodeFrame, FrameDecoder, FrameKind, type Frame } from '../../../src/privacy/net/frame.js';
import { generatePskKeys, parsePskKeys, type PskKeys } from '../../../src/privacy/net/keys.js';
import { listen, type LinkServer, type ListenOptions } from '../../../src/privacy/net/link.js';
import { type Session, SessionMux } from '../../../src/privacy/net/sessions.js';
import { sessionChannel } from '../../../src/privacy/net/peerChannel.js';
import { secureClientSide } from '../../../src/privacy/net/tlsPsk.js';
import { bytesToWords, wordsToBytes } from '../../../src/privacy/net/words.js';

export const HOST = '127.0.0.1';

/** Decoded keys of every party of a fresh deployment. */
export function keySet(identities: readonly string[]): Map<string, PskKeys> {
  const files = generatePskKeys(identities);
  return new Map([...files].map(([id, f]) => [id, parsePskKeys(JSON.parse(JSON.stringify(f)), `${id}.psk.json`)]));
}

export interface Collected {
  readonly lines: string[];
  readonly log: (line: string) => void;
}

export function collector(): Collected {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

/** Poll `condition` until true (or fail after `ms`). */
export async function waitFor(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Add 1 to every word: the echo server's answer, so a test sees the peer did work. */
export function plusOne(payload: Uint8Array): Buffer {
  const words = bytesToWords(payload);
  for (let i = 0; i < words.length; i++) words[i] = BigInt.asUintN(64, words[i]! + 1n);
  return wordsToBytes(words);
}

/**
 * The test server's protocols, by the OPEN's protocol name:
 * - 'echo': answers each DATA frame with the same op and round, its words plus one;
 * - 'steps': party 1 of a lockstep protocol over a PeerChannel, exchanging
 *   [i] at op `step<i>` (i = 1, 2, …), so it expects those ops in order;
 * - 'silent': receives and never answers.
 */
export function serveTestProtocol(session: Session): void {
  const run = async () => {
    if (session.protocol === 'echo') {
      for (;;) {
        const m = await session.receive();
        session.send(m.op, plusOne(m.payload));
      }
    } else if (session.protocol === 'steps') {
      const ch = sessionChannel(session);
      for (let i = 1; ; i++) await ch.exchange(`step${i}`, words(i));
    } else if (session.protocol === 'silent') {
      await session.receive();
      await new Promise(() => {});
    } else session.abort(`unknown protocol ${session.protocol}`);
  };
  void run().catch(() => {});
}

/** A server of the test protocols; returns it and the sessions and connections it accepted (to inspect their fate). */
export async function echoServer(options: Omit<ListenOptions, 'onConnection' | 'host' | 'port'>): Promise<{ server: LinkServer; sessions: Session[]; connections: FramedConnection[] }> {
  const sessions: Session[] = [];
  const connections: FramedConnection[] = [];
  const server = await listen({
    ...options,
    host: HOST,
    port: 0,
    onConnection(conn) {
      connections.push(conn);
      new SessionMux(conn, {
        log: options.log,
        onOpen(session) {
          sessions.push(session);
          serveTestProtocol(session);
        },
      });
    },
  });
  return { server, sessions, connections };
}

/**
 * A TLS client that has done the HELLO by hand and then lets the test write
 * any bytes; incoming frames are decoded into `frames`.
 */
export async function rawClient(port: number, keys: PskKeys, peer: string, helloAs = keys.identity): Promise<{ socket: TLSSocket; frames: Frame[]; write(f: Frame): void }> {
  const raw = netConnect({ host: HOST, port });
  await new Promise((resolve, reject) => raw.once('connect', resolve).once('error', reject));
  const socket = await secureClientSide(raw, keys, peer);
  const frames: Frame[] = [];
  const decoder = new FrameDecoder();
  socket.on('data', (c: Buffer) => frames.push(...decoder.push(c)));
  socket.on('error', () => {});
  socket.write(encodeFrame({ kind: FrameKind.HELLO, session: 0n, round: 0, op: 'hello', payload: Buffer.from(helloAs) }));
  await waitFor(() => frames.length > 0, 'the server HELLO');
  return { socket, frames, write: (f) => socket.write(encodeFrame(f)) };
}

export function words(...values: (number | bigint)[]): BigUint64Array {
  return BigUint64Array.from(values.map((v) => BigInt(v)));
}
