/** Reading a user's input file, with an error that says what is wrong with the path in one line. */
import { readFileSync } from 'node:fs';
import { InputError } from './errors.js';

/**
 * The text of `file`; `what` names the kind of file in messages ("scenario
 * file"). A missing, unreadable or directory path is an InputError naming it.
 */
export function readTextFile(file: string, what: string, encoding: BufferEncoding = 'utf8'): string {
  try {
    return readFileSync(file, encoding);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found'
      : code === 'EISDIR' ? `is a directory, not a ${what}`
        : code === 'EACCES' ? 'permission denied'
          : `cannot read the file (${(e as Error).message})`;
    throw new InputError(file, '', reason);
  }
}
