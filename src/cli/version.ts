/** The package version, read once from package.json, and the hash of the code that runs. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../io/paths.js';

export const GLUCOSIM_VERSION: string = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let codeHash: string | undefined;

/**
 * SHA-256 of the code that runs: every module under the running `src` tree
 * (dist/src when built), by path and content. Shards record it and a merge
 * compares it: two builds of one version can compute different results.
 * Computed on first use (~30 ms).
 */
export function glucosimCodeHash(): string {
  if (codeHash === undefined) {
    const root = dirname(dirname(fileURLToPath(import.meta.url)));
    const hash = createHash('sha256');
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.(js|ts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) hash.update(`${relative(root, path)}\0`).update(readFileSync(path));
      }
    };
    walk(root);
    codeHash = hash.digest('hex');
  }
  return codeHash;
}
