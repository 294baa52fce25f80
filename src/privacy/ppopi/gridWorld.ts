/**
 * The Grid World of PPOPI's evaluation (Chen & Ye 2025, §7): a maze of
 * `columns` × `rows` cells, the start a random cell of the leftmost column,
 * the goal a random cell of the rightmost column, every other cell a wall
 * with probability `wallProbability`. Four actions (up, down, left, right);
 * moving into a wall or off the grid leaves the state unchanged; an attempt
 * ends at the goal. The paper does not say what happens to a maze without a
 * path from start to goal; here it is redrawn (from the same stream, so the
 * maze is still a function of the stream alone).
 *
 * A state is a cell number, row · columns + column (row 0 at the top).
 * Pure functions over plain data; the randomness is given (`UniformSource`),
 * never made here: the privacy stage takes no seeded generator of its own
 * (docs/architecture.md §1), so the caller hands in its stream.
 */

/** Actions 0..3. */
export const UP = 0;
export const DOWN = 1;
export const LEFT = 2;
export const RIGHT = 3;
export const ACTION_COUNT = 4;
export const ACTION_NAMES = ['up', 'down', 'left', 'right'] as const;

/** Row and column change of each action. */
const DELTA: readonly (readonly [number, number])[] = [
  [-1, 0],
  [1, 0],
  [0, -1],
  [0, 1],
];

export interface MazeShape {
  readonly columns: number;
  readonly rows: number;
  /** Probability that a cell other than the start and the goal is a wall. */
  readonly wallProbability: number;
}

export interface Maze {
  readonly columns: number;
  readonly rows: number;
  /** 1 where the cell is a wall, by cell number. */
  readonly walls: Uint8Array;
  /** Cell number of the start (column 0). */
  readonly start: number;
  /** Cell number of the goal (column columns − 1). */
  readonly goal: number;
  /** Steps of a shortest path from start to goal (BFS). */
  readonly shortest: number;
  /** Candidate mazes drawn (1 + those redrawn as unsolvable). */
  readonly draws: number;
}

/** Uniform numbers on [0, 1): all that maze generation needs of a random stream. */
export interface UniformSource {
  uniform(): number;
}

export function cellOf(columns: number, row: number, column: number): number {
  return row * columns + column;
}

export function rowOf(maze: Pick<Maze, 'columns'>, cell: number): number {
  return Math.floor(cell / maze.columns);
}

export function columnOf(maze: Pick<Maze, 'columns'>, cell: number): number {
  return cell % maze.columns;
}

/** The cell reached from `cell` by `action`: the same cell when the move would hit a wall or leave the grid. */
export function step(maze: Pick<Maze, 'columns' | 'rows' | 'walls'>, cell: number, action: number): number {
  const delta = DELTA[action];
  if (delta === undefined) throw new RangeError(`action ${action} is not one of 0..${ACTION_COUNT - 1}`);
  const row = Math.floor(cell / maze.columns) + delta[0];
  const column = (cell % maze.columns) + delta[1];
  if (row < 0 || row >= maze.rows || column < 0 || column >= maze.columns) return cell;
  const next = cellOf(maze.columns, row, column);
  return maze.walls[next] === 1 ? cell : next;
}

/** Distances (steps) from `from` to every cell by breadth-first search; −1 where unreachable. */
export function distancesFrom(maze: Pick<Maze, 'columns' | 'rows' | 'walls'>, from: number): Int32Array {
  const distance = new Int32Array(maze.columns * maze.rows).fill(-1);
  const queue = new Int32Array(maze.columns * maze.rows);
  let head = 0;
  let tail = 0;
  distance[from] = 0;
  queue[tail++] = from;
  while (head < tail) {
    const cell = queue[head++];
    for (let action = 0; action < ACTION_COUNT; action++) {
      const next = step(maze, cell, action);
      if (distance[next] === -1) {
        distance[next] = distance[cell] + 1;
        queue[tail++] = next;
      }
    }
  }
  return distance;
}

/** Steps of a shortest path from `from` to `to`, or undefined when there is none. */
export function shortestPathLength(maze: Pick<Maze, 'columns' | 'rows' | 'walls'>, from: number, to: number): number | undefined {
  const d = distancesFrom(maze, from)[to];
  return d < 0 ? undefined : d;
}

/** Throws unless the shape is one a maze can be drawn for. */
export function checkShape(shape: MazeShape): void {
  if (!Number.isInteger(shape.columns) || shape.columns < 2) throw new RangeError(`columns must be an integer ≥ 2 (got ${shape.columns})`);
  if (!Number.isInteger(shape.rows) || shape.rows < 1) throw new RangeError(`rows must be an integer ≥ 1 (got ${shape.rows})`);
  if (!(shape.wallProbability >= 0 && shape.wallProbability < 1)) {
    throw new RangeError(`wallProbability must be in [0, 1) (got ${shape.wallProbability})`);
  }
}

/** A uniform integer in [0, n). */
function below(source: UniformSource, n: number): number {
  return Math.min(n - 1, Math.floor(source.uniform() * n));
}

/**
 * One candidate maze, solvable or not: start row, goal row, then one draw
 * per cell in cell order (start and goal cells draw too, and are kept
 * open, so the cells' draws do not depend on where start and goal fell).
 */
export function drawMazeCandidate(source: UniformSource, shape: MazeShape): Omit<Maze, 'shortest' | 'draws'> {
  checkShape(shape);
  const { columns, rows } = shape;
  const start = cellOf(columns, below(source, rows), 0);
  const goal = cellOf(columns, below(source, rows), columns - 1);
  const walls = new Uint8Array(columns * rows);
  for (let cell = 0; cell < walls.length; cell++) {
    const wall = source.uniform() < shape.wallProbability;
    walls[cell] = wall && cell !== start && cell !== goal ? 1 : 0;
  }
  return { columns, rows, walls, start, goal };
}

/**
 * A solvable maze: candidates are drawn from `source` until one has a path
 * from start to goal (our rule; at 20 × 10 and 20 % walls about one
 * candidate in twelve is redrawn, most often because the start or the goal
 * is shut in a pocket of at most three cells).
 */
export function generateMaze(source: UniformSource, shape: MazeShape, maxDraws = 10_000): Maze {
  for (let draws = 1; draws <= maxDraws; draws++) {
    const candidate = drawMazeCandidate(source, shape);
    const shortest = shortestPathLength(candidate, candidate.start, candidate.goal);
    if (shortest !== undefined) return { ...candidate, shortest, draws };
  }
  throw new RangeError(`no solvable maze in ${maxDraws} draws (columns ${shape.columns}, rows ${shape.rows}, wallProbability ${shape.wallProbability})`);
}

/** The maze as text, one line per row: `S` start, `G` goal, `#` wall, `.` open (for tests and messages). */
export function mazeText(maze: Maze): string {
  const lines: string[] = [];
  for (let row = 0; row < maze.rows; row++) {
    let line = '';
    for (let column = 0; column < maze.columns; column++) {
      const cell = cellOf(maze.columns, row, column);
      line += cell === maze.start ? 'S' : cell === maze.goal ? 'G' : maze.walls[cell] === 1 ? '#' : '.';
    }
    lines.push(line);
  }
  return lines.join('\n');
}
