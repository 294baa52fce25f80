/**
 * One computing party of a two-party protocol run: its index (0 = ES1,
 * 1 = ES2), its link to the other party and its correlated randomness.
 */
import { type ChannelStats, newStats, type PeerChannel } from './channel.js';
import type { MaterialSource } from './pool.js';

export type PartyIndex = 0 | 1;

export interface Party {
  readonly id: PartyIndex;
  readonly channel: PeerChannel;
  readonly material: MaterialSource;
}

/**
 * The dry-run channel: answers every exchange with zeros of the same length
 * at once, and counts what a real run would send.
 */
export function silentChannel(): PeerChannel & { readonly stats: ChannelStats } {
  const stats = newStats();
  return {
    stats,
    exchange(_op: string, words: BigUint64Array): Promise<BigUint64Array> {
      stats.bytesSent += words.length * 8;
      stats.bytesReceived += words.length * 8;
      stats.rounds++;
      const zeros = new BigUint64Array(words.length);
      // Every YIELD_EVERY rounds, let the event loop run: the dry run of a long training would
      // otherwise hold a server for seconds while patients wait.
      if (stats.rounds % YIELD_EVERY === 0) return new Promise((resolve) => setImmediate(() => resolve(zeros)));
      return Promise.resolve(zeros);
    },
  };
}

/** Rounds of a dry run between two turns of the event loop. */
const YIELD_EVERY = 16;
