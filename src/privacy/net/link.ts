/**
 * Opening links between parties: `listen` (edge servers, the dealer) and
 * `connect`, each giving `FramedConnection`s whose peer is known.
 *
 * A link is TCP, then TLS-PSK (tlsPsk.ts) unless `plaintext: true` is asked
 * for — refused on anything but a loopback address, since it is only for
 * benchmarks on one machine — then one HELLO frame each way: the client
 * names itself (over TLS it must name the identity its key proved), the
 * server answers with its own name. A client that fails any of this is
 * logged with the reason and dropped; the server goes on serving.
 */
import { isIP, createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { FrameStream, type FramedConnection, type Logger } from './connection.js';
import { type Frame, FrameKind, kindName } from './frame.js';
import { identityProblem, type PskKeys } from './keys.js';
import { DEFAULT_TLS_PSK_PROFILE, secureClientSide, secureServerSide, serverContext, type TlsPskProfile } from './tlsPsk.js';

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
const HELLO_OP = 'hello';

/** How a link is secured: keys (TLS-PSK, the default way) or, explicitly, nothing. */
interface LinkSecurity {
  /** This party's keys: TLS-PSK. */
  readonly keys?: PskKeys;
  /** No TLS: loopback benchmarks only, and then `identity` names this party. */
  readonly plaintext?: boolean;
  /** This party's identity; taken from `keys` when omitted (and must match them when given). */
  readonly identity?: string;
  readonly tls?: TlsPskProfile;
  readonly log?: Logger;
  readonly maxFrameBytes?: number;
  /** TCP connect (client), TLS and HELLO must be done within this time. */
  readonly handshakeTimeoutMs?: number;
}

export interface ListenOptions extends LinkSecurity {
  readonly host: string;
  /** 0 picks a free port (see `LinkServer.port`). */
  readonly port: number;
  /** Called with each authenticated connection; an exception closes that connection only. */
  readonly onConnection: (connection: FramedConnection) => void;
}

export interface LinkServer {
  readonly host: string;
  readonly port: number;
  /** Connections open now (handshakes in progress included). */
  readonly connections: number;
  /** Stop accepting and close every connection. */
  close(): Promise<void>;
}

export interface ConnectOptions extends LinkSecurity {
  readonly host: string;
  readonly port: number;
  /** The server's identity: picks the key of the link (required with keys) and is checked against its HELLO. */
  readonly peer?: string;
  readonly signal?: AbortSignal;
}

/** Writes every line to stderr: refusals should not vanish when no logger is given. */
const stderrLogger: Logger = (line) => process.stderr.write(`${line}\n`);

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host.toLowerCase().startsWith('::ffff:127.');
}

/** This party's identity and keys, or a clear refusal of an option set that is neither TLS nor explicit plaintext. */
function security(options: LinkSecurity & { readonly host: string }, what: string): { identity: string; keys: PskKeys | undefined } {
  if (options.keys && options.plaintext) throw new Error(`${what}: give either keys (TLS-PSK) or plaintext: true, not both`);
  if (!options.keys && !options.plaintext) throw new Error(`${what}: links are TLS-PSK: give keys (or plaintext: true for a loopback benchmark)`);
  if (options.plaintext && !isLoopback(options.host)) {
    throw new Error(`${what}: plaintext links are for loopback benchmarks only, and ${options.host} is not a loopback address`);
  }
  const identity = options.identity ?? options.keys?.identity;
  if (identity === undefined) throw new Error(`${what}: a plaintext link needs identity`);
  if (options.keys && identity !== options.keys.identity) throw new Error(`${what}: identity ${JSON.stringify(identity)} is not the key file's (${JSON.stringify(options.keys.identity)})`);
  const bad = identityProblem(identity);
  if (bad) throw new Error(`${what}: ${bad}`);
  return { identity, keys: options.keys };
}

function hello(identity: string): Frame {
  return { kind: FrameKind.HELLO, session: 0n, round: 0, op: HELLO_OP, payload: Buffer.from(identity, 'utf8') };
}

/** The first frame of a connection (the HELLO), or a rejection if it closes first. */
function firstFrame(conn: FrameStream): Promise<Frame> {
  return new Promise((resolve, reject) => {
    conn.setHandler((f) => {
      // Later frames wait in the connection's queue for the application's consumer.
      conn.setHandler(undefined);
      resolve(f);
    });
    conn.onClose((e) => reject(new Error(`connection closed before the HELLO${e ? `: ${e.message}` : ''}`)));
  });
}

/** The identity a HELLO frame names, or why it is not a good HELLO. */
function helloIdentity(f: Frame): string {
  if (f.kind === FrameKind.ERROR) throw new Error(`refused by the peer: ${Buffer.from(f.payload).toString('utf8')}`);
  if (f.kind !== FrameKind.HELLO || f.session !== 0n) throw new Error(`the first frame must be a HELLO on session 0, not ${kindName(f.kind)} on session ${f.session}`);
  const identity = Buffer.from(f.payload).toString('utf8');
  const bad = identityProblem(identity);
  if (bad) throw new Error(`HELLO: ${bad}`);
  return identity;
}

