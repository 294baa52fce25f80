/**
 * The shape of a `glucosim ppopi` subcommand (src/cli/ppopi.ts lists them):
 * a function that adds itself to the group's yargs, lent main.ts's one-line
 * error handler and its guard against an option given twice. Kept apart so
 * that the subcommands' modules and the group do not import each other.
 */
import type { Argv } from 'yargs';

export interface CliHelpers {
  /** Prints the error's line (or stack) and exits; to be awaited. */
  readonly fail: (err: unknown) => Promise<never>;
  readonly once: <T>(value: T | readonly T[] | undefined, option: string) => T | undefined;
}

export type PpopiSubcommand = (y: Argv, helpers: CliHelpers) => Argv;
