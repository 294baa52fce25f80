/**
 * Requests and replies over one framed TLS-PSK link (net/link.ts): how
 * PPOPI's parties call each other in the networked deployment. Every step
 * of Chen & Ye 2025 §5 that crosses from one party to another is one
 * request and one reply, so a link needs no sessions of several rounds:
 *
 * ```
 * request   DATA   session = the request's id (≥ 1, fresh on the link), round 1, op, payload = JSON
 * reply     DATA   the same id, round 1, the same op, payload = JSON
 * refusal   ERROR  the same id, round 1, the same op, payload = {"party", "field", "reason"}
 * ```
 *
 * A refusal ends that request only: the link stays up and the next request
 * is served. The caller's identity is the one its key proved in the TLS-PSK
 * handshake, so no request names its sender. Bytes that are not frames
 * close the link (connection.ts): their boundaries can no longer be trusted.
 */
import { connect, listen } from '../../net/link.js';
import type { FramedConnection, Logger } from '../../net/connection.js';
import { type Frame, FrameKind, kindName } from '../../net/frame.js';
import type { PskKeys } from '../../net/keys.js';
import { BcpInputError } from '../../bcp/errors.js';
import { PpopiRefusal } from '../messages.js';
import { type Caller, decodeRefusal, encodeBody, encodeRefusal, oneLine, type OpSpec } from '../wire.js';

/** Largest frame either side accepts: an attempt of MAX_ATTEMPT_ACTIONS steps at 4096 bits, with room to spare. */
const PPOPI_MAX_FRAME_BYTES = 32 << 20;
/** Requests one link may have unanswered at once (a user asks one thing at a time; the server's unifications overlap). */
export const MAX_IN_FLIGHT = 16;
/** How long a caller waits for a reply by default, ms (a unification of a long attempt at 2048 bits takes seconds). */
export const DEFAULT_CALL_TIMEOUT_MS = 120_000;

export interface Address {
  readonly host: string;
  readonly port: number;
}

/** What a handler knows of the request besides its body. */
export interface CallContext {
  /** The caller's identity, proved by its key. */
  readonly caller: string;
  /** Aborted when the link closes: a handler that waits stops waiting. */
  readonly signal: AbortSignal;
}

export interface Route<Req, Rep> {
  readonly spec: OpSpec<Req, Rep>;
  handle(request: Req, context: CallContext): Promise<Rep> | Rep;
}

/** A route, typed by its op (the table below holds routes of different types). */
export function route<Req, Rep>(spec: OpSpec<Req, Rep>, handle: (request: Req, context: CallContext) => Promise<Rep> | Rep): Route<unknown, unknown> {
  return { spec, handle } as unknown as Route<unknown, unknown>;
}

export interface ServeOptions {
  /** This party's name in refusals ('kgc', 'server'). */
  readonly party: string;
  readonly routes: readonly Route<unknown, unknown>[];
  /** The caller's role in the deployment; an op of another role is refused. */
  readonly roleOf: (identity: string) => Caller | undefined;
  readonly log: Logger;
}

/** Any failure of a handler as the refusal sent back: the role classes' own, a BCP check's, or (logged here) an internal error. */
function asRefusal(err: unknown, party: string, op: string, log: Logger): PpopiRefusal {
  if (err instanceof PpopiRefusal) return err;
  if (err instanceof BcpInputError) return new PpopiRefusal(party, err.field, err.reason);
  // The role classes' RangeErrors describe the request (too many distinct actions, a learning option), never a secret.
  if (err instanceof RangeError) return new PpopiRefusal(party, op, err.message);
  log(`${party}: ${op} failed: ${(err as Error)?.stack ?? String(err)}`);
  return new PpopiRefusal(party, op, `internal error (logged by ${party})`);
}

