/**
 * The dealer process (OIDPR's health-care provider in its role of supplier
 * of correlated randomness): the two edge servers connect to it; for each
 * protocol session each server asks for its half of the session's plan
 * (a `material` session with the protocol session's id, parameters
 * `{"party": i, "plan": […]}`) and gets it in one DATA frame. Only es0 may
 * ask for party 0's half and es1 for party 1's.
 */
import type { Plan } from '../mpc/correlated.js';
import { SessionDealer } from '../mpc/dealer.js';
import type { Logger } from '../net/connection.js';
import { type LinkServer, listen } from '../net/link.js';
import type { PskKeys } from '../net/keys.js';
import { type Session, SessionMux } from '../net/sessions.js';
import { wordsToBytes } from '../net/words.js';
import type { PartyIndex } from '../mpc/party.js';
import { DEALER_IDENTITY, partyOf } from './roles.js';

export const MATERIAL_PROTOCOL = 'material';

/** Words per material frame: 8 MiB, half the frame limit. */
export const MATERIAL_CHUNK_WORDS = 1 << 20;

export interface DealerOptions {
  readonly host: string;
  readonly port: number;
  readonly keys?: PskKeys;
  readonly plaintext?: boolean;
  readonly log: Logger;
}

export async function startDealer(options: DealerOptions): Promise<LinkServer> {
  const dealer = new SessionDealer();
  return listen({
    host: options.host,
    port: options.port,
    keys: options.keys,
    plaintext: options.plaintext,
    identity: options.plaintext ? DEALER_IDENTITY : undefined,
    log: options.log,
    onConnection(connection) {
      const known = partyOf(connection.remoteIdentity);
      if (known === undefined) {
        options.log(`dealer: refused a connection from ${connection.remoteIdentity}: only the edge servers es0 and es1 get material`);
        connection.close();
        return;
      }
      const party: PartyIndex = known;
      const serve = async (session: Session): Promise<void> => {
        try {
          if (session.protocol !== MATERIAL_PROTOCOL) throw new Error(`the dealer serves '${MATERIAL_PROTOCOL}' sessions only, not '${session.protocol}'`);
          const request = JSON.parse(Buffer.from(session.parameters).toString('utf8')) as { party?: unknown; plan?: unknown };
          if (request.party !== party) throw new Error(`${connection.remoteIdentity} asked for party ${String(request.party)}'s material`);
          if (!Array.isArray(request.plan)) throw new Error('the request has no plan');
          const half = dealer.material(session.id.toString(16), party, request.plan as Plan);
          // In frames of at most MATERIAL_CHUNK_WORDS: a training run's material can exceed one frame;
          // waiting for the socket between frames keeps the unsent bytes bounded.
          for (let at = 0; at < half.length || at === 0; at += MATERIAL_CHUNK_WORDS) {
            session.send(MATERIAL_PROTOCOL, wordsToBytes(half.subarray(at, at + MATERIAL_CHUNK_WORDS)));
            if (connection.unsentBytes > 2 * MATERIAL_CHUNK_WORDS * 8) await connection.drained();
          }
          session.close();
        } catch (e) {
          session.abort((e as Error).message);
        }
      };
      new SessionMux(connection, { log: options.log, onOpen: (session) => void serve(session) });
    },
  });
}
