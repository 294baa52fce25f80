/**
 * The exit status main.ts gives an error (src/cli/exitCode.ts): by the
 * error's class, including the classes of modules it loads only for an
 * error that bears their name; a look-alike of the same name from elsewhere
 * is not one of them.
 */
import { describe, expect, it } from 'vitest';
import { knownExitCode } from '../../src/cli/exitCode.js';
import { InterruptedError } from '../../src/cli/interrupt.js';
import { InputError } from '../../src/io/errors.js';
import { IntegratorError } from '../../src/model/integrator.js';
import { BcpDecryptionError, BcpInputError } from '../../src/privacy/bcp/errors.js';
import { SessionError } from '../../src/privacy/net/sessions.js';
import { ModelIntegrationError } from '../../src/sim/closedLoop.js';
import { PatientRunError } from '../../src/sim/cohortRun.js';

/** An Error with a Node system error code. */
function systemError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: refused`), { code });
}

describe('knownExitCode', () => {
  it('is 2 for bad input: files, BCP values, a model that cannot be integrated, a file-system refusal', async () => {
    expect(await knownExitCode(new InputError('a.json', 'days', 'must be ≥ 1'))).toBe(2);
    expect(await knownExitCode(new BcpInputError('message', 'out of range'))).toBe(2);
    expect(await knownExitCode(new BcpDecryptionError('ciphertext'))).toBe(2);
    const integrator = new IntegratorError(12, 'maximum allowed steps exceeded');
    expect(await knownExitCode(integrator)).toBe(2);
    expect(await knownExitCode(new ModelIntegrationError('adult#001', 0, integrator))).toBe(2);
    expect(await knownExitCode(systemError('EACCES'))).toBe(2);
    expect(await knownExitCode(systemError('ENOSPC'))).toBe(2);
  });

  it("is a failed patient's or a stop's own status", async () => {
    expect(await knownExitCode(new PatientRunError('adult#001', 'controller did not answer'))).toBe(1);
    expect(await knownExitCode(new PatientRunError('adult#001', 'the model could not be integrated', undefined, true))).toBe(2);
    expect(await knownExitCode(new InterruptedError('SIGINT', 'the run'))).toBe(130);
    expect(await knownExitCode(new InterruptedError('SIGTERM', 'the run'))).toBe(143);
  });

  it('is 1 for a failed session and another system error', async () => {
    expect(await knownExitCode(new SessionError(7n, 'secrep', 'es0', 'mul', 'peer closed'))).toBe(1);
    expect(await knownExitCode(systemError('ECONNREFUSED'))).toBe(1);
  });

  it('is undefined for anything else (a bug), a look-alike of a known class included', async () => {
    expect(await knownExitCode(new Error('bug'))).toBeUndefined();
    expect(await knownExitCode(new TypeError('x is undefined'))).toBeUndefined();
    expect(await knownExitCode('a string')).toBeUndefined();
    expect(await knownExitCode(undefined)).toBeUndefined();
    expect(await knownExitCode(null)).toBeUndefined();
    expect(await knownExitCode(Object.create(null))).toBeUndefined();
    // Same names, other classes: instanceof decides, not the name.
    class SessionError extends Error {}
    class PatientRunError extends Error {
      readonly exitCode = 2;
    }
    class ModelIntegrationError extends Error {}
    expect(await knownExitCode(new SessionError('look-alike'))).toBeUndefined();
    expect(await knownExitCode(new PatientRunError('look-alike'))).toBeUndefined();
    expect(await knownExitCode(new ModelIntegrationError('look-alike'))).toBeUndefined();
  });
});
