/**
 * Frames over one established byte stream (a TLS socket, or a plain TCP
 * socket for loopback benchmarks): encode and write, decode and hand over,
 * count the bytes on the wire, and report the end of the connection once.
 *
 * A stream that stops being a sequence of frames (bad magic, an oversize
 * length, a truncated end) is logged and closed: its frame boundaries can no
 * longer be trusted. What a well-formed frame means is the sessions' business.
 */
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, type Frame, FrameDecoder, FrameError } from './frame.js';

/** Where a link writes what it refused and why: one line per event. */
export type Logger = (line: string) => void;

/** Bytes on the wire (TLS records and handshake included), both directions. */
export interface WireCounters {
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

export interface FramedConnection {
  readonly localIdentity: string;
  /** The peer's identity: authenticated by its key over TLS-PSK; only claimed on a plaintext link. */
  readonly remoteIdentity: string;
  /** False on a plaintext (loopback benchmark) link. */
  readonly encrypted: boolean;
  /** `address:port` of the peer, for logs. */
  readonly remoteAddress: string;
  readonly maxFrameBytes: number;
  /** Live counters of the underlying TCP socket. */
  readonly wire: WireCounters;
  readonly isClosed: boolean;
  /** close() or destroy() was called on this side (so an end is not the peer's doing). */
  readonly closedHere: boolean;
  /** Settles (never rejects) when the connection has ended: undefined for a clean close, else why. */
  readonly closed: Promise<Error | undefined>;
  /** Send one frame; throws if the connection is closed or the frame cannot be encoded. */
  send(frame: Frame): void;
  /** The one consumer of incoming frames; frames that arrived before it was set are handed over first. */
  onFrame(handler: (frame: Frame) => void): void;
  /** Incoming frames as an async iterable (the alternative to `onFrame`; one consumer only). */
  frames(): AsyncIterable<Frame>;
  /** Called once when the connection ends (at once if it already has). */
  onClose(handler: (error: Error | undefined) => void): void;
  /** Bytes written but not yet handed to the socket. */
  readonly unsentBytes: number;
  /** Resolves when the unsent bytes have gone out (at once if there are none): a bulk sender waits here. */
  drained(): Promise<void>;
  /** End the connection (TLS close_notify, then FIN); frames already sent are delivered first. */
  close(): void;
  /** End it at once, with `error` as the reason given to `onClose`. */
  destroy(error?: Error): void;
}

export interface StreamOptions {
  /** The stream frames are read from and written to (TLS socket or `raw` itself). */
  readonly stream: Duplex;
  /** The TCP socket under it, whose counters are the wire bytes. */
  readonly raw: Socket;
  readonly encrypted: boolean;
  readonly localIdentity: string;
  readonly maxFrameBytes?: number;
  readonly log: Logger;
}

/** Bytes a connection may hold unsent before it is cut (four of the largest frames; a bulk sender waits for `drained` well before). */
export const MAX_UNSENT_BYTES = 64 << 20;

/** How long a closing connection waits for the peer's half of the close before it is cut. */
const CLOSE_GRACE_MS = 2_000;

/**
 * The connection before and after its HELLO: `link.ts` reads the first frame
 * through `onFrame`, then calls `identify` with the peer's identity.
 */
export class FrameStream implements FramedConnection {
  readonly localIdentity: string;
  readonly encrypted: boolean;
  readonly remoteAddress: string;
  readonly maxFrameBytes: number;
  readonly closed: Promise<Error | undefined>;
  private remote: string | undefined;
  private readonly stream: Duplex;
  private readonly raw: Socket;
  private readonly decoder: FrameDecoder;
  private readonly log: Logger;
  private handler: ((frame: Frame) => void) | undefined;
  private queued: Frame[] = [];
  private readonly closeHandlers: ((error: Error | undefined) => void)[] = [];
  private ended = false;
  /** close() or destroy() was called here: nothing more may be sent, though the peer's last frames may still arrive. */
  private closing = false;
  private endError: Error | undefined;
  private settle!: (error: Error | undefined) => void;

  constructor(options: StreamOptions) {
    this.stream = options.stream;
    this.raw = options.raw;
    this.encrypted = options.encrypted;
    this.localIdentity = options.localIdentity;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.decoder = new FrameDecoder(this.maxFrameBytes);
    this.log = options.log;
    this.remoteAddress = `${this.raw.remoteAddress ?? '?'}:${this.raw.remotePort ?? '?'}`;
    this.closed = new Promise((resolve) => (this.settle = resolve));
    // Small frames go out at once: a protocol round waits on each one.
    this.raw.setNoDelay(true);
    this.stream.on('data', (chunk: Buffer) => this.receive(chunk));
    this.stream.on('end', () => {
      try {
        this.decoder.end();
        this.finish(undefined);
      } catch (e) {
        this.refuseStream(e);
      }
    });
    this.stream.on('error', (e: Error) => this.finish(e));
    // A close that no 'end' or 'error' explained (finish ignores it otherwise).
    this.stream.on('close', () => this.finish(new Error('connection closed')));
  }

