/**
 * Sessions over one connection: many protocol runs (one per patient update,
 * say) share a link, each with its own id and its own rounds.
 *
 * Rules, checked on every frame received:
 * - a session starts with an OPEN (round 0, op = the protocol's name) from
 *   either side; the other side accepts it through `onOpen`;
 * - in each direction, DATA and CLOSE frames number their rounds 1, 2, 3, …
 *   without gaps: a round already seen is a replay, a skipped round is out of
 *   order;
 * - the receiver names the op it expects for the next step, and a frame of
 *   another op is refused;
 * - a frame for a session that is unknown, closed, or whose id was already
 *   used is refused.
 * A broken rule aborts that session only: the reason is logged, the peer gets
 * an ERROR frame, a pending receive is rejected. The other sessions of the
 * connection go on. When the connection is lost every open session is
 * aborted, each pending receive rejected with an Error naming its session
 * and op.
 */
import { randomBytes } from 'node:crypto';
import type { FramedConnection, Logger } from './connection.js';
import { type Frame, FrameKind, kindName } from './frame.js';

export const DEFAULT_MAX_SESSIONS = 1024;
/** Unread DATA frames one session may hold: a lockstep protocol needs at most one. */
export const DEFAULT_MAX_QUEUED_FRAMES = 64;
/** Ended session ids remembered (to refuse their late or replayed frames by name); older ones count as unknown. */
export const DEFAULT_REMEMBER_ENDED = 4096;
/** Longest reason sent in an ERROR frame (the log keeps the whole one). */
const MAX_REASON_BYTES = 1024;
const MAX_U64 = (1n << 64n) - 1n;

export type SessionState = 'open' | 'closed' | 'aborted';

/** A session that was aborted or closed, or an operation on it that failed: names the session, and the op where there is one. */
export class SessionError extends Error {
  readonly session: bigint;
  readonly op: string | undefined;
  readonly reason: string;
  constructor(session: bigint, protocol: string, peer: string, op: string | undefined, reason: string) {
    super(`session ${session} (${protocol}) with ${peer}${op === undefined ? '' : `, op "${op}"`}: ${reason}`);
    this.name = 'SessionError';
    this.session = session;
    this.op = op;
    this.reason = reason;
  }
}

/** One DATA frame of the peer. */
export interface Received {
  readonly round: number;
  readonly op: string;
  readonly payload: Uint8Array;
}

export interface Session {
  readonly id: bigint;
  /** The protocol named by the OPEN. */
  readonly protocol: string;
  /** The OPEN frame's payload (the opener's parameters; empty if none). */
  readonly parameters: Uint8Array;
  /** The peer's identity. */
  readonly peer: string;
  readonly state: SessionState;
  /** Why the session was aborted, if it was. */
  readonly failure: SessionError | undefined;
  /** Settles (never rejects) when the session ends: undefined if it was closed, else why it was aborted. */
  readonly done: Promise<SessionError | undefined>;
  /** Send one DATA frame of op `op`; returns its round. Throws SessionError if the session is not open. */
  send(op: string, payload: Uint8Array): number;
  /**
   * The peer's next DATA frame, which must be of op `op` (any op if
   * undefined). One receive at a time. `signal` cancels it, and aborts the
   * session: a protocol cannot resume from a missing step.
   */
  receive(op?: string, signal?: AbortSignal): Promise<Received>;
  /** End the session normally (a CLOSE frame). */
  close(): void;
  /** Abort it: logged (naming `op`, the step it failed at, if given), an ERROR frame to the peer, a pending receive rejected. */
  abort(reason: string, op?: string): void;
}

export interface SessionMuxOptions {
  readonly log?: Logger;
  /** Sessions the peer opens; without it every OPEN is refused. An exception aborts that session. */
  readonly onOpen?: (session: Session) => void;
  readonly maxSessions?: number;
  readonly maxQueuedFrames?: number;
  readonly rememberEnded?: number;
}

/** A fresh session id (non-zero, 64 bits from node:crypto, so two openers practically never collide). */
export function randomSessionId(): bigint {
  for (;;) {
    const id = randomBytes(8).readBigUInt64BE(0);
    if (id !== 0n) return id;
  }
}

/** How an ended session's id is remembered: 'closing' = we sent CLOSE and the peer's may still come. */
type EndStatus = 'closing' | 'closed' | 'aborted';

