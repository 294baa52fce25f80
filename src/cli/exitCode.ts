/**
 * The exit status of an error a user can act on (main.ts prints it as its
 * one line), without loading at start-up the modules whose error classes
 * it recognises: the model, the simulation and the network sessions cost
 * tens of ms that `glucosim --version` or `metrics` should not pay.
 */
import { InputError, isFileSystemRefusal } from '../io/errors.js';
import { BcpInputError } from '../privacy/bcp/errors.js';
import { InterruptedError } from './interrupt.js';

/** The names of the classes on `value`'s prototype chain. */
function classNames(value: unknown): Set<string> {
  const names = new Set<string>();
  for (let p: unknown = value !== null && typeof value === 'object' ? Object.getPrototypeOf(value) : null; p !== null && typeof p === 'object'; p = Object.getPrototypeOf(p)) {
    const constructor: unknown = Object.hasOwn(p, 'constructor') ? (p as { constructor: unknown }).constructor : undefined;
    if (typeof constructor === 'function') names.add(constructor.name);
  }
  return names;
}

/**
 * Whether `err` is an instance of the class `name` of a module loaded by
 * `load`. An instance's class is on its prototype chain under its name, and
 * its module is loaded already (so the import is free); an error of no such
 * name does not load the module at all.
 */
async function isInstance(err: unknown, names: ReadonlySet<string>, name: string, load: () => Promise<abstract new (...args: never[]) => unknown>): Promise<boolean> {
  return names.has(name) && err instanceof (await load());
}

/** The exit status of an error a user can act on, printed as its one line; undefined for anything else (a bug: its stack is printed, exit 1). */
export async function knownExitCode(err: unknown): Promise<number | undefined> {
  const names = classNames(err);
  const modelIntegration = await isInstance(err, names, 'ModelIntegrationError', async () => (await import('../sim/closedLoop.js')).ModelIntegrationError);
  const integrator = await isInstance(err, names, 'IntegratorError', async () => (await import('../model/integrator.js')).IntegratorError);
  const patientRun = await isInstance(err, names, 'PatientRunError', async () => (await import('../sim/cohortRun.js')).PatientRunError);
  const session = await isInstance(err, names, 'SessionError', async () => (await import('../privacy/net/sessions.js')).SessionError);
  // Bad input, including a value the BCP cryptosystem refuses (a ciphertext, a message, a key),
  // a model that cannot be integrated (bad parameters or inputs), and a file-system refusal
  // (EISDIR, EACCES, ENOSPC …): the user's to fix.
  if (err instanceof InputError || err instanceof BcpInputError || modelIntegration || integrator || isFileSystemRefusal(err)) return 2;
  // A patient whose run failed names it (1; 2 when the user can fix it); a stop by SIGINT/SIGTERM
  // exits 128 + the signal's number, as a shell reports it.
  if (patientRun || err instanceof InterruptedError) return (err as { exitCode: number }).exitCode;
  // A failed session with an edge server or the dealer names the session, the peer and the step;
  // another system error (a refused connection) is the environment's.
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (session || (err instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code))) return 1;
  return undefined;
}