/** Run `step` with a deadline: on expiry `onTimeout` runs (it destroys the socket, which makes `step` fail). */
async function withDeadline<T>(ms: number, onTimeout: () => void, step: () => Promise<T>): Promise<T> {
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    onTimeout();
  }, ms);
  try {
    return await step();
  } catch (e) {
    throw expired ? new Error(`handshake timed out after ${ms} ms`) : e;
  } finally {
    clearTimeout(timer);
  }
}

export async function listen(options: ListenOptions): Promise<LinkServer> {
  const { identity, keys } = security(options, 'listen');
  const log = options.log ?? stderrLogger;
  const context = keys ? serverContext(options.tls ?? DEFAULT_TLS_PSK_PROFILE) : undefined;
  const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const open = new Set<Socket>();

  const accept = async (raw: Socket): Promise<void> => {
    open.add(raw);
    raw.once('close', () => open.delete(raw));
    // Errors of the raw socket surface on the TLS socket (or the FrameStream) that wraps it;
    // this listener only keeps one that arrives before either from being uncaught.
    raw.on('error', () => {});
    const from = `${raw.remoteAddress ?? '?'}:${raw.remotePort ?? '?'}`;
    let conn: FrameStream | undefined;
    // Set when the refusal was sent to the client: the socket then closes after it is flushed.
    let told = false;
    try {
      conn = await withDeadline(timeoutMs, () => raw.destroy(), async () => {
        let stream: FrameStream;
        let proven: string | undefined;
        if (keys) {
          const secured = await secureServerSide(raw, keys, context!);
          proven = secured.identity;
          stream = new FrameStream({ stream: secured.socket, raw, encrypted: true, localIdentity: identity, maxFrameBytes: options.maxFrameBytes, log });
        } else {
          stream = new FrameStream({ stream: raw, raw, encrypted: false, localIdentity: identity, maxFrameBytes: options.maxFrameBytes, log });
        }
        let claimed: string;
        try {
          claimed = helloIdentity(await firstFrame(stream));
          if (proven !== undefined && claimed !== proven) throw new Error(`HELLO names ${JSON.stringify(claimed)}, but the key proved ${JSON.stringify(proven)}`);
        } catch (e) {
          // Tell the client why before closing, where the stream still allows it.
          if (!stream.isClosed) {
            stream.send({ kind: FrameKind.ERROR, session: 0n, round: 0, op: HELLO_OP, payload: Buffer.from((e as Error).message, 'utf8') });
            stream.close();
            told = true;
          }
          throw e;
        }
        stream.identify(claimed);
        stream.send(hello(identity));
        return stream;
      });
    } catch (e) {
      log(`link ${from}: connection refused: ${(e as Error).message}`);
      if (!told) raw.destroy();
      return;
    }
    try {
      options.onConnection(conn);
    } catch (e) {
      log(`link ${conn.peerName}: closing the connection: onConnection failed: ${(e as Error).stack ?? String(e)}`);
      conn.destroy(e as Error);
    }
  };

  const server: Server = createServer((raw) => void accept(raw));
  // After listening, an accept error (EMFILE …) is logged; the server keeps going.
  const onServerError = (e: Error) => log(`listen ${options.host}:${options.port}: ${e.message}`);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.removeListener('error', reject);
      server.on('error', onServerError);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    host: options.host,
    port,
    get connections() {
      return open.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const raw of open) raw.destroy();
      }),
  };
}

export async function connect(options: ConnectOptions): Promise<FramedConnection> {
  const { identity, keys } = security(options, 'connect');
  if (keys && options.peer === undefined) throw new Error('connect: with keys, peer (the server\'s identity) picks the key of the link');
  const log = options.log ?? stderrLogger;
  const where = `${options.host}:${options.port}`;
  const target = options.peer === undefined ? where : `${options.peer} at ${where}`;
  options.signal?.throwIfAborted();
  const raw = netConnect({ host: options.host, port: options.port });
  raw.on('error', () => {}); // reported through the steps below (see listen)
  const onAbort = () => raw.destroy();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await withDeadline(options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS, () => raw.destroy(), async () => {
      await new Promise<void>((resolve, reject) => {
        raw.once('connect', resolve);
        raw.once('error', (e) => reject(new Error(`TCP connect failed: ${(e as NodeJS.ErrnoException).code ?? e.message}`)));
        raw.once('close', () => reject(new Error('TCP connect failed: closed')));
      });
      const stream = keys
        ? new FrameStream({ stream: await secureClientSide(raw, keys, options.peer!, options.tls), raw, encrypted: true, localIdentity: identity, maxFrameBytes: options.maxFrameBytes, log })
        : new FrameStream({ stream: raw, raw, encrypted: false, localIdentity: identity, maxFrameBytes: options.maxFrameBytes, log });
      stream.send(hello(identity));
      const server = helloIdentity(await firstFrame(stream));
      if (options.peer !== undefined && server !== options.peer) {
        stream.destroy();
        throw new Error(`expected ${JSON.stringify(options.peer)} at ${where}, but it says it is ${JSON.stringify(server)}`);
      }
      stream.identify(server);
      return stream;
    });
  } catch (e) {
    raw.destroy();
    if (options.signal?.aborted) throw options.signal.reason;
    throw new Error(`connect to ${target}: ${(e as Error).message}`);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
