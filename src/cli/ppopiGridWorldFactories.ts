/**
 * The pipelines of `glucosim ppopi gridworld`: the plain one, and the
 * encrypted one on an in-process PPOPI system (src/privacy/ppopi/system.ts)
 * whose keys come from `--keys DIR` (a `glucosim ppopi keygen` directory) or
 * are generated at the experiment's `keyBits` (seconds at 2048 bits). The
 * KGC decrypts on worker threads (one per core, at most 4).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../io/errors.js';
import { generateParameters } from '../privacy/bcp/bcp.js';
import { readMasterFile } from '../privacy/bcp/keyFile.js';
import { encryptedPipelineFactory } from '../privacy/ppopi/encryptedPipeline.js';
import { plainPipelineFactory } from '../privacy/ppopi/plainPipeline.js';
import { type InProcessSystem, inProcessSystem } from '../privacy/ppopi/system.js';
import { type GridWorldSetup, ppopiGridWorldCommand } from './ppopiGridWorld.js';
import { FORCE_OPTION } from './outputDir.js';
import type { PpopiSubcommand } from './ppopiSubcommand.js';
import type { StudyFactories } from '../privacy/ppopi/gridWorldStudy.js';

/** Users of the encrypted run: attempts alternate between them, so the server fuses records under two authorisations. */
export const GRID_WORLD_USERS = ['user-1', 'user-2'];

/** Makes the factories; `systems` receives the system so that the caller can stop its workers afterwards. */
export function gridWorldFactories(systems: InProcessSystem[], progress: (line: string) => void): (setup: GridWorldSetup) => Promise<StudyFactories> {
  return async ({ experiment, keys }) => {
    if (!experiment.modes.includes('encrypted')) return { plain: plainPipelineFactory };
    let loaded;
    if (keys !== undefined) {
      loaded = readMasterFile(join(keys, 'master.json'));
      if (loaded.parameters.bits !== experiment.keyBits) {
        throw new InputError('--keys', '', `the keys have N of ${loaded.parameters.bits} bits, the experiment's keyBits is ${experiment.keyBits}`);
      }
    } else {
      progress(`ppopi gridworld: generating ${experiment.keyBits}-bit BCP keys (two safe primes)…`);
      loaded = await generateParameters(experiment.keyBits);
    }
    const system = inProcessSystem(loaded.parameters, loaded.master, GRID_WORLD_USERS, { workers: Math.min(4, availableParallelism()) });
    systems.push(system);
    return { plain: plainPipelineFactory, encrypted: encryptedPipelineFactory(system) };
  };
}

/** `glucosim ppopi gridworld <experiment.json> [--out DIR] [--mazes N] [--keys DIR]`. */
export const ppopiGridWorld: PpopiSubcommand = (y, { fail, once }) =>
  y.command(
    'gridworld <experiment>',
    "PPOPI's Grid World (Chen & Ye 2025 §7): mazes learned by policy iteration in the clear and over encrypted records; Table 2 beside the paper's, Figure 3 (time per round), rounds.csv",
    (yg) =>
      yg
        .positional('experiment', { type: 'string', demandOption: true, describe: 'experiment file (experiments/ppopi-gridworld.json)' })
        .option('out', { type: 'string', describe: 'directory to create (default results/<name>-<time>)' })
        .option('force', FORCE_OPTION)
        .option('mazes', { type: 'number', describe: "run only the experiment's first N mazes" })
        .option('keys', { type: 'string', describe: "a glucosim ppopi keygen directory of the experiment's keyBits (default: generate keys)" })
        .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' }),
    async (argv) => {
      const systems: InProcessSystem[] = [];
      try {
        const quiet = argv.quiet === true;
        const summary = await ppopiGridWorldCommand(
          { experiment: argv.experiment!, out: once(argv.out, 'out'), force: argv.force, mazes: once(argv.mazes, 'mazes'), keys: once(argv.keys, 'keys'), quiet },
          gridWorldFactories(systems, quiet ? () => {} : (line) => process.stderr.write(`${line}\n`)),
        );
        process.stdout.write(summary);
      } catch (err) {
        await fail(err);
      } finally {
        await Promise.all(systems.map((s) => s.kgc.close()));
      }
    },
  );