/** Serve requests on one accepted link with `routes`. */
function serveRequests(connection: FramedConnection, options: ServeOptions): void {
  const { party, log } = options;
  const routes = new Map(options.routes.map((r) => [r.spec.op, r]));
  const caller = connection.remoteIdentity;
  const role = options.roleOf(caller);
  const inFlight = new Set<bigint>();
  const closed = new AbortController();
  connection.onClose(() => closed.abort(new Error(`the link to ${caller} closed`)));

  const send = (frame: Frame): void => {
    if (!connection.isClosed) connection.send(frame);
  };
  const refuse = (f: Frame, refusal: PpopiRefusal): void => {
    log(`${party}: refused ${f.op || kindName(f.kind)} from ${caller}: ${oneLine(refusal.message)}`);
    send({ kind: FrameKind.ERROR, session: f.session, round: 1, op: f.op, payload: encodeRefusal(refusal) });
  };

  const handle = async (f: Frame, r: Route<unknown, unknown>): Promise<void> => {
    let payload: Buffer;
    try {
      const request = r.spec.decodeRequest(f.payload, party);
      payload = encodeBody(await r.handle(request, { caller, signal: closed.signal }));
    } catch (err) {
      refuse(f, asRefusal(err, party, f.op, log));
      return;
    }
    try {
      send({ kind: FrameKind.DATA, session: f.session, round: 1, op: f.op, payload });
    } catch (err) {
      // A reply larger than a frame: refused as such (the link is still in step: nothing was written).
      refuse(f, new PpopiRefusal(party, f.op, `the reply cannot be sent: ${(err as Error).message}`));
    }
  };

  connection.onFrame((f) => {
    if (f.kind === FrameKind.ERROR) {
      log(`${party}: ${caller} reports on request ${f.session}: ${oneLine(Buffer.from(f.payload).toString('utf8'))}`);
      return;
    }
    if (f.kind !== FrameKind.DATA) return refuse(f, new PpopiRefusal(party, 'frame.kind', `a request is a DATA frame, not ${kindName(f.kind)}`));
    if (f.session === 0n) return refuse(f, new PpopiRefusal(party, 'frame.session', "session 0 is the link's own; a request has an id ≥ 1"));
    if (f.round !== 1) return refuse(f, new PpopiRefusal(party, 'frame.round', `a request is round 1 (got ${f.round})`));
    if (inFlight.has(f.session)) return refuse(f, new PpopiRefusal(party, 'frame.session', `request ${f.session} is already in flight`));
    if (inFlight.size >= MAX_IN_FLIGHT) return refuse(f, new PpopiRefusal(party, 'frame', `${MAX_IN_FLIGHT} requests are in flight on this link; wait for their replies`));
    const r = routes.get(f.op);
    if (r === undefined) return refuse(f, new PpopiRefusal(party, 'op', `unknown op '${f.op}' (${party} serves ${[...routes.keys()].join(', ')})`));
    if (r.spec.caller !== role) return refuse(f, new PpopiRefusal(party, 'op', `'${f.op}' is sent by the ${r.spec.caller}, and ${caller} is ${role === undefined ? 'not a registered party' : `a ${role}`}`));
    inFlight.add(f.session);
    void handle(f, r).finally(() => inFlight.delete(f.session));
  });
}

/** A party's listener (the KGC's, the server's), serving requests on every link it accepts. */
export interface PpopiService {
  readonly host: string;
  readonly port: number;
  /** Stop listening, close every link, then what the party holds (`closeParty`: the KGC's workers, the server's link to the KGC). */
  close(): Promise<void>;
}

/**
 * Listen at `at` (port 0 picks a free one) with the party's keys, the caller
 * of every request being the identity its PSK proved, and serve requests
 * (serveRequests) on every link accepted, frames up to PPOPI_MAX_FRAME_BYTES.
 * `closeParty` closes what the party holds besides its links (the KGC's
 * decryption workers, the server's link to the KGC), after the listener.
 */
export async function startService(at: Address, keys: PskKeys, serve: ServeOptions, closeParty: () => Promise<void> | void): Promise<PpopiService> {
  const listener = await listen({
    host: at.host,
    port: at.port,
    keys,
    log: serve.log,
    maxFrameBytes: PPOPI_MAX_FRAME_BYTES,
    onConnection(connection) {
      serveRequests(connection, serve);
    },
  });
  return {
    host: at.host,
    port: listener.port,
    async close() {
      await listener.close();
      await closeParty();
    },
  };
}

interface Pending {
  readonly op: string;
  resolve(payload: Uint8Array): void;
  reject(err: Error): void;
}

/**
 * The calling side of a link: `call` sends a request and resolves with the
 * reply, or rejects with the callee's PpopiRefusal. At most MAX_IN_FLIGHT
 * requests are unanswered at once, the callee's limit (serveRequests): later
 * ones wait here for a reply to free a slot rather than being refused there
 * (the server's link to the KGC carries the unifications of every user's
 * uploads and requests at once).
 */
