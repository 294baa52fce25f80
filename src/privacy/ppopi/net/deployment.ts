/**
 * A networked PPOPI deployment on disk: the registration of Chen & Ye 2025
 * §5.1 done once, ahead of the processes, and each party's directory as its
 * process reads it.
 *
 * ```
 * DEPLOYDIR/kgc/      party.json, parameters.json, master.json (0600), keypair.json (0600, the KGC's own),
 *                     registry/<id>.keypair.json (0600: §5.1, the KGC keeps every party's key pair), kgc.psk.json (0600)
 * DEPLOYDIR/server/   party.json, parameters.json, keypair.json (0600), directory.json (every registered party's public key),
 *                     server.psk.json (0600)
 * DEPLOYDIR/<user>/   party.json, parameters.json, keypair.json (0600), kgc.public.json, <user>.psk.json (0600)
 * ```
 *
 * Every directory is 0700 and the whole tree is written under a temporary
 * name and renamed when complete. Links are TLS-PSK with one key per pair
 * of parties that talk (net/keys.ts): kgc–server, kgc–each user and
 * server–each user; users never talk to each other.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../../io/atomic.js';
import { InputError } from '../../../io/errors.js';
import { readJsonFile } from '../../../io/json.js';
import { buildOutputDirectory, checkOutputDirectory } from '../../../io/outputs.js';
import { compileValidator } from '../../../io/schema.js';
import {
  readKeyPairFile,
  readMasterFile,
  readParametersFile,
  readPublicKeyFile,
  writeKeyPairFile,
  writeMasterFile,
  writeParametersFile,
  writePublicKeyFile,
} from '../../bcp/keyFile.js';
import { generateKeyPair } from '../../bcp/bcp.js';
import type { BcpKeyPair, BcpMasterKey, BcpParameters } from '../../bcp/types.js';
import { generatePskKeys, identityProblem, type PskKeys, readPskKeyFile, writePskKeyFiles } from '../../net/keys.js';
import { type DirectoryEntry, KeyGenerationCentre } from '../kgc.js';

export const KGC_ID = 'kgc';
export const SERVER_ID = 'server';
/** What only a deployment directory holds: the server's directory of parties (`ppopi setup --force` replaces only those). */
export const DEPLOYMENT_MARKER = `${SERVER_ID}/directory.json`;
const PARTY_FORMAT = 'glucosim-ppopi-party/1';
const DIRECTORY_FORMAT = 'glucosim-ppopi-directory/1';

export type PartyRole = 'kgc' | 'server' | 'user';

/** party.json: who this directory's owner is, and who the others are. */
interface PartyFile {
  readonly format: typeof PARTY_FORMAT;
  readonly id: string;
  readonly role: PartyRole;
  readonly kgc: string;
  readonly server: string;
  /** The KGC's only: the registered users (§5.1). */
  readonly users?: readonly string[];
}

const validateParty = compileValidator<PartyFile>({
  type: 'object',
  additionalProperties: false,
  required: ['format', 'id', 'role', 'kgc', 'server'],
  properties: {
    format: { const: PARTY_FORMAT },
    id: { type: 'string' },
    role: { enum: ['kgc', 'server', 'user'] },
    kgc: { type: 'string' },
    server: { type: 'string' },
    users: { type: 'array', items: { type: 'string' }, uniqueItems: true },
  },
});

const validateDirectory = compileValidator<{ format: string; parties: { id: string; role: 'user' | 'server'; publicKey: string }[] }>({
  type: 'object',
  additionalProperties: false,
  required: ['format', 'parties'],
  properties: {
    format: { const: DIRECTORY_FORMAT },
    parties: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'role', 'publicKey'],
        properties: { id: { type: 'string' }, role: { enum: ['user', 'server'] }, publicKey: { type: 'string', pattern: '^[0-9a-f]+$' } },
      },
    },
  },
});

/** Why `users` cannot be a deployment's users, or undefined. */
function usersProblem(users: readonly string[]): string | undefined {
  if (users.length === 0) return 'give at least one user';
  const seen = new Set<string>();
  for (const u of users) {
    const bad = identityProblem(u);
    if (bad) return bad;
    if (u === KGC_ID || u === SERVER_ID) return `'${u}' is the ${u === KGC_ID ? "KGC's" : "server's"} identity`;
    if (seen.has(u)) return `'${u}' is listed twice`;
    seen.add(u);
  }
  return undefined;
}

