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
