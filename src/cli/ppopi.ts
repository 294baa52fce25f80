/**
 * The `glucosim ppopi` command group (PPOPI, Chen & Ye 2025, Appl. Sci.
 * 15(5) 2624: privacy-preserving outsourced computation over the BCP
 * cryptosystem of Bresson, Catalano & Pointcheval 2003):
 *
 * - `glucosim ppopi keygen [--bits 512|1024|2048|3072|4096] --out DIR`: the
 *   KGC's setup (BCP §3.1): a new directory with parameters.json (N and g,
 *   public) and master.json (p and q, the KGC's secret, mode 0600).
 *
 * Each subcommand is one function `(yargs, helpers) => yargs` listed in
 * SUBCOMMANDS; main.ts registers the group with `ppopiGroup`, handing it its
 * error handler and repeated-option guard.
 */
import { chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { InputError } from '../io/errors.js';
import { generateParameters } from '../privacy/bcp/bcp.js';
import { writeMasterFile, writeParametersFile } from '../privacy/bcp/keyFile.js';
import { buildOutputDirectory, FORCE_OPTION, newOutputDirectory } from './outputDir.js';
import { ppopiKgc, ppopiServer, ppopiSetup } from './ppopiProcesses.js';
import { ppopiT2dm } from './ppopiT2dm.js';
import { ppopiGridWorld } from './ppopiGridWorldFactories.js';
import type { CliHelpers, PpopiSubcommand } from './ppopiSubcommand.js';

/** Sizes of N offered (bits). */
export const PPOPI_KEY_BITS: readonly number[] = [512, 1024, 2048, 3072, 4096];
export const PPOPI_DEFAULT_KEY_BITS = 2048;

export interface PpopiKeygenArguments {
  readonly bits?: number;
  readonly out: string;
  /** Replace an existing key directory (its master key is lost). */
  readonly force?: boolean;
  /** A progress line (stderr in the CLI); none if undefined. */
  readonly progress?: (line: string) => void;
}

/** `ppopi keygen`: generate parameters and master key into a new directory; returns the lines to print. */
export async function ppopiKeygenCommand(args: PpopiKeygenArguments): Promise<string> {
  const bits = args.bits ?? PPOPI_DEFAULT_KEY_BITS;
  if (!PPOPI_KEY_BITS.includes(bits)) throw new InputError('--bits', '', `must be one of ${PPOPI_KEY_BITS.join(', ')} (got ${String(bits)})`);
  if (args.out === undefined || args.out === '') throw new InputError('--out', '', 'give the directory to create');
  const out = newOutputDirectory(resolve(args.out), 'ppopi-keys', args.force, { marker: 'parameters.json' });
  const progress = args.progress ?? (() => {});
  const started = performance.now();
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
  // Safe primes take seconds (1024 bits) to minutes (4096): say that the search goes on.
  const heartbeat = setInterval(() => progress(`still searching (${seconds()} s)`), 10_000);
  heartbeat.unref();
  let generated;
  try {
    generated = await generateParameters(bits, { onProgress: progress });
  } finally {
    clearInterval(heartbeat);
  }
  const { parameters, master } = generated;
  await buildOutputDirectory(out, args.force, async (dir) => {
    // The directory holds the KGC's secret: its owner's only (parameters.json is copied out to the parties).
    chmodSync(dir, 0o700);
    writeParametersFile(join(dir, 'parameters.json'), parameters);
    writeMasterFile(join(dir, 'master.json'), parameters, master);
  });
  return [
    `BCP parameters with N of ${bits} bits, generated in ${seconds()} s:`,
    `  ${join(out, 'parameters.json')}  public: N and g, for every party`,
    `  ${join(out, 'master.json')}  the KGC's secret: p and q, which decrypt every user's ciphertexts (mode 0600)`,
    `Note: ${PPOPI_DEFAULT_KEY_BITS} bits is the default (≈ 112-bit security, NIST SP 800-57 through 2030); 3072 or 4096 for longer-lived keys; 512 and 1024 for tests only.`,
    '',
  ].join('\n');
}

export const ppopiKeygen: PpopiSubcommand = (y, { fail, once }) =>
  y.command(
    'keygen',
    "The KGC's setup: safe primes p, q and g of order pp′qq′ (BCP); writes DIR/parameters.json (public) and DIR/master.json (secret, 0600)",
    (yk) =>
      yk
        .option('bits', { type: 'number', describe: `bits of N: ${PPOPI_KEY_BITS.join(', ')} (default ${PPOPI_DEFAULT_KEY_BITS})` })
        .option('out', { type: 'string', demandOption: true, describe: 'directory to create (refused if it exists, unless --force)' })
        .option('force', FORCE_OPTION)
        .option('quiet', { type: 'boolean', default: false, describe: 'no progress lines on stderr' }),
    async (argv) => {
      try {
        const quiet = argv.quiet === true;
        process.stdout.write(
          await ppopiKeygenCommand({
            bits: once(argv.bits, 'bits'),
            out: once(argv.out, 'out')!,
            force: argv.force,
            progress: quiet ? undefined : (line) => process.stderr.write(`ppopi keygen: ${line}\n`),
          }),
        );
      } catch (err) {
        await fail(err);
      }
    },
  );

/** The group's subcommands, in the order of the help text. */
export const SUBCOMMANDS: readonly (readonly [name: string, add: PpopiSubcommand])[] = [['keygen', ppopiKeygen], ['setup', ppopiSetup], ['kgc', ppopiKgc], ['server', ppopiServer], ['gridworld', ppopiGridWorld], ['t2dm', ppopiT2dm]];

/** The `ppopi` group's builder: every subcommand, and a demand for one. */
export function ppopiGroup(y: Argv, helpers: CliHelpers): Argv {
  let built = y;
  for (const [, add] of SUBCOMMANDS) built = add(built, helpers);
  return built.demandCommand(1, `give a subcommand: ${SUBCOMMANDS.map(([name]) => name).join(', ')}`);
}
