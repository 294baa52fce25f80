/**
 * Bad input from a user's file or command line: names the file (or option)
 * and the field, and says what is wrong, in one line.
 */
export class InputError extends Error {
  readonly file: string;
  readonly field: string;
  readonly reason: string;

  constructor(file: string, field: string, reason: string) {
    super(field ? `${file}: ${field}: ${reason}` : `${file}: ${reason}`);
    this.name = 'InputError';
    this.file = file;
    this.field = field;
    this.reason = reason;
  }
}

/**
 * Error codes of a file or directory the user must fix (a full disk, no
 * permission, a path that is a directory or a file where the other is
 * needed): one line, exit 2. Network errors (ECONNREFUSED …) are not among
 * them. Node gives a full disk's ENOSPC from a write without a path, so the
 * code decides, not `err.path`.
 */
const FILE_SYSTEM_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EEXIST', 'ENOENT', 'ENAMETOOLONG', 'EMFILE', 'ENFILE', 'EFBIG', 'EIO']);

export function isFileSystemRefusal(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && FILE_SYSTEM_CODES.has((err as NodeJS.ErrnoException).code ?? '');
}