  get remoteIdentity(): string {
    if (this.remote === undefined) throw new Error(`connection from ${this.remoteAddress}: the peer has not said who it is yet`);
    return this.remote;
  }

  /** Who the peer is, once its HELLO has been checked. */
  identify(remote: string): void {
    this.remote = remote;
  }

  /** A name for logs: `es1 (127.0.0.1:5000)`, or the address alone before the HELLO. */
  get peerName(): string {
    return this.remote === undefined ? this.remoteAddress : `${this.remote} (${this.remoteAddress})`;
  }

  get wire(): WireCounters {
    return { bytesSent: this.raw.bytesWritten, bytesReceived: this.raw.bytesRead };
  }

  get isClosed(): boolean {
    return this.ended || this.closing;
  }

  get closedHere(): boolean {
    return this.closing;
  }

  send(frame: Frame): void {
    if (this.ended || this.closing) throw new Error(`connection to ${this.peerName} is closed${this.endError ? `: ${this.endError.message}` : ''}`);
    this.stream.write(encodeFrame(frame, this.maxFrameBytes));
    // A peer that does not read what it is sent (say, the ERROR replies to a flood of bad frames)
    // must not make this process buffer without bound: past the limit the connection is cut.
    if (this.stream.writableLength > MAX_UNSENT_BYTES) {
      const reason = `the peer does not read: more than ${MAX_UNSENT_BYTES / (1 << 20)} MiB unsent`;
      this.log(`link ${this.peerName}: ${reason}; connection closed`);
      this.destroy(new Error(reason));
    }
  }

  get unsentBytes(): number {
    return this.stream.writableLength;
  }

  drained(): Promise<void> {
    if (this.stream.writableLength === 0 || this.ended) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
  }

  onFrame(handler: (frame: Frame) => void): void {
    if (this.handler) throw new Error('a connection has one consumer of frames');
    this.setHandler(handler);
  }

  /** Replace the consumer (link.ts hands over from the HELLO reader to the application). */
  setHandler(handler: ((frame: Frame) => void) | undefined): void {
    this.handler = handler;
    while (this.handler && this.queued.length > 0) this.dispatch(this.queued.shift()!);
  }

  frames(): AsyncIterable<Frame> {
    const pending: Frame[] = [];
    let wake: (() => void) | undefined;
    this.onFrame((f) => {
      pending.push(f);
      wake?.();
    });
    this.onClose(() => wake?.());
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          if (pending.length > 0) yield pending.shift()!;
          else if (self.ended) return;
          else await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
      },
    };
  }

  onClose(handler: (error: Error | undefined) => void): void {
    if (this.ended) handler(this.endError);
    else this.closeHandlers.push(handler);
  }

  close(): void {
    if (this.ended || this.closing) return;
    this.closing = true;
    this.stream.end();
    // A peer that never answers our close is cut off, without keeping the process alive.
    setTimeout(() => this.stream.destroy(), CLOSE_GRACE_MS).unref();
  }

  destroy(error?: Error): void {
    this.closing = true;
    this.finish(error);
    this.stream.destroy();
  }

  private receive(chunk: Buffer): void {
    if (this.ended) return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.refuseStream(e);
      return;
    }
    for (const f of frames) {
      if (this.ended) return;
      if (this.handler) this.dispatch(f);
      else this.queued.push(f);
    }
  }

  private dispatch(frame: Frame): void {
    try {
      this.handler!(frame);
    } catch (e) {
      // A consumer's bug must not take the process down: it ends this connection only.
      this.log(`link ${this.peerName}: closing the connection: frame handler failed: ${(e as Error).stack ?? String(e)}`);
      this.finish(e as Error);
      this.stream.destroy();
    }
  }

  /** The byte stream is no longer frames: log why and cut the connection. */
  private refuseStream(e: unknown): void {
    if (!(e instanceof FrameError)) throw e;
    this.log(`link ${this.peerName}: closing the connection: ${e.message}`);
    this.finish(e);
    this.stream.destroy();
  }

  private finish(error: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.endError = error;
    this.queued = [];
    this.settle(error);
    for (const h of this.closeHandlers.splice(0)) {
      try {
        h(error);
      } catch (e) {
        this.log(`link ${this.peerName}: a close handler failed: ${(e as Error).stack ?? String(e)}`);
      }
    }
  }
}