export interface SetupOptions {
  /** A `ppopi keygen` directory: parameters.json and master.json. */
  readonly keys: string;
  readonly users: readonly string[];
  /** The deployment directory to create (refused if it exists, unless `replace`). */
  readonly out: string;
  /** Replace an existing deployment directory (`ppopi setup --force`), atomically. */
  readonly replace?: boolean;
}

/**
 * §5.1: the KGC's own key pair, the registration of the server and of each
 * user (each gets a key pair; the KGC keeps them all), the PSK keys of the
 * links, and every party's directory. Returns the directories written.
 */
export async function setupDeployment(options: SetupOptions): Promise<{ kgc: string; server: string; users: Map<string, string> }> {
  const problem = usersProblem(options.users);
  if (problem) throw new InputError('--users', '', problem);
  const out = resolve(options.out);
  checkOutputDirectory(out, options.replace ?? false, { marker: DEPLOYMENT_MARKER, inputs: [options.keys] });
  const masterFile = join(options.keys, 'master.json');
  const { parameters, master } = readMasterFile(masterFile);
  const publicFile = join(options.keys, 'parameters.json');
  const published = readParametersFile(publicFile);
  if (published.n !== parameters.n || published.g !== parameters.g) throw new InputError(publicFile, 'n', "differs from master.json's parameters: the two files are of different systems");

  // The KGC registers the parties itself (kgc.ts), so the deployment holds exactly the key pairs it made.
  const kgcKeyPair = generateKeyPair(parameters);
  const kgc = new KeyGenerationCentre(parameters, master, { engine: 'bigint', workers: 0 }, kgcKeyPair);
  const serverKeyPair = kgc.register(SERVER_ID, 'server');
  const userKeyPairs = new Map(options.users.map((u) => [u, kgc.register(u, 'user')]));
  const directory = kgc.directory();
  await kgc.close();

  const links: [string, string][] = [[KGC_ID, SERVER_ID], ...options.users.flatMap((u): [string, string][] => [[KGC_ID, u], [SERVER_ID, u]])];
  const psk = generatePskKeys([KGC_ID, SERVER_ID, ...options.users], links);

  await buildOutputDirectory(out, options.replace, async (root) => {
    chmodSync(root, 0o700);
    const partyDir = (id: string, role: PartyRole, extra: Partial<PartyFile> = {}): string => {
      const dir = join(root, id);
      mkdirSync(dir, { mode: 0o700 });
      writeFileAtomic(join(dir, 'party.json'), `${JSON.stringify({ format: PARTY_FORMAT, id, role, kgc: KGC_ID, server: SERVER_ID, ...extra }, null, 2)}\n`);
      writeParametersFile(join(dir, 'parameters.json'), parameters);
      writePskKeyFiles(dir, new Map([[id, psk.get(id)!]]));
      return dir;
    };

    const kgcDir = partyDir(KGC_ID, 'kgc', { users: options.users });
    writeMasterFile(join(kgcDir, 'master.json'), parameters, master);
    writeKeyPairFile(join(kgcDir, 'keypair.json'), parameters, kgcKeyPair);
    mkdirSync(join(kgcDir, 'registry'), { mode: 0o700 });
    writeKeyPairFile(join(kgcDir, 'registry', `${SERVER_ID}.keypair.json`), parameters, serverKeyPair);
    for (const [u, pair] of userKeyPairs) writeKeyPairFile(join(kgcDir, 'registry', `${u}.keypair.json`), parameters, pair);

    const serverDir = partyDir(SERVER_ID, 'server');
    writeKeyPairFile(join(serverDir, 'keypair.json'), parameters, serverKeyPair);
    const parties = directory.map((e) => ({ id: e.id, role: e.role, publicKey: e.publicKey.toString(16) }));
    writeFileAtomic(join(serverDir, 'directory.json'), `${JSON.stringify({ format: DIRECTORY_FORMAT, parties }, null, 2)}\n`);

    for (const [u, pair] of userKeyPairs) {
      const dir = partyDir(u, 'user');
      writeKeyPairFile(join(dir, 'keypair.json'), parameters, pair);
      writePublicKeyFile(join(dir, 'kgc.public.json'), parameters, kgcKeyPair.publicKey);
    }
  });
  return { kgc: join(out, KGC_ID), server: join(out, SERVER_ID), users: new Map(options.users.map((u) => [u, join(out, u)])) };
}

