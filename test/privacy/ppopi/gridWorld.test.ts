/**
 * The Grid World (Chen & Ye 2025, §7): maze generation from a seeded stream
 * (size, start and goal columns, wall rate, solvability, reproducibility),
 * step dynamics (a wall or the edge keeps the state) and breadth-first
 * search on hand-made mazes.
 */
import { describe, expect, it } from 'vitest';
import { seededMaze } from '../../../src/cli/ppopiGridWorld.js';
import {
  ACTION_COUNT,
  DOWN,
  LEFT,
  RIGHT,
  UP,
  cellOf,
  columnOf,
  distancesFrom,
  drawMazeCandidate,
  generateMaze,
  mazeText,
  rowOf,
  shortestPathLength,
  step,
} from '../../../src/privacy/ppopi/gridWorld.js';
import { randomStream } from '../../../src/random/streams.js';
import { mazeFromText } from './helpers.js';

const PAPER_SHAPE = { columns: 20, rows: 10, wallProbability: 0.2 };

describe('maze generation', () => {
  const mazes = Array.from({ length: 300 }, (_, i) => seededMaze(11, i, PAPER_SHAPE));

  it('has the shape asked for, the start in the leftmost column and the goal in the rightmost, both open', () => {
    for (const m of mazes) {
      expect(m.columns).toBe(20);
      expect(m.rows).toBe(10);
      expect(m.walls.length).toBe(200);
      expect(columnOf(m, m.start)).toBe(0);
      expect(columnOf(m, m.goal)).toBe(19);
      expect(m.walls[m.start]).toBe(0);
      expect(m.walls[m.goal]).toBe(0);
    }
    // Start and goal rows vary over the mazes.
    expect(new Set(mazes.map((m) => rowOf(m, m.start))).size).toBe(10);
    expect(new Set(mazes.map((m) => rowOf(m, m.goal))).size).toBe(10);
  });

  it('is always solvable, and `shortest` is the BFS distance from start to goal', () => {
    for (const m of mazes) {
      const d = shortestPathLength(m, m.start, m.goal);
      expect(d).toBeDefined();
      expect(m.shortest).toBe(d);
      expect(m.shortest).toBeGreaterThanOrEqual(19);
    }
  });

  it('walls about 20 % of the other cells (redrawing unsolvable mazes lowers it only slightly)', () => {
    let walls = 0;
    let cells = 0;
    for (const m of mazes) {
      for (let c = 0; c < m.walls.length; c++) {
        if (c === m.start || c === m.goal) continue;
        cells++;
        walls += m.walls[c];
      }
    }
    // 59 400 cells: the standard error of a 20 % rate is 0.0016.
    expect(Math.abs(walls / cells - 0.2)).toBeLessThan(0.01);
    // Candidates before the solvability check: 0.2 within 4 standard errors.
    const source = randomStream(5, 'candidates', 'test');
    let candidateWalls = 0;
    for (let i = 0; i < 500; i++) candidateWalls += drawMazeCandidate(source, PAPER_SHAPE).walls.reduce((s, w) => s + w, 0);
    expect(Math.abs(candidateWalls / (500 * 198) - 0.2)).toBeLessThan(4 * Math.sqrt(0.16 / (500 * 198)));
  });

  it('redraws unsolvable mazes from the same stream', () => {
    const dense = { columns: 6, rows: 4, wallProbability: 0.5 };
    const many = Array.from({ length: 60 }, (_, i) => seededMaze(3, i, dense));
    expect(many.some((m) => m.draws > 1)).toBe(true);
    for (const m of many) expect(shortestPathLength(m, m.start, m.goal)).toBe(m.shortest);
  });

  it('is a function of (seed, index): the same seed gives the same maze, another seed or index another', () => {
    const a = seededMaze(11, 7, PAPER_SHAPE);
    const b = seededMaze(11, 7, PAPER_SHAPE);
    expect(mazeText(b)).toBe(mazeText(a));
    expect(b.walls).toEqual(a.walls);
    expect(mazeText(seededMaze('11', 7, PAPER_SHAPE))).toBe(mazeText(a));
    expect(mazeText(seededMaze(12, 7, PAPER_SHAPE))).not.toBe(mazeText(a));
    expect(mazeText(seededMaze(11, 8, PAPER_SHAPE))).not.toBe(mazeText(a));
    const distinct = new Set(mazes.map(mazeText));
    expect(distinct.size).toBe(mazes.length);
  });

  it('refuses impossible shapes and gives up after maxDraws', () => {
    const source = randomStream(1, 'x', 'test');
    expect(() => generateMaze(source, { columns: 1, rows: 5, wallProbability: 0.2 })).toThrow(/columns/);
    expect(() => generateMaze(source, { columns: 5, rows: 0, wallProbability: 0.2 })).toThrow(/rows/);
    expect(() => generateMaze(source, { columns: 5, rows: 5, wallProbability: 1 })).toThrow(/wallProbability/);
    // A 3 × 1 corridor whose middle cell is a wall is never solvable.
    expect(() => generateMaze({ uniform: () => 0 }, { columns: 3, rows: 1, wallProbability: 0.5 }, 5)).toThrow(/no solvable maze in 5 draws/);
  });
});

describe('step dynamics', () => {
  const maze = mazeFromText(`
    S.#.
    .#..
    ...G
  `);

  it('numbers cells row by row and moves by one cell', () => {
    expect(cellOf(4, 1, 2)).toBe(6);
    expect(step(maze, 0, RIGHT)).toBe(1);
    expect(step(maze, 0, DOWN)).toBe(4);
    expect(step(maze, 4, UP)).toBe(0);
    expect(step(maze, 9, RIGHT)).toBe(10);
    expect(step(maze, 10, LEFT)).toBe(9);
  });

  it('keeps the state when the move hits a wall or leaves the grid', () => {
    expect(step(maze, 1, RIGHT)).toBe(1); // wall at (0, 2)
    expect(step(maze, 4, RIGHT)).toBe(4); // wall at (1, 1)
    expect(step(maze, 0, UP)).toBe(0);
    expect(step(maze, 0, LEFT)).toBe(0);
    expect(step(maze, 11, RIGHT)).toBe(11);
    expect(step(maze, 11, DOWN)).toBe(11);
    expect(() => step(maze, 0, ACTION_COUNT)).toThrow(RangeError);
  });

  it('BFS: distances on a hand-made maze, undefined when walled off', () => {
    expect(maze.shortest).toBe(5);
    const d = distancesFrom(maze, maze.start);
    expect(Array.from(d)).toEqual([0, 1, -1, 7, 1, -1, 5, 6, 2, 3, 4, 5]);
    const closed = mazeFromText(`
      S#.
      #.G
    `);
    expect(shortestPathLength(closed, closed.start, closed.goal)).toBeUndefined();
  });
});
