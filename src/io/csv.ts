/**
 * Minimal CSV reading for the project's numeric tables: comma separated, one
 * header line, no quoted fields. Errors name the file, line and column.
 */
import { InputError } from './errors.js';

export interface CsvTable {
  readonly file: string;
  readonly header: readonly string[];
  /** Cells as text, one array per data line; `lines[i]` is the 1-based line number of `rows[i]`. */
  readonly rows: readonly (readonly string[])[];
  readonly lines: readonly number[];
}

export function parseCsv(text: string, file: string): CsvTable {
  const all = text.split(/\r?\n/);
  let first = 0;
  while (first < all.length && all[first].trim() === '') first++;
  if (first === all.length) throw new InputError(file, '', 'empty file: a header line is required');
  const header = all[first].split(',').map((h) => h.trim());
  const rows: string[][] = [];
  const lines: number[] = [];
  for (let i = first + 1; i < all.length; i++) {
    if (all[i].trim() === '') continue;
    const cells = all[i].split(',').map((c) => c.trim());
    if (cells.length < header.length) {
      throw new InputError(file, `line ${i + 1}`, `has ${cells.length} cells, the header has ${header.length}`);
    }
    rows.push(cells);
    lines.push(i + 1);
  }
  return { file, header, rows, lines };
}

/** Index of a required column; the error names the file and the column. */
export function columnIndex(table: CsvTable, name: string): number {
  const i = table.header.indexOf(name);
  if (i < 0) throw new InputError(table.file, name, `required column is missing (header: ${table.header.join(',')})`);
  return i;
}

/** A finite number from a cell; the error names file, line and column. */
export function numberCell(table: CsvTable, row: number, column: number): number {
  const text = table.rows[row][column];
  const value = text === '' ? NaN : Number(text);
  if (!Number.isFinite(value)) {
    throw new InputError(table.file, `line ${table.lines[row]}, column ${table.header[column]}`, `'${text}' is not a number`);
  }
  return value;
}
