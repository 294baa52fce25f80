/**
 * Reading JSON input files (scenarios, baselines, experiments) with errors a
 * user can act on: the file, and for a syntax error the line and column.
 */
import { InputError } from './errors.js';
import { readTextFile } from './readText.js';

/** Read and parse a JSON file; `what` names the kind of file in messages ("scenario file"). */
export function readJsonFile(file: string, what: string): unknown {
  return parseJson(readText(file, what), file);
}

function readText(file: string, what: string): string {
  // A UTF-8 byte-order mark is not JSON, but editors write one.
  return readTextFile(file, what).replace(/^\uFEFF/, '');
}

export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    // V8's message sometimes gives an offset, sometimes quotes the source
    // instead; keep its wording, drop both, and locate the error ourselves.
    const what = (e as Error).message
      .replace(/, ".*" is not valid JSON$/s, '')
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/\s+/g, ' ');
    const offset = syntaxErrorOffset(text);
    const where = offset === undefined ? '' : ` at line ${lineColumn(text, offset)}`;
    throw new InputError(file, '', `invalid JSON${where}: ${what}`);
  }
}

/** "3, column 7" for a 0-based offset (both 1-based, columns in UTF-16 units). */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return `${line}, column ${column}`;
}

class SyntaxStop {
  constructor(readonly offset: number) {}
}

/**
 * Offset of the first syntax error by the JSON grammar (RFC 8259), or
 * undefined if there is none. Needed because V8's JSON.parse does not report
 * the position of every error ("Unexpected token …" quotes the text instead).
 */
function syntaxErrorOffset(text: string): number | undefined {
  let i = 0;
  const stop = (): never => {
    throw new SyntaxStop(i);
  };
  const space = (): void => {
    while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r') i++;
  };
  const expect = (c: string): void => {
    if (text[i] !== c) stop();
    i++;
  };
  const digits = (): void => {
    const first = i;
    while (text[i] !== undefined && text[i]! >= '0' && text[i]! <= '9') i++;
    if (i === first) stop();
  };
  const string = (): void => {
    expect('"');
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') stop();
      i++;
      if (c === '"') return;
      if (c !== '\\') continue;
      const escape = text[i];
      if (escape === 'u') {
        i++;
        for (let k = 0; k < 4; k++) {
          if (!/^[0-9a-fA-F]$/.test(text[i] ?? '')) stop();
          i++;
        }
      } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) i++;
      else stop();
    }
  };
  const number = (): void => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const sequence = (close: string, element: () => void): void => {
    i++;
    space();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      element();
      space();
      if (text[i] !== ',') break;
      i++;
    }
    expect(close);
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      sequence('}', () => {
        space();
        string();
        space();
        expect(':');
        value();
      });
    } else if (c === '[') sequence(']', value);
    else if (c === '"') string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
    else if (c === 't') for (const k of 'true') expect(k);
    else if (c === 'f') for (const k of 'false') expect(k);
    else if (c === 'n') for (const k of 'null') expect(k);
    else stop();
  };
  try {
    value();
    space();
    if (i < text.length) stop();
    return undefined;
  } catch (e) {
    if (e instanceof SyntaxStop) return e.offset;
    throw e;
  }
}
