/**
 * `glucosim controllers [--json]`: the registered controllers, each with its
 * one-line description and its options (from its schema), or as JSON with
 * the whole option schemas and example option sets.
 */
import { BUILT_IN_CONTROLLERS, type ControllerRegistry } from '../control/registry.js';

type Schema = Readonly<Record<string, unknown>>;

/** "number ≥ 0", "S1 | S2 | S3", "array" … of one option's schema. */
function describeOption(schema: Schema): string {
  if (Array.isArray(schema.enum)) return schema.enum.map(String).join(' | ');
  const bounds: string[] = [];
  if (schema.minimum !== undefined) bounds.push(`≥ ${String(schema.minimum)}`);
  if (schema.exclusiveMinimum !== undefined) bounds.push(`> ${String(schema.exclusiveMinimum)}`);
  if (schema.maximum !== undefined) bounds.push(`≤ ${String(schema.maximum)}`);
  if (schema.exclusiveMaximum !== undefined) bounds.push(`< ${String(schema.exclusiveMaximum)}`);
  return [String(schema.type ?? 'any'), ...bounds].join(' ');
}

export function controllersCommand(args: { readonly json?: boolean }, registry: ControllerRegistry = BUILT_IN_CONTROLLERS): string {
  if (args.json) {
    const list = registry.entries.map((e) => ({ name: e.name, description: e.description, optionsSchema: e.optionsSchema, examples: e.examples }));
    return `${JSON.stringify(list, null, 2)}\n`;
  }
  const lines: string[] = [];
  for (const entry of registry.entries) {
    lines.push(`${entry.name}`, `  ${entry.description}`);
    const properties = (entry.optionsSchema.properties ?? {}) as Record<string, Schema>;
    const required = new Set((entry.optionsSchema.required ?? []) as string[]);
    for (const [name, schema] of Object.entries(properties)) {
      lines.push(`    ${name}${required.has(name) ? ' (required)' : ''}: ${describeOption(schema)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
