/**
 * The frame codec: every field survives a round trip, the decoder takes any
 * fragmentation of the stream, and every header error is refused by name
 * before a byte is allocated for the frame it announces.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodeFrame,
  type Frame,
  FRAME_HEADER_BYTES,
  FrameDecoder,
  FrameError,
  FrameKind,
  MAX_OP_BYTES,
} from '../../../src/privacy/net/frame.js';
import { bytesToWords, wordsToBytes } from '../../../src/privacy/net/words.js';

const sample: Frame = {
  kind: FrameKind.DATA,
  session: 0xfedc_ba98_7654_3210n,
  op: 'argmax/compare/carry3',
  round: 0xffff_fffe,
  payload: Uint8Array.from({ length: 40 }, (_, i) => i * 7),
};

function same(a: Frame, b: Frame): void {
  expect({ ...a, payload: Buffer.from(a.payload) }).toEqual({ ...b, payload: Buffer.from(b.payload) });
}

function errorOf(f: () => unknown): FrameError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FrameError);
    return e as FrameError;
  }
  throw new Error('expected a FrameError');
}

describe('frame codec', () => {
  it('round-trips every field, every kind, an empty op and an empty payload', () => {
    same(decodeFrame(encodeFrame(sample)), sample);
    for (const kind of Object.values(FrameKind)) {
      const f: Frame = { kind, session: 0n, op: '', round: 0, payload: new Uint8Array(0) };
      same(decodeFrame(encodeFrame(f)), f);
    }
    const longest: Frame = { ...sample, op: 'x'.repeat(MAX_OP_BYTES) };
    same(decodeFrame(encodeFrame(longest)), longest);
  });

  it('has a fixed big-endian header', () => {
    const bytes = encodeFrame({ kind: FrameKind.DATA, session: 0x0102030405060708n, op: 'ab', round: 0x0a0b0c0d, payload: Uint8Array.of(9, 9, 9) });
    expect([...bytes]).toEqual([0x47, 0x53, 1, 3, 1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0, 0, 3, 2, 0x61, 0x62, 9, 9, 9]);
    expect(FRAME_HEADER_BYTES).toBe(21);
  });

  it('decodes a stream fed byte by byte, and in random fragments, into the same frames', () => {
    const frames: Frame[] = [sample, { ...sample, kind: FrameKind.CLOSE, op: '', payload: new Uint8Array(0) }, { ...sample, session: 1n, round: 1, payload: new Uint8Array(1000).fill(3) }];
    const stream = Buffer.concat(frames.map((f) => encodeFrame(f)));
    const byteByByte = new FrameDecoder();
    const out: Frame[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...byteByByte.push(stream.subarray(i, i + 1)));
    byteByByte.end();
    expect(out).toHaveLength(3);
    out.forEach((f, i) => same(f, frames[i]!));
    expect(byteByByte.pendingBytes).toBe(0);

    // Fragments cut at every size from 1 to 50 bytes (deterministic, no randomness needed).
    for (let size = 1; size <= 50; size++) {
      const d = new FrameDecoder();
      const got: Frame[] = [];
      for (let i = 0; i < stream.length; i += size) got.push(...d.push(stream.subarray(i, i + size)));
      d.end();
      expect(got.map((f) => f.payload.length)).toEqual([40, 0, 1000]);
      same(got[2]!, frames[2]!);
    }
    // And all of them in one chunk.
    expect(new FrameDecoder().push(stream)).toHaveLength(3);
  });

  it('words travel as little-endian u64 from any payload offset', () => {
    const w = BigUint64Array.of(1n, 0x0102030405060708n, (1n << 64n) - 1n);
    const bytes = wordsToBytes(w);
    expect([...bytes.subarray(8, 16)]).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    const f = decodeFrame(encodeFrame({ ...sample, op: 'odd4', payload: bytes }));
    expect((f.payload as Buffer).byteOffset % 8).not.toBe(0);
    expect(bytesToWords(f.payload)).toEqual(w);
    expect(() => bytesToWords(new Uint8Array(12))).toThrow(/12 bytes is not a whole number/);
  });

  describe('decoder errors name the field', () => {
    const good = encodeFrame(sample);
    const patched = (offset: number, bytes: number[]) => {
      const b = Buffer.from(good);
      b.set(bytes, offset);
      return b;
    };

    it('bad magic, refused from its two bytes alone', () => {
      const e = errorOf(() => new FrameDecoder().push(patched(0, [0x48, 0x54])));
      expect(e.field).toBe('magic');
      expect(e.message).toBe('frame magic: bad magic 0x4854 (expected 0x4753): not a glucosim frame stream');
      const d = new FrameDecoder();
      expect(d.push(Buffer.from('G'))).toEqual([]);
      expect(errorOf(() => d.push(Buffer.from('ET / HTTP/1.1'))).message).toMatch(/bad magic 0x4745/);
    });

    it('unsupported version', () => {
      expect(errorOf(() => new FrameDecoder().push(patched(2, [2]))).message).toBe('frame version: unsupported version 2 (this side speaks 1)');
    });

    it('unknown kind', () => {
      const e = errorOf(() => new FrameDecoder().push(patched(3, [77])));
      expect(e.field).toBe('kind');
      expect(e.message).toMatch(/unknown frame kind 77/);
    });

    it('op too long', () => {
      const e = errorOf(() => new FrameDecoder().push(patched(20, [MAX_OP_BYTES + 1])));
      expect(e.field).toBe('op');
      expect(e.message).toMatch(new RegExp(`op too long: ${MAX_OP_BYTES + 1} bytes, at most ${MAX_OP_BYTES}`));
    });

    it('op that is not printable ASCII', () => {
      const at = FRAME_HEADER_BYTES + 3;
      const e = errorOf(() => new FrameDecoder().push(patched(at, [0x0a])));
      expect(e.field).toBe('op');
      expect(e.message).toMatch(/not printable ASCII at 3/);
    });

    it('oversize length: refused from the header alone, before the payload is received or allocated', () => {
      const header = patched(16, [0xff, 0xff, 0xff, 0xf0]).subarray(0, FRAME_HEADER_BYTES);
      const d = new FrameDecoder(1024);
      const e = errorOf(() => d.push(header));
      expect(e.field).toBe('length');
      expect(e.message).toBe(`frame length: oversize frame: declares 4294967280 payload bytes (${4294967280 + 21 + 21} in all), the limit is 1024`);
      // Only the 21 header bytes were ever held.
      expect(d.pendingBytes).toBe(0);
      // A failed decoder stays failed: the stream has no trustworthy boundaries left.
      expect(errorOf(() => d.push(good)).field).toBe('length');
    });

    it('the limit counts the whole frame, and is configurable', () => {
      expect(new FrameDecoder(good.length).push(good)).toHaveLength(1);
      expect(errorOf(() => new FrameDecoder(good.length - 1).push(good)).field).toBe('length');
      expect(() => encodeFrame(sample, good.length - 1)).toThrow(/exceeds the limit/);
    });

    it('truncated: the stream ends inside a header or inside a payload', () => {
      const inHeader = new FrameDecoder();
      expect(inHeader.push(good.subarray(0, 10))).toEqual([]);
      expect(errorOf(() => inHeader.end()).message).toBe('frame truncated: stream ended inside a frame: 10 bytes of a 21-byte header');
      const inPayload = new FrameDecoder();
      inPayload.push(good.subarray(0, good.length - 1));
      const e = errorOf(() => inPayload.end());
      expect(e.field).toBe('truncated');
      expect(e.message).toBe(`frame truncated: stream ended inside a frame: ${good.length - 1} of the ${good.length} bytes of a frame`);
      expect(errorOf(() => decodeFrame(good.subarray(0, 5))).field).toBe('truncated');
    });
  });

  it('the encoder refuses what the decoder would', () => {
    expect(errorOf(() => encodeFrame({ ...sample, op: 'x'.repeat(MAX_OP_BYTES + 1) })).field).toBe('op');
    expect(errorOf(() => encodeFrame({ ...sample, op: 'é' })).field).toBe('op');
    expect(errorOf(() => encodeFrame({ ...sample, kind: 9 as FrameKind })).field).toBe('kind');
    expect(errorOf(() => encodeFrame({ ...sample, round: -1 })).field).toBe('round');
    expect(errorOf(() => encodeFrame({ ...sample, round: 2 ** 32 })).field).toBe('round');
    expect(errorOf(() => encodeFrame({ ...sample, session: 1n << 64n })).field).toBe('session');
  });
});
