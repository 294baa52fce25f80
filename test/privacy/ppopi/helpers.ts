/** Shared helpers of the PPOPI Grid World tests: mazes from text, seeded mazes. */
import { cellOf, type Maze, shortestPathLength } from '../../../src/privacy/ppopi/gridWorld.js';

/** A maze from rows of `S` (start), `G` (goal), `#` (wall), `.` (open). */
export function mazeFromText(text: string): Maze {
  const lines = text.trim().split('\n').map((l) => l.trim());
  const rows = lines.length;
  const columns = lines[0].length;
  const walls = new Uint8Array(rows * columns);
  let start = -1;
  let goal = -1;
  lines.forEach((line, row) => {
    if (line.length !== columns) throw new Error(`row ${row} has ${line.length} cells, not ${columns}`);
    [...line].forEach((ch, column) => {
      const cell = cellOf(columns, row, column);
      if (ch === '#') walls[cell] = 1;
      else if (ch === 'S') start = cell;
      else if (ch === 'G') goal = cell;
    });
  });
  const partial = { columns, rows, walls, start, goal };
  return { ...partial, shortest: shortestPathLength(partial, start, goal) ?? -1, draws: 1 };
}