/** What a session needs of its mux. */
interface Host {
  readonly peer: string;
  readonly maxQueuedFrames: number;
  log(line: string): void;
  /** Send a frame; false if the connection is gone. */
  send(frame: Frame): boolean;
  ended(session: MuxSession, status: EndStatus): void;
}

function reasonBytes(reason: string): Buffer {
  const bytes = Buffer.from(reason, 'utf8');
  return bytes.length <= MAX_REASON_BYTES ? bytes : bytes.subarray(0, MAX_REASON_BYTES);
}

interface Waiter {
  readonly op: string | undefined;
  resolve(r: Received): void;
  reject(e: Error): void;
}

class MuxSession implements Session {
  readonly id: bigint;
  readonly protocol: string;
  readonly parameters: Uint8Array;
  readonly done: Promise<SessionError | undefined>;
  state: SessionState = 'open';
  failure: SessionError | undefined;
  private readonly host: Host;
  private lastSent = 0;
  private lastReceived = 0;
  private peerClosed = false;
  private queue: Frame[] = [];
  private waiter: Waiter | undefined;
  private settle!: (e: SessionError | undefined) => void;

  constructor(host: Host, id: bigint, protocol: string, parameters: Uint8Array) {
    this.host = host;
    this.id = id;
    this.protocol = protocol;
    this.parameters = parameters;
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  get peer(): string {
    return this.host.peer;
  }

  private error(op: string | undefined, reason: string): SessionError {
    return new SessionError(this.id, this.protocol, this.host.peer, op, reason);
  }

  send(op: string, payload: Uint8Array): number {
    if (this.state !== 'open') throw this.notOpen(op);
    const round = ++this.lastSent;
    try {
      if (!this.host.send({ kind: FrameKind.DATA, session: this.id, op, round, payload })) {
        throw new Error('the connection is closed');
      }
    } catch (e) {
      // A round that may not have gone out leaves the two sides' counts unknown: the session cannot go on.
      this.fail(`cannot send round ${round}: ${(e as Error).message}`, true, true, op);
      throw this.error(op, this.failure!.reason);
    }
    return round;
  }

  receive(op?: string, signal?: AbortSignal): Promise<Received> {
    if (this.waiter) return Promise.reject(this.error(op, `receive called while a receive of op "${this.waiter.op ?? '*'}" is pending: calls are sequential`));
    if (this.state === 'aborted') return Promise.reject(this.error(op, this.failure!.reason));
    const next = this.queue.shift();
    if (next) return this.match(next, op);
    if (this.state !== 'open') return Promise.reject(this.notOpen(op));
    if (signal?.aborted) {
      this.abort(`cancelled: ${String(signal.reason)}`);
      return Promise.reject(this.error(op, this.failure!.reason));
    }
    return new Promise<Received>((resolve, reject) => {
      const onAbort = () => this.abort(`cancelled while waiting for op "${op ?? '*'}": ${String(signal!.reason)}`);
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.waiter = {
        op,
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    if (this.state !== 'open') return;
    this.state = 'closed';
    this.host.send({ kind: FrameKind.CLOSE, session: this.id, op: '', round: ++this.lastSent, payload: new Uint8Array(0) });
    this.queue = [];
    this.rejectWaiter('the session was closed by this side');
    this.host.ended(this, this.peerClosed ? 'closed' : 'closing');
    this.settle(undefined);
  }

  abort(reason: string, op?: string): void {
    this.fail(reason, true, true, op);
  }

  /** A frame of this session from the peer (the mux has routed it here). */
  deliver(f: Frame): void {
    switch (f.kind) {
      case FrameKind.ERROR:
        this.fail(`aborted by the peer: ${Buffer.from(f.payload).toString('utf8')}`, false, true);
        return;
      case FrameKind.OPEN:
        this.fail('OPEN for a session that is already open (a replayed or reused session id)', true, true);
        return;
      case FrameKind.HELLO:
        this.fail('HELLO inside a session', true, true);
        return;
      default:
        break;
    }
    if (f.round <= this.lastReceived) {
      this.fail(`replayed ${kindName(f.kind)} frame: round ${f.round} (op "${f.op}"), rounds up to ${this.lastReceived} already received`, true, true);
      return;
    }
    if (f.round !== this.lastReceived + 1) {
      this.fail(`out-of-order ${kindName(f.kind)} frame: round ${f.round} (op "${f.op}"), expected round ${this.lastReceived + 1}`, true, true);
      return;
    }
    this.lastReceived = f.round;
    if (f.kind === FrameKind.CLOSE) {
      this.peerClosed = true;
      // Frames already queued stay readable; a receive beyond them fails.
      if (this.queue.length === 0) this.rejectWaiter('the peer closed the session');
      this.state = 'closed';
      this.host.ended(this, 'closed');
      this.settle(undefined);
      return;
    }
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      this.match(f, waiter.op).then(waiter.resolve, waiter.reject);
      return;
    }
    if (this.queue.length >= this.host.maxQueuedFrames) {
      this.fail(`the peer ran ahead: more than ${this.host.maxQueuedFrames} unread frames`, true, true);
      return;
    }
    this.queue.push(f);
  }

  /** The connection is gone: no ERROR can be sent, and the mux logs the loss once for all its sessions. */
  lost(reason: string): void {
    this.fail(reason, false, false);
  }

  /** `f` as the answer to a receive of `op`: a frame of another op aborts the session. */
  private match(f: Frame, op: string | undefined): Promise<Received> {
    if (op !== undefined && f.op !== op) {
      this.fail(`expected op "${op}" at round ${f.round}, got "${f.op}"`, true, true, op);
      return Promise.reject(this.error(op, this.failure!.reason));
    }
    return Promise.resolve({ round: f.round, op: f.op, payload: f.payload });
  }

  private notOpen(op: string | undefined): SessionError {
    if (this.state === 'aborted') return this.error(op, this.failure!.reason);
    return this.error(op, this.peerClosed ? 'the peer closed the session' : 'the session is closed');
  }

  private rejectWaiter(reason: string): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.error(waiter.op, reason));
  }

  private fail(reason: string, tellPeer: boolean, log: boolean, op?: string): void {
    if (this.state === 'aborted') return;
    const wasOpen = this.state === 'open';
    this.state = 'aborted';
    this.failure = this.error(op ?? this.waiter?.op, reason);
    this.queue = [];
    if (log) this.host.log(`${this.failure.message}: session aborted`);
    if (tellPeer) this.host.send({ kind: FrameKind.ERROR, session: this.id, op: '', round: this.lastSent + 1, payload: reasonBytes(reason) });
    this.rejectWaiter(reason);
    this.host.ended(this, 'aborted');
    if (wasOpen) this.settle(this.failure);
  }
}

export class SessionMux {
  readonly connection: FramedConnection;
  private readonly active = new Map<bigint, MuxSession>();
  /** Ended ids in the order they ended (a Map keeps insertion order), bounded by rememberEnded. */
  private readonly endedIds = new Map<bigint, EndStatus>();
  private readonly log: Logger;
  private readonly onOpen: ((session: Session) => void) | undefined;
  private readonly maxSessions: number;
  private readonly rememberEnded: number;
  private readonly host: Host;

