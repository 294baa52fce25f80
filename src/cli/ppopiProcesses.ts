/**
 * PPOPI's parties as separate processes (Chen & Ye 2025, §4.1, §5):
 *
 * - `glucosim ppopi setup --keys KEYDIR --users u1,u2,… --out DEPLOYDIR`:
 *   §5.1 registration of the server and the users by the KGC, and each
 *   party's directory (DEPLOYDIR/kgc, DEPLOYDIR/server, DEPLOYDIR/<user>)
 *   with its key pair and TLS-PSK keys;
 * - `glucosim ppopi kgc DEPLOYDIR/kgc --listen HOST:PORT [--workers N]`;
 * - `glucosim ppopi server DEPLOYDIR/server --listen HOST:PORT --kgc HOST:PORT`.
 *
 * A process prints one line `<party> listening on HOST:PORT` on stdout when
 * it is ready (port 0 picks a free one) and runs until SIGINT or SIGTERM,
 * which close its links and end it with status 0. Refusals are logged on
 * stderr, one line each; the process keeps serving. Users are clients
 * (src/privacy/ppopi/net/userClient.ts).
 */
import type { Argv } from 'yargs';
import { InputError } from '../io/errors.js';
import { parseAddress } from '../privacy/edge/roles.js';
import { DEPLOYMENT_MARKER, readKgcState, readServerState, setupDeployment } from '../privacy/ppopi/net/deployment.js';
import { startKgcService } from '../privacy/ppopi/net/kgcService.js';
import type { PpopiService } from '../privacy/ppopi/net/rpc.js';
import { startServerService } from '../privacy/ppopi/net/serverService.js';
import { FORCE_OPTION, newOutputDirectory } from './outputDir.js';
import type { PpopiSubcommand } from './ppopiSubcommand.js';


export interface PpopiSetupArguments {
  readonly keys: string;
  readonly users: string;
  readonly out: string;
  /** Replace an existing deployment directory. */
  readonly force?: boolean;
}

/** `ppopi setup`: returns the lines to print. */
export async function ppopiSetupCommand(args: PpopiSetupArguments): Promise<string> {
  const users = args.users.split(',').map((u) => u.trim());
  const out = newOutputDirectory(args.out, 'ppopi-deployment', args.force, { marker: DEPLOYMENT_MARKER, inputs: [args.keys] });
  const written = await setupDeployment({ keys: args.keys, users, out, replace: args.force });
  return [
    `PPOPI deployment: ${users.length} user${users.length === 1 ? '' : 's'} registered by the KGC (§5.1)`,
    `  ${written.kgc}  the KGC: master key, every party's key pair, its PSK keys (give it to the KGC only)`,
    `  ${written.server}  the server: its key pair, the directory of public keys, its PSK keys`,
    ...[...written.users].map(([u, dir]) => `  ${dir}  user ${u}: its key pair, the KGC's public key, its PSK keys`),
    '',
  ].join('\n');
}

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

/** Print the ready line, then run until SIGINT/SIGTERM, close and exit 0. */
function serveUntilSignal(party: string, host: string, service: PpopiService): void {
  process.stdout.write(`${party} listening on ${host}:${service.port}\n`);
  const stop = () => {
    service.close().then(
      () => process.exit(0),
      (err: Error) => {
        log(`${party}: closing failed: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export interface PpopiKgcArguments {
  readonly dir: string;
  readonly listen: string;
  readonly workers?: number;
}

export async function ppopiKgcCommand(args: PpopiKgcArguments): Promise<void> {
  const at = parseAddress(args.listen, '--listen');
  const workers = args.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0 || workers > 256) throw new InputError('--workers', '', `must be a whole number 0 … 256 (got ${String(args.workers)})`);
  const state = readKgcState(args.dir);
  const service = await startKgcService({ state, host: at.host, port: at.port, workers, log });
  serveUntilSignal(state.id, at.host, service);
}

export interface PpopiServerArguments {
  readonly dir: string;
  readonly listen: string;
  readonly kgc: string;
}

export async function ppopiServerCommand(args: PpopiServerArguments): Promise<void> {
  const at = parseAddress(args.listen, '--listen');
  const kgc = parseAddress(args.kgc, '--kgc');
  const state = readServerState(args.dir);
  const service = await startServerService({ state, host: at.host, port: at.port, kgc, log });
  serveUntilSignal(state.id, at.host, service);
}

export const ppopiSetup: PpopiSubcommand = (y, { fail, once }) =>
  y.command(
    'setup',
    "§5.1 registration: the KGC's state, the server's and each user's directory, TLS-PSK keys for every link",
    (ys: Argv) =>
      ys
        .option('keys', { type: 'string', demandOption: true, describe: "a 'ppopi keygen' directory (parameters.json, master.json)" })
        .option('users', { type: 'string', demandOption: true, describe: 'user identities, comma-separated (u1,u2,…)' })
        .option('out', { type: 'string', demandOption: true, describe: 'deployment directory to create (refused if it exists, unless --force)' })
        .option('force', FORCE_OPTION),
    async (argv) => {
      try {
        process.stdout.write(await ppopiSetupCommand({ keys: once(argv.keys as string, 'keys')!, users: once(argv.users as string, 'users')!, out: once(argv.out as string, 'out')!, force: argv.force as boolean }));
      } catch (err) {
        await fail(err);
      }
    },
  );

export const ppopiKgc: PpopiSubcommand = (y, { fail, once }) =>
  y.command(
    'kgc <dir>',
    'The key generation centre as a process: confirms tasks, hands out sealed grants, unifies ciphertexts (prints "kgc listening on HOST:PORT")',
    (yk: Argv) =>
      yk
        .positional('dir', { type: 'string', demandOption: true, describe: "the KGC's directory (DEPLOYDIR/kgc of 'ppopi setup')" })
        .option('listen', { type: 'string', demandOption: true, describe: 'HOST:PORT to listen on (port 0: a free one)' })
        .option('workers', { type: 'number', describe: 'worker threads that decrypt unification batches (default 0: the main thread)' }),
    async (argv) => {
      try {
        await ppopiKgcCommand({ dir: argv.dir as string, listen: once(argv.listen as string, 'listen')!, workers: once(argv.workers as number | undefined, 'workers') });
      } catch (err) {
        await fail(err);
      }
    },
  );

export const ppopiServer: PpopiSubcommand = (y, { fail, once }) =>
  y.command(
    'server <dir>',
    'The PPOPI server as a process: serves users, reaches the KGC at --kgc (prints "server listening on HOST:PORT")',
    (ys: Argv) =>
      ys
        .positional('dir', { type: 'string', demandOption: true, describe: "the server's directory (DEPLOYDIR/server of 'ppopi setup')" })
        .option('listen', { type: 'string', demandOption: true, describe: 'HOST:PORT to listen on (port 0: a free one)' })
        .option('kgc', { type: 'string', demandOption: true, describe: "the KGC's HOST:PORT" }),
    async (argv) => {
      try {
        await ppopiServerCommand({ dir: argv.dir as string, listen: once(argv.listen as string, 'listen')!, kgc: once(argv.kgc as string, 'kgc')! });
      } catch (err) {
        await fail(err);
      }
    },
  );
