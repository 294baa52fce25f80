/**
 * The link between the two computing parties (edge servers ES1 and ES2 of
 * OIDPR): each protocol round, both parties send one message and receive the
 * other's. Messages are ring elements (Z_2^64, as unsigned 64-bit words).
 *
 * Two implementations: `memoryChannelPair` (both parties in one process, for
 * fast simulation and tests) and the framed TLS link of `src/privacy/net/`
 * (separate OS processes). The protocols see only this interface, so both
 * modes run the same code.
 */

/** Traffic counted on one party's side of a channel. */
export interface ChannelStats {
  /** Payload bytes sent and received (ring elements × 8; framing counted by the transport). */
  bytesSent: number;
  bytesReceived: number;
  /** Exchanges (communication rounds) completed. */
  rounds: number;
}

export interface PeerChannel {
  /**
   * Send `words` to the peer and resolve with the peer's words of the same
   * round. `op` names the protocol step (for frames and error messages).
   * Rejects if the peer disconnects, sends a message of the wrong length or
   * the session is aborted. Calls are strictly sequential per session.
   */
  exchange(op: string, words: BigUint64Array): Promise<BigUint64Array>;
  readonly stats: ChannelStats;
}

export function newStats(): ChannelStats {
  return { bytesSent: 0, bytesReceived: 0, rounds: 0 };
}

/**
 * Two connected in-memory channels: what one party sends the other
 * receives. Both parties' protocol code runs as concurrent async functions
 * in one process. Messages are copied, as a network would.
 */
export function memoryChannelPair(): [PeerChannel, PeerChannel] {
  const queues: [BigUint64Array[], BigUint64Array[]] = [[], []];
  const waiting: [((w: BigUint64Array) => void) | undefined, ((w: BigUint64Array) => void) | undefined] = [undefined, undefined];
  const make = (me: 0 | 1): PeerChannel => {
    const peer = (1 - me) as 0 | 1;
    const stats = newStats();
    return {
      stats,
      exchange(op: string, words: BigUint64Array): Promise<BigUint64Array> {
        const copy = words.slice();
        stats.bytesSent += copy.length * 8;
        const deliver = waiting[peer];
        if (deliver) {
          waiting[peer] = undefined;
          deliver(copy);
        } else queues[peer].push(copy);
        return new Promise((resolve, reject) => {
          const receive = (w: BigUint64Array) => {
            if (w.length !== words.length) {
              reject(new Error(`${op}: peer sent ${w.length} words, expected ${words.length}`));
              return;
            }
            stats.bytesReceived += w.length * 8;
            stats.rounds++;
            resolve(w);
          };
          const queued = queues[me].shift();
          if (queued) receive(queued);
          else waiting[me] = receive;
        });
      },
    };
  };
  return [make(0), make(1)];
}
