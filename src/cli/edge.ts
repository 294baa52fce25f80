/**
 * The OIDPR processes on the command line:
 * - `glucosim privacy keygen --out DIR [--patients a,b,…]`: TLS-PSK key files
 *   for es0, es1, the dealer, the provider (hcp) and patient devices;
 * - `glucosim dealer --listen HOST:PORT --keys FILE`: the dealer;
 * - `glucosim edge-server --party 0|1 --listen HOST:PORT [--peer HOST:PORT]
 *   --dealer HOST:PORT --keys FILE [--model FILE]`: an edge server.
 * A server prints one line `<role> listening on HOST:PORT` on stdout when it
 * is ready (port 0 picks a free one) and runs until SIGINT or SIGTERM, which
 * close its links and end it with status 0. Refusals and failed sessions
 * are logged on stderr, one line each; the server keeps serving.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../io/errors.js';
import { readJsonFile } from '../io/json.js';
import { startDealer } from '../privacy/edge/dealerServer.js';
import { startEdgeServer } from '../privacy/edge/edgeServer.js';
import { deploymentKeys, parseAddress } from '../privacy/edge/roles.js';
import { identityProblem, readPskKeyFile, writePskKeyFiles } from '../privacy/net/keys.js';
import { parseShareFile } from '../privacy/oidpr/shareFile.js';
import { checkOutputFile } from './outputDir.js';

export interface KeygenArguments {
  readonly out: string;
  readonly patients?: string;
  /** Replace existing key files. */
  readonly force?: boolean;
}

export function keygenCommand(args: KeygenArguments): string {
  const patients = args.patients ? args.patients.split(',').map((p) => p.trim()) : ['patient'];
  for (const p of patients) {
    const bad = identityProblem(p);
    if (bad) throw new InputError('--patients', '', bad);
    if (['es0', 'es1', 'dealer', 'hcp'].includes(p)) throw new InputError('--patients', '', `'${p}' is a server's or the provider's identity`);
  }
  // Secret keys are replaced only when asked: a deployment's running parties hold the old ones.
  for (const id of ['es0', 'es1', 'dealer', 'hcp', ...patients]) checkOutputFile(join(args.out, `${id}.psk.json`), args.force);
  const written = writePskKeyFiles(args.out, deploymentKeys(patients), { replace: args.force });
  return `${written.join('\n')}\n`;
}

export interface ServerArguments {
  readonly listen: string;
  readonly keys?: string;
  readonly plaintext?: boolean;
}

function address(text: string, option: string): { host: string; port: number } {
  return parseAddress(text, `--${option}`);
}

function security(args: ServerArguments): { keys?: ReturnType<typeof readPskKeyFile>; plaintext?: boolean } {
  if (args.plaintext && args.keys) throw new InputError('--plaintext', '', 'give either --keys (TLS-PSK) or --plaintext, not both');
  if (args.plaintext) return { plaintext: true };
  if (!args.keys) throw new InputError('--keys', '', 'links are TLS-PSK: give the key file (glucosim privacy keygen), or --plaintext for a loopback benchmark');
  return { keys: readPskKeyFile(args.keys) };
}

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

/** Run until SIGINT/SIGTERM, then close and exit 0. */
function untilSignal(close: () => Promise<void>): void {
  const stop = () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export async function dealerCommand(args: ServerArguments): Promise<void> {
  const at = address(args.listen, 'listen');
  const server = await startDealer({ ...at, ...security(args), log });
  process.stdout.write(`dealer listening on ${server.host}:${server.port}\n`);
  untilSignal(() => server.close());
}

export interface EdgeServerArguments extends ServerArguments {
  readonly party: number;
  readonly peer?: string;
  readonly dealer: string;
  readonly model?: string;
  readonly bench?: boolean;
}

export async function edgeServerCommand(args: EdgeServerArguments): Promise<void> {
  if (args.party !== 0 && args.party !== 1) throw new InputError('--party', '', `must be 0 (ES1) or 1 (ES2), not ${args.party}`);
  const party = args.party;
  if (party === 0 && !args.peer) throw new InputError('--peer', '', 'es0 connects to es1: give its HOST:PORT');
  if (party === 1 && args.peer) throw new InputError('--peer', '', 'es1 waits for es0 on --listen; only es0 takes --peer');
  let model;
  if (args.model && existsSync(args.model)) {
    const parsed = parseShareFile(readJsonFile(args.model, 'model share file'), args.model);
    if (parsed.party !== party) throw new InputError(args.model, 'party', `is party ${parsed.party}'s share; this server is party ${party}`);
    model = { modelId: parsed.modelId, version: parsed.version, share: parsed.share };
  }
  const server = await startEdgeServer({
    party,
    listen: address(args.listen, 'listen'),
    peer: args.peer ? address(args.peer, 'peer') : undefined,
    dealer: address(args.dealer, 'dealer'),
    ...security(args),
    model,
    modelFile: args.model,
    bench: args.bench,
    log,
  });
  process.stdout.write(`es${party} listening on ${address(args.listen, 'listen').host}:${server.port}\n`);
  untilSignal(() => server.close());
}
