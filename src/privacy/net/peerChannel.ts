/**
 * The two-party protocols' `PeerChannel` (src/privacy/mpc/channel.ts) over
 * one session of a framed link: each exchange is one DATA frame each way,
 * ours and the peer's of the same round, the words as little-endian u64.
 */
import { type ChannelStats, newStats, type PeerChannel } from '../mpc/channel.js';
import { SessionError, type Session } from './sessions.js';
import { bytesToWords, wordsToBytes } from './words.js';

export interface SessionChannelOptions {
  /** Cancels a pending exchange and aborts the session (a protocol cannot skip a step). */
  readonly signal?: AbortSignal;
}

export interface SessionChannel extends PeerChannel {
  readonly session: Session;
}

/**
 * A PeerChannel on `session`. Both parties call `exchange` with the same op
 * in the same order; a peer message of another op, round or length aborts
 * the session and rejects with a SessionError naming session and op.
 */
export function sessionChannel(session: Session, options: SessionChannelOptions = {}): SessionChannel {
  const stats: ChannelStats = newStats();
  let busy = false;
  const exchange = async (op: string, words: BigUint64Array): Promise<BigUint64Array> => {
    if (busy) throw new SessionError(session.id, session.protocol, session.peer, op, 'exchange called while another is pending: calls are sequential');
    busy = true;
    try {
      const bytes = wordsToBytes(words);
      const round = session.send(op, bytes);
      stats.bytesSent += bytes.length;
      const reply = await session.receive(op, options.signal);
      if (reply.round !== round) {
        const reason = `the peer's message of round ${reply.round} answers our round ${round}`;
        session.abort(reason, op);
        throw new SessionError(session.id, session.protocol, session.peer, op, reason);
      }
      if (reply.payload.length !== bytes.length) {
        const reason = `round ${round}: the peer sent ${reply.payload.length} bytes (${reply.payload.length / 8} words), expected ${bytes.length} (${words.length} words)`;
        session.abort(reason, op);
        throw new SessionError(session.id, session.protocol, session.peer, op, reason);
      }
      stats.bytesReceived += reply.payload.length;
      stats.rounds++;
      return bytesToWords(reply.payload);
    } finally {
      busy = false;
    }
  };
  return { session, stats, exchange };
}