  constructor(connection: FramedConnection, options: SessionMuxOptions = {}) {
    this.connection = connection;
    this.log = options.log ?? (() => {});
    this.onOpen = options.onOpen;
    this.maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    this.rememberEnded = options.rememberEnded ?? DEFAULT_REMEMBER_ENDED;
    const mux = this;
    this.host = {
      peer: connection.remoteIdentity,
      maxQueuedFrames: options.maxQueuedFrames ?? DEFAULT_MAX_QUEUED_FRAMES,
      log: (line) => this.log(line),
      send: (frame) => this.trySend(frame),
      ended(session, status) {
        mux.active.delete(session.id);
        mux.remember(session.id, status);
      },
    };
    connection.onFrame((f) => this.route(f));
    connection.onClose((e) => this.lost(e));
  }

  /** Sessions open now. */
  get size(): number {
    return this.active.size;
  }

  /**
   * Open session `id` (unused on this connection; `randomSessionId()` makes
   * one) for `protocol`, with optional parameters for the peer's `onOpen`.
   */
  open(id: bigint, protocol: string, parameters: Uint8Array = new Uint8Array(0)): Session {
    if (this.connection.isClosed) throw new Error(`cannot open session ${id}: the connection to ${this.host.peer} is closed`);
    if (id <= 0n || id > MAX_U64) throw new RangeError(`session id must be in 1 … 2^64 − 1 (got ${id}); 0 is the connection's own`);
    if (this.active.has(id) || this.endedIds.has(id)) throw new Error(`session id ${id} is already used on the connection to ${this.host.peer}`);
    if (this.active.size >= this.maxSessions) throw new Error(`cannot open session ${id}: ${this.active.size} sessions are open, the limit is ${this.maxSessions}`);
    // Sent first: an op name the frame refuses throws here, before the session exists.
    this.connection.send({ kind: FrameKind.OPEN, session: id, op: protocol, round: 0, payload: parameters });
    const session = new MuxSession(this.host, id, protocol, parameters);
    this.active.set(id, session);
    return session;
  }

