/**
 * The controllers a scenario can name: a list of entries, each exported by
 * its controller's own file (name, description, options schema, examples,
 * `create`). A new controller plugs in by adding its entry here; the contract
 * test (test/control/contract.test.ts) then covers it with no new test code.
 */
import { InputError } from '../io/errors.js';
import { compileValidator, type Validator } from '../io/schema.js';
import { actorCriticEntry } from './actorCriticWithRunIn.js';
import { mdpEntry } from './mdp/entry.js';
import { multipleDailyInjectionsEntry } from './multipleDailyInjections.js';
import { qLearningEntry } from './qlearning/entry.js';
import { secureQEntry } from './qlearning/secureEntry.js';
import { standardTherapyEntry } from './standardTherapy.js';
import type { ControllerEntry, OptionsSource } from './types.js';

/** Where options come from, for `ControllerRegistry.parseOptions`. */
export interface ParseSource extends OptionsSource {
  /** Where the controller's name is in the file (default `controller.name`). */
  readonly nameField?: string;
  /**
   * The options passed this schema already (a worker re-reading a scenario
   * the main thread loaded): skip it. Loading ajv and compiling a schema
   * would cost each worker ~75 ms at start-up.
   */
  readonly validated?: boolean;
}

/** An entry whose options type is known only to itself: what a registry holds. */
export type AnyControllerEntry = ControllerEntry<any>;

/** Controller entries by name. Immutable: `with` makes a new registry. */
export class ControllerRegistry {
  readonly entries: readonly AnyControllerEntry[];
  private readonly byName: ReadonlyMap<string, AnyControllerEntry>;
  /** Each entry's options validator (its schema is compiled on first use). */
  private readonly validators: ReadonlyMap<string, Validator<unknown>>;

  constructor(entries: readonly AnyControllerEntry[]) {
    const byName = new Map<string, AnyControllerEntry>();
    for (const entry of entries) {
      if (!/^[a-z0-9][a-z0-9-]*$/.test(entry.name)) throw new Error(`controller name '${entry.name}' must be lower-case words joined by '-'`);
      if (byName.has(entry.name)) throw new Error(`controller '${entry.name}' is registered twice`);
      byName.set(entry.name, entry);
    }
    this.entries = [...entries];
    this.byName = byName;
    // Made here, not on first use, so that the build finds the schemas to precompile (scripts/buildValidators.mjs).
    this.validators = new Map(this.entries.map((e) => [e.name, compileValidator(e.optionsSchema)]));
  }

  get names(): readonly string[] {
    return this.entries.map((e) => e.name);
  }

  /** The entry of `name`; an unknown name is an InputError on `field` of `file`. */
  get(name: string, file: string, field = 'controller.name'): AnyControllerEntry {
    const entry = this.byName.get(name);
    if (!entry) throw new InputError(file, field, `unknown controller '${name}' (known: ${this.names.join(', ')})`);
    return entry;
  }

  /** This registry and `entries` (e.g. controllers defined outside glucosim, for embedding and tests). */
  with(entries: readonly AnyControllerEntry[]): ControllerRegistry {
    return new ControllerRegistry([...this.entries, ...entries]);
  }

  /**
   * Check a controller's name and options as given in a file (nothing is
   * constructed) and return the parsed options. The registry checks the
   * options against the entry's own schema, whatever the entry's
   * parseOptions does, so every controller's options are validated the same
   * way, with the same error format.
   */
  parseOptions(name: string, options: Readonly<Record<string, unknown>>, source: ParseSource): unknown {
    const entry = this.get(name, source.file, source.nameField);
    if (!source.validated) {
      this.validators.get(entry.name)!(options, source.file, source.field);
    }
    return entry.parseOptions(options, { file: source.file, field: source.field });
  }
}

/** The controllers that come with glucosim. */
export const BUILT_IN_CONTROLLERS = new ControllerRegistry([standardTherapyEntry, actorCriticEntry, multipleDailyInjectionsEntry, mdpEntry, qLearningEntry, secureQEntry]);

/**
 * Controller entries from ES modules outside glucosim: each module exports
 * `controllerEntries`, an array of ControllerEntry. Worker threads load them
 * by URL, since functions cannot be sent to a worker.
 */
export async function loadControllerModules(urls: readonly string[]): Promise<AnyControllerEntry[]> {
  const entries: AnyControllerEntry[] = [];
  for (const url of urls) {
    const module = (await import(url)) as { controllerEntries?: unknown };
    if (!Array.isArray(module.controllerEntries)) throw new Error(`${url}: exports no controllerEntries array`);
    entries.push(...(module.controllerEntries as AnyControllerEntry[]));
  }
  return entries;
}
