/**
 * The binary frame of the OIDPR links (edge server ↔ edge server, dealer,
 * patients): a fixed header, an op name and a payload, all big-endian.
 *
 * ```
 * offset size
 *  0     2   magic 'G' 'S' (0x47 0x53)
 *  2     1   version (1)
 *  3     1   kind (FrameKind)
 *  4     8   session id (u64; 0 = the connection itself, e.g. HELLO)
 * 12     4   round (u32, per session and direction)
 * 16     4   payload length (u32, bytes)
 * 20     1   op length (u8, ≤ MAX_OP_BYTES)
 * 21     …   op (printable ASCII), then the payload
 * ```
 *
 * The header is checked field by field before anything is allocated for the
 * frame: a peer that declares a 4 GiB payload is refused at the 21st byte,
 * not after we have reserved 4 GiB for it. Every header error is fatal to
 * the byte stream (`FrameError`): once one field is wrong the next frame's
 * boundary cannot be trusted, so the connection is closed. Errors of meaning
 * (a replayed round, a payload of the wrong size) are the sessions' to judge.
 */

/** 'G' 'S'. */
export const FRAME_MAGIC = 0x4753;
export const FRAME_VERSION = 1;
/** Bytes before the op name. */
export const FRAME_HEADER_BYTES = 21;
/**
 * Longest op name. The MPC code composes op names by path
 * (`argmax/compare/carry3`), so 64 leaves room for nesting while keeping the
 * header small and bounded.
 */
export const MAX_OP_BYTES = 64;
/** Default limit on a whole frame (header, op and payload): 16 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
const MAX_U32 = 0xffff_ffff;
const MAX_U64 = (1n << 64n) - 1n;

export const FrameKind = {
  /** First frame each way on a connection: the sender's identity (UTF-8 payload). */
  HELLO: 1,
  /** Start a session; op = the protocol's name, round 0. */
  OPEN: 2,
  /** One protocol message; op = the protocol step. */
  DATA: 3,
  /** The sender ends the session normally. */
  CLOSE: 4,
  /** The sender aborted the session (or, on session 0, refuses something); payload = the reason (UTF-8). */
  ERROR: 5,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

const KIND_NAMES = new Map<number, string>(Object.entries(FrameKind).map(([name, code]) => [code, name]));

/** The name of a frame kind ('DATA'), or `kind 9` for an unknown code. */
export function kindName(kind: number): string {
  return KIND_NAMES.get(kind) ?? `kind ${kind}`;
}

export interface Frame {
  readonly kind: FrameKind;
  readonly session: bigint;
  readonly op: string;
  readonly round: number;
  readonly payload: Uint8Array;
}

/** The header field a FrameError is about. */
export type FrameField = 'magic' | 'version' | 'kind' | 'session' | 'round' | 'op' | 'length' | 'truncated';

/** A frame that cannot be encoded, or a byte stream that is not a sequence of frames. */
export class FrameError extends Error {
  readonly field: FrameField;
  constructor(field: FrameField, message: string) {
    super(`frame ${field}: ${message}`);
    this.name = 'FrameError';
    this.field = field;
  }
}

/** Why `op` cannot be an op name, or undefined. Printable ASCII only: op names are for logs, and must not carry control characters into them. */
function opProblem(op: string): string | undefined {
  if (op.length > MAX_OP_BYTES) return `op too long: ${op.length} bytes, at most ${MAX_OP_BYTES}`;
  for (let i = 0; i < op.length; i++) {
    const c = op.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return `op ${JSON.stringify(op)} has a character that is not printable ASCII at ${i}`;
  }
  return undefined;
}

