/**
 * The command line with a value starting with '-' attached to the `--seed`
 * before it (`--seed -1e400` → `--seed=-1e400`): yargs would read such a
 * value as short options (`-1 -e …`).
 * Tokens after `--` are left alone. (Apart from seed.ts, which parses the
 * value, so that main.ts does not load the random streams to call it.)
 */
export function attachSeedValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') return [...out, ...args.slice(i)];
    // Only a value that starts with one '-' (`-1`, `-1e400`): `--seed --force` is a missing seed
    // (refused as empty), not a seed "--force" that silently drops the option.
    if (args[i] === '--seed' && i + 1 < args.length && /^-(?!-)/.test(args[i + 1])) out.push(`--seed=${args[++i]}`);
    else out.push(args[i]);
  }
  return out;
}
