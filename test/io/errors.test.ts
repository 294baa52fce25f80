/**
 * isFileSystemRefusal decides what the CLI reports as the user's to fix (one
 * line, exit 2): by the error's code, not by whether it names a path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFileSystemRefusal } from '../../src/io/errors.js';

function withCode(message: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

describe('isFileSystemRefusal', () => {
  it('a full disk (ENOSPC) is one even without a path, as Node gives it from a write', () => {
    const full = withCode('ENOSPC: no space left on device, write', 'ENOSPC');
    expect(full.path).toBeUndefined();
    expect(isFileSystemRefusal(full)).toBe(true);
  });

  it('a real ENOTDIR from the file system is one', () => {
    let err: unknown;
    try {
      readFileSync(join(__filename, 'sub'));
    } catch (e) {
      err = e;
    }
    expect((err as NodeJS.ErrnoException).code).toBe('ENOTDIR');
    expect(isFileSystemRefusal(err)).toBe(true);
  });

  it('a network error (ECONNREFUSED), a plain Error and a non-error are not', () => {
    expect(isFileSystemRefusal(withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'))).toBe(false);
    expect(isFileSystemRefusal(new Error('ENOSPC in the message only'))).toBe(false);
    expect(isFileSystemRefusal({ code: 'ENOSPC', message: 'not an Error' })).toBe(false);
  });
});