/** The bytes of one frame (one Buffer, so one socket write and one TLS record). */
export function encodeFrame(frame: Frame, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Buffer {
  if (!KIND_NAMES.has(frame.kind)) throw new FrameError('kind', `unknown frame kind ${String(frame.kind)}`);
  if (typeof frame.session !== 'bigint' || frame.session < 0n || frame.session > MAX_U64) {
    throw new FrameError('session', `session id must be a u64 bigint (got ${String(frame.session)})`);
  }
  if (!Number.isInteger(frame.round) || frame.round < 0 || frame.round > MAX_U32) {
    throw new FrameError('round', `round must be a u32 (got ${frame.round})`);
  }
  const problem = opProblem(frame.op);
  if (problem) throw new FrameError('op', problem);
  const total = FRAME_HEADER_BYTES + frame.op.length + frame.payload.length;
  if (frame.payload.length > MAX_U32 || total > maxFrameBytes) {
    throw new FrameError('length', `frame of ${total} bytes exceeds the limit of ${maxFrameBytes}`);
  }
  const out = Buffer.allocUnsafe(total);
  out.writeUInt16BE(FRAME_MAGIC, 0);
  out.writeUInt8(FRAME_VERSION, 2);
  out.writeUInt8(frame.kind, 3);
  out.writeBigUInt64BE(frame.session, 4);
  out.writeUInt32BE(frame.round, 12);
  out.writeUInt32BE(frame.payload.length, 16);
  out.writeUInt8(frame.op.length, 20);
  out.write(frame.op, FRAME_HEADER_BYTES, 'latin1');
  out.set(frame.payload, FRAME_HEADER_BYTES + frame.op.length);
  return out;
}

/**
 * Incremental decoding of a byte stream into frames: `push` each chunk as it
 * arrives (any size, down to single bytes) and get the frames it completes.
 * After a FrameError the decoder stays failed: the stream has lost its frame
 * boundaries.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  /** Received bytes not yet part of a returned frame, in arrival order (no copying until a frame is whole). */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The total size of the frame being received, once its header has been checked. */
  private expected: number | undefined;
  private failure: FrameError | undefined;

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < FRAME_HEADER_BYTES) {
      throw new RangeError(`maxFrameBytes must be an integer ≥ ${FRAME_HEADER_BYTES} (got ${maxFrameBytes})`);
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received that do not yet make a whole frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** The frames completed by `chunk` (and earlier chunks); throws FrameError on a bad header. */
  push(chunk: Uint8Array): Frame[] {
    if (this.failure) throw this.failure;
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    try {
      for (;;) {
        if (this.expected === undefined) {
          // The fields are checked as soon as their bytes are here: a stream of
          // garbage shorter than a header is refused at once, not left waiting.
          const head = this.peek(Math.min(this.buffered, FRAME_HEADER_BYTES));
          const total = this.checkHeader(head);
          if (total === undefined) break;
          this.expected = total;
        }
        if (this.buffered < this.expected) break;
        frames.push(this.parse(this.take(this.expected)));
        this.expected = undefined;
      }
    } catch (e) {
      if (e instanceof FrameError) this.fail(e);
      throw e;
    }
    return frames;
  }

  /** The stream has ended: throws FrameError('truncated') if it stopped inside a frame. */
  end(): void {
    if (this.failure) throw this.failure;
    if (this.buffered > 0) {
      const what = this.expected === undefined
        ? `${this.buffered} bytes of a ${FRAME_HEADER_BYTES}-byte header`
        : `${this.buffered} of the ${this.expected} bytes of a frame`;
      throw this.fail(new FrameError('truncated', `stream ended inside a frame: ${what}`));
    }
  }

  private fail(error: FrameError): FrameError {
    this.failure = error;
    this.chunks = [];
    this.buffered = 0;
    return error;
  }

  /**
   * Checks the fields of the (possibly partial) fixed header that are
   * present; returns the frame's total size once the header is whole.
   * Nothing is allocated for the frame before this passes.
   */
  private checkHeader(h: Buffer): number | undefined {
    if (h.length >= 2) {
      const magic = h.readUInt16BE(0);
      if (magic !== FRAME_MAGIC) throw new FrameError('magic', `bad magic 0x${magic.toString(16).padStart(4, '0')} (expected 0x${FRAME_MAGIC.toString(16)}): not a glucosim frame stream`);
    }
    if (h.length >= 3) {
      const version = h.readUInt8(2);
      if (version !== FRAME_VERSION) throw new FrameError('version', `unsupported version ${version} (this side speaks ${FRAME_VERSION})`);
    }
    if (h.length >= 4) {
      const kind = h.readUInt8(3);
      if (!KIND_NAMES.has(kind)) throw new FrameError('kind', `unknown frame kind ${kind}`);
    }
    if (h.length < FRAME_HEADER_BYTES) return undefined;
    const payloadLength = h.readUInt32BE(16);
    const opLength = h.readUInt8(20);
    if (opLength > MAX_OP_BYTES) throw new FrameError('op', `op too long: ${opLength} bytes, at most ${MAX_OP_BYTES}`);
    const total = FRAME_HEADER_BYTES + opLength + payloadLength;
    if (total > this.maxFrameBytes) {
      throw new FrameError('length', `oversize frame: declares ${payloadLength} payload bytes (${total} in all), the limit is ${this.maxFrameBytes}`);
    }
    return total;
  }

  private parse(bytes: Buffer): Frame {
    const opLength = bytes.readUInt8(20);
    const op = bytes.toString('latin1', FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + opLength);
    const problem = opProblem(op);
    if (problem) throw new FrameError('op', problem);
    return {
      kind: bytes.readUInt8(3) as FrameKind,
      session: bytes.readBigUInt64BE(4),
      round: bytes.readUInt32BE(12),
      op,
      payload: bytes.subarray(FRAME_HEADER_BYTES + opLength),
    };
  }

  /** The first `n` buffered bytes, without consuming them (n is at most a header). */
  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first === undefined) return Buffer.alloc(0);
    if (first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.chunks, Math.min(this.buffered, n)).subarray(0, n);
  }

  /** Remove and return the first `n` buffered bytes (copied once, when a frame spans chunks). */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[0]!;
        const used = Math.min(c.length, n - filled);
        c.copy(out, filled, 0, used);
        filled += used;
        if (used < c.length) {
          this.chunks[0] = c.subarray(used);
          break;
        }
        this.chunks.shift();
      }
      this.buffered -= n;
      return out;
    }
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}

/** One whole frame from exactly its bytes (tests, tools); throws FrameError if `bytes` is not exactly one frame. */
export function decodeFrame(bytes: Uint8Array, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Frame {
  const decoder = new FrameDecoder(maxFrameBytes);
  const frames = decoder.push(bytes);
  decoder.end();
  if (frames.length !== 1) throw new FrameError('length', `expected one frame, got ${frames.length}`);
  return frames[0]!;
}
