/**
 * A peer that sends but never reads cannot make a process buffer without
 * bound: each refused frame earns an ERROR reply, and once the replies no
 * one reads pass MAX_UNSENT_BYTES the connection is cut, logged.
 */
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MAX_UNSENT_BYTES } from '../../../src/privacy/net/connection.js';
import { encodeFrame, FrameKind } from '../../../src/privacy/net/frame.js';
import { listen } from '../../../src/privacy/net/link.js';
import { SessionMux } from '../../../src/privacy/net/sessions.js';

describe('a peer that does not read', () => {
  it('is cut off once its unread replies pass the limit, and the server serves on', async () => {
    let cut = 0;
    let lines = 0;
    const log = (line: string) => {
      lines++;
      if (/does not read/.test(line)) cut++;
    };
    const server = await listen({ host: '127.0.0.1', port: 0, plaintext: true, identity: 'es0', log, onConnection: (c) => new SessionMux(c, { log }) });
    try {
      const socket = new Socket();
      // The server cuts this peer mid-write: the client's write then fails with
      // ECONNRESET or EPIPE, which is the expected outcome, not a test error.
      let clientError: NodeJS.ErrnoException | undefined;
      socket.on('error', (e: NodeJS.ErrnoException) => (clientError = e));
      await new Promise<void>((r) => socket.connect(server.port, '127.0.0.1', () => r()));
      socket.pause(); // never reads a reply
      socket.write(encodeFrame({ kind: FrameKind.HELLO, session: 0n, round: 0, op: 'hello', payload: Buffer.from('patient') }));
      // Frames for ever new unknown sessions: each is refused with an ERROR frame that is never read.
      const frames: Buffer[] = [];
      for (let id = 1; id <= 2_000_000 && cut === 0; id++) {
        frames.push(encodeFrame({ kind: FrameKind.DATA, session: BigInt(id), round: 1, op: 'x'.repeat(60), payload: new Uint8Array(0) }));
        if (frames.length === 20_000) {
          if (!socket.write(Buffer.concat(frames.splice(0)))) await new Promise((r) => setTimeout(r, 5));
        }
        if (socket.destroyed) break;
      }
      for (let waited = 0; waited < 20_000 && cut === 0; waited += 50) await new Promise((r) => setTimeout(r, 50));
      expect(cut).toBe(1);
      if (clientError) expect(['ECONNRESET', 'EPIPE']).toContain(clientError.code);
      expect(lines).toBeGreaterThan(MAX_UNSENT_BYTES / 200); // many refusals were logged before the cut
      socket.destroy();
      // The server still accepts a new connection.
      const next = new Socket();
      await new Promise<void>((r) => next.connect(server.port, '127.0.0.1', () => r()));
      next.destroy();
    } finally {
      await server.close();
    }
  }, 60_000);
});
