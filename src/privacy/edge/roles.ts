/**
 * Who is who in an OIDPR deployment, by TLS-PSK identity: the two edge
 * servers (parties 0 and 1), the dealer (the provider's correlated-
 * randomness service), the provider's own client (`hcp`: loads and trains
 * models, exports shares) and patient devices. A key file per identity
 * holds one key per link it may use; a patient has links to the two
 * servers only.
 */
import { InputError } from '../../io/errors.js';
import { generatePskKeys, type PskKeyFile } from '../net/keys.js';
import type { PartyIndex } from '../mpc/party.js';

export const SERVER_IDENTITIES = ['es0', 'es1'] as const;
export const DEALER_IDENTITY = 'dealer';
export const HCP_IDENTITY = 'hcp';

export function serverIdentity(party: PartyIndex): string {
  return SERVER_IDENTITIES[party];
}

/** The party an identity is, if it is an edge server. */
export function partyOf(identity: string): PartyIndex | undefined {
  return identity === 'es0' ? 0 : identity === 'es1' ? 1 : undefined;
}

/** Key files for a deployment with the given patient device identities. */
export function deploymentKeys(patients: readonly string[]): Map<string, PskKeyFile> {
  const identities = ['es0', 'es1', DEALER_IDENTITY, HCP_IDENTITY, ...patients];
  const links: [string, string][] = [
    ['es0', 'es1'],
    ['es0', DEALER_IDENTITY],
    ['es1', DEALER_IDENTITY],
    [HCP_IDENTITY, 'es0'],
    [HCP_IDENTITY, 'es1'],
    ...patients.flatMap((p): [string, string][] => [
      [p, 'es0'],
      [p, 'es1'],
    ]),
  ];
  return generatePskKeys(identities, links);
}

/** `host:port` → parts; bad input is an InputError on `field` of `file` (an option: file `--es0`, field ''). */
export function parseAddress(text: string, file: string, field = ''): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new InputError(file, field, `'${text}' is not HOST:PORT`);
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port };
}