// ---------------------------------------------------------------------------
// Reading a party's directory

function readParty(dir: string, role: PartyRole): PartyFile {
  const file = join(dir, 'party.json');
  const party = validateParty(readJsonFile(file, 'PPOPI party file'), file);
  const whose = { kgc: "the KGC's", server: "the server's", user: "a user's" };
  if (party.role !== role) throw new InputError(file, 'role', `is '${party.role}': this is ${party.id}'s directory, not ${whose[role]}`);
  for (const [field, id] of [['id', party.id], ['kgc', party.kgc], ['server', party.server]] as const) {
    const bad = identityProblem(id);
    if (bad) throw new InputError(file, field, bad);
  }
  return party;
}

function readPsk(dir: string, id: string): PskKeys {
  const file = join(dir, `${id}.psk.json`);
  const keys = readPskKeyFile(file);
  if (keys.identity !== id) throw new InputError(file, 'identity', `is '${keys.identity}', but this directory is ${id}'s`);
  return keys;
}

export interface KgcState {
  readonly id: string;
  readonly serverId: string;
  readonly parameters: BcpParameters;
  readonly master: BcpMasterKey;
  readonly keyPair: BcpKeyPair;
  /** Every registered party with its key pair (§5.1). */
  readonly parties: readonly { readonly id: string; readonly role: 'user' | 'server'; readonly keyPair: BcpKeyPair }[];
  readonly psk: PskKeys;
}

export function readKgcState(dir: string): KgcState {
  const party = readParty(dir, 'kgc');
  const { parameters, master } = readMasterFile(join(dir, 'master.json'));
  const keyPair = readKeyPairFile(join(dir, 'keypair.json'), parameters);
  const registered = [
    { id: party.server, role: 'server' as const },
    ...(party.users ?? []).map((id) => ({ id, role: 'user' as const })),
  ];
  const parties = registered.map((p) => ({ ...p, keyPair: readKeyPairFile(join(dir, 'registry', `${p.id}.keypair.json`), parameters) }));
  return { id: party.id, serverId: party.server, parameters, master, keyPair, parties, psk: readPsk(dir, party.id) };
}

export interface ServerState {
  readonly id: string;
  readonly kgcId: string;
  readonly parameters: BcpParameters;
  readonly keyPair: BcpKeyPair;
  /** The registered parties' public keys (the KGC's directory, §5.1). */
  readonly directory: readonly DirectoryEntry[];
  readonly psk: PskKeys;
}

export function readServerState(dir: string): ServerState {
  const party = readParty(dir, 'server');
  const parameters = readParametersFile(join(dir, 'parameters.json'));
  const keyPair = readKeyPairFile(join(dir, 'keypair.json'), parameters);
  const file = join(dir, 'directory.json');
  const doc = validateDirectory(readJsonFile(file, 'PPOPI directory'), file);
  const directory = doc.parties.map((p) => ({ id: p.id, role: p.role, publicKey: BigInt(`0x${p.publicKey}`) }));
  const own = directory.find((e) => e.id === party.id);
  if (own?.role !== 'server' || own.publicKey !== keyPair.publicKey) throw new InputError(file, 'parties', `does not list ${party.id} as the server with its public key`);
  return { id: party.id, kgcId: party.kgc, parameters, keyPair, directory, psk: readPsk(dir, party.id) };
}

export interface UserState {
  readonly id: string;
  readonly kgcId: string;
  readonly serverId: string;
  readonly parameters: BcpParameters;
  readonly keyPair: BcpKeyPair;
  /** h_KGC, the key every record is converted to (§5.4). */
  readonly kgcPublicKey: bigint;
  readonly psk: PskKeys;
}

export function readUserState(dir: string): UserState {
  const party = readParty(dir, 'user');
  const parameters = readParametersFile(join(dir, 'parameters.json'));
  return {
    id: party.id,
    kgcId: party.kgc,
    serverId: party.server,
    parameters,
    keyPair: readKeyPairFile(join(dir, 'keypair.json'), parameters),
    kgcPublicKey: readPublicKeyFile(join(dir, 'kgc.public.json'), parameters),
    psk: readPsk(dir, party.id),
  };
}
