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
      return Promise.resolve(new BigUint64Array(words.length));
    },
  };
}