export class RpcClient {
  readonly connection: FramedConnection;
  private nextId = 1n;
  private readonly pending = new Map<bigint, Pending>();
  private readonly log: Logger;
  private active = 0;
  private readonly queued: (() => void)[] = [];

  constructor(connection: FramedConnection, log: Logger = () => {}) {
    this.connection = connection;
    this.log = log;
    connection.onFrame((f) => this.receive(f));
    connection.onClose((e) => {
      const reason = `the link to ${this.peer} ${e ? `was lost: ${e.message}` : 'closed'}`;
      for (const p of this.pending.values()) p.reject(new Error(`${p.op}: ${reason}`));
      this.pending.clear();
    });
  }

  /** The callee's identity. */
  get peer(): string {
    return this.connection.remoteIdentity;
  }

  get isClosed(): boolean {
    return this.connection.isClosed;
  }

  /** One request of `spec`'s op; the reply is checked as the callee's message (a refusal of this side otherwise). */
  async call<Req, Rep>(spec: OpSpec<Req, Rep>, request: Req, options: { readonly timeoutMs?: number } = {}): Promise<Rep> {
    const reply = await this.send(spec.op, encodeBody(request), options.timeoutMs);
    return spec.decodeReply(reply, this.connection.localIdentity);
  }

  /** A request of any op with any payload (tests of refusals); resolves with the reply's payload. Waits for a free slot first. */
  async send(op: string, payload: Uint8Array, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<Uint8Array> {
    if (this.active >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => this.queued.push(resolve));
    else this.active++;
    try {
      return await this.sendNow(op, payload, timeoutMs);
    } finally {
      // The slot passes to the next waiting request (a closed link fails it at once), or is freed.
      const next = this.queued.shift();
      if (next !== undefined) next();
      else this.active--;
    }
  }

  private sendNow(op: string, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pending.delete(id)) reject(new Error(`${op}: no reply from ${this.peer} within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      const done = { op, resolve: (p: Uint8Array) => (clearTimeout(timer), resolve(p)), reject: (e: Error) => (clearTimeout(timer), reject(e)) };
      this.pending.set(id, done);
      try {
        this.connection.send({ kind: FrameKind.DATA, session: id, round: 1, op, payload });
      } catch (err) {
        this.pending.delete(id);
        done.reject(err as Error);
      }
    });
  }

  close(): void {
    this.connection.close();
  }

  private receive(f: Frame): void {
    const p = this.pending.get(f.session);
    if (p === undefined) {
      // A reply after its timeout, or the callee's word on the link itself.
      if (f.kind === FrameKind.ERROR) this.log(`${this.peer} reports: ${oneLine(Buffer.from(f.payload).toString('utf8'))}`);
      return;
    }
    this.pending.delete(f.session);
    if (f.kind === FrameKind.ERROR) p.reject(decodeRefusal(f.payload, this.peer));
    else if (f.kind === FrameKind.DATA && f.op === p.op) p.resolve(f.payload);
    else p.reject(new PpopiRefusal(this.connection.localIdentity, 'frame', `${this.peer} answered ${p.op} with a ${kindName(f.kind)} frame of op '${f.op}'`));
  }
}

export interface ConnectRpcOptions {
  readonly address: Address;
  readonly keys: PskKeys;
  /** The callee's identity: picks the link's key. */
  readonly peer: string;
  readonly log?: Logger;
  /** Keep trying this long while the callee is not up yet (processes start in any order), ms; 0: once. */
  readonly retryMs?: number;
}

/** Connect to a party over TLS-PSK and return the calling side of the link. */
export async function connectRpc(options: ConnectRpcOptions): Promise<RpcClient> {
  const until = Date.now() + (options.retryMs ?? 0);
  for (let wait = 50; ; wait = Math.min(1000, wait * 2)) {
    try {
      const connection = await connect({ host: options.address.host, port: options.address.port, keys: options.keys, peer: options.peer, log: options.log, maxFrameBytes: PPOPI_MAX_FRAME_BYTES });
      return new RpcClient(connection, options.log);
    } catch (err) {
      if (Date.now() + wait > until) throw err;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