  private trySend(frame: Frame): boolean {
    if (this.connection.isClosed) return false;
    this.connection.send(frame);
    return true;
  }

  private remember(id: bigint, status: EndStatus): void {
    this.endedIds.delete(id);
    this.endedIds.set(id, status);
    if (this.endedIds.size > this.rememberEnded) this.endedIds.delete(this.endedIds.keys().next().value!);
  }

  private route(f: Frame): void {
    if (f.session === 0n) return this.connectionFrame(f);
    const session = this.active.get(f.session);
    if (session) session.deliver(f);
    else this.noSession(f);
  }

  /** Session 0 is the connection's: after the HELLOs only an ERROR from the peer means anything there. */
  private connectionFrame(f: Frame): void {
    if (f.kind === FrameKind.ERROR) {
      this.log(`link ${this.host.peer}: the peer reports: ${Buffer.from(f.payload).toString('utf8')}`);
      return;
    }
    const reason = `${kindName(f.kind)} frame on session 0, which is reserved for the connection's HELLO`;
    this.log(`link ${this.host.peer}: refused: ${reason}`);
    this.trySend({ kind: FrameKind.ERROR, session: 0n, op: '', round: 0, payload: reasonBytes(reason) });
  }

  /** A frame for a session that is not open here. */
  private noSession(f: Frame): void {
    const status = this.endedIds.get(f.session);
    if (f.kind === FrameKind.OPEN && status === undefined) return this.accept(f);
    const name = `session ${f.session} with ${this.host.peer}`;
    if (f.kind === FrameKind.ERROR) {
      if (status !== 'aborted') this.log(`${name}: the peer reports an error for a${status ? ' closed' : 'n unknown'} session: ${Buffer.from(f.payload).toString('utf8')}`);
      return;
    }
    // We aborted it and sent our ERROR: frames the peer sent before reading it are expected, and dropped.
    if (status === 'aborted') return;
    if (status === 'closing' && f.kind === FrameKind.CLOSE) {
      this.remember(f.session, 'closed');
      return;
    }
    const reason = status === undefined ? 'unknown session'
      : f.kind === FrameKind.OPEN ? 'session id already used (a replayed OPEN?)'
        : 'the session is closed';
    this.refuse(f, reason);
  }

  private refuse(f: Frame, reason: string): void {
    this.log(`session ${f.session} with ${this.host.peer}: refused ${kindName(f.kind)} frame (op "${f.op}", round ${f.round}): ${reason}; session aborted`);
    this.trySend({ kind: FrameKind.ERROR, session: f.session, op: f.op, round: 0, payload: reasonBytes(reason) });
    this.remember(f.session, 'aborted');
  }

  private accept(f: Frame): void {
    if (!this.onOpen) return this.refuse(f, 'this side does not accept sessions');
    if (this.active.size >= this.maxSessions) return this.refuse(f, `${this.active.size} sessions are open, the limit is ${this.maxSessions}`);
    if (f.round !== 0) return this.refuse(f, `an OPEN must be round 0 (got ${f.round})`);
    const session = new MuxSession(this.host, f.session, f.op, f.payload);
    this.active.set(f.session, session);
    try {
      this.onOpen(session);
    } catch (e) {
      session.abort(`the session handler failed: ${(e as Error).message}`);
    }
  }

  private lost(error: Error | undefined): void {
    const sessions = [...this.active.values()];
    if (sessions.length === 0) return;
    const reason = error ? `connection to ${this.host.peer} lost: ${error.message}`
      : this.connection.closedHere ? `connection to ${this.host.peer} closed by this side`
        : `connection to ${this.host.peer} lost (closed by the peer)`;
    this.log(`${reason}; aborting session(s) ${sessions.map((s) => s.id).join(', ')}`);
    for (const s of sessions) s.lost(reason);
  }
}
