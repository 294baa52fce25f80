/**
 * Seeded random streams for everything stochastic in a simulation.
 *
 * Each stream is derived from (scenario seed, patient, purpose), so adding a
 * draw to one purpose (say, the sensor) never shifts another (the meals), and
 * the same seed gives the same draws on any machine. Uses seedrandom's ARC4
 * generator; never Math.random. (Cryptographic randomness, where needed, comes
 * from node:crypto instead.)
 */
import seedrandom from 'seedrandom';

export interface RandomStream {
  /** Uniform on [0, 1). */
  uniform(): number;
  /** Uniform on [min, max). */
  uniformIn(min: number, max: number): number;
  /** Uniform integer in [min, max] (both inclusive). */
  integerIn(min: number, max: number): number;
  /** Standard normal N(0, 1). */
  normal(): number;
}

class SeededStream implements RandomStream {
  private readonly prng: seedrandom.PRNG;
  private spare = 0;
  private hasSpare = false;

  constructor(key: string) {
    this.prng = seedrandom(key);
  }

  uniform(): number {
    return this.prng.double();
  }

  uniformIn(min: number, max: number): number {
    return min + (max - min) * this.prng.double();
  }

  integerIn(min: number, max: number): number {
    return min + Math.floor(this.prng.double() * (max - min + 1));
  }

  /** Marsaglia's polar form of the Box–Muller transform (Marsaglia & Bray 1964). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.prng.double() - 1;
      v = 2 * this.prng.double() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * factor;
    this.hasSpare = true;
    return u * factor;
  }
}

/** The stream for `purpose` of `patient` under scenario seed `seed`. */
export function randomStream(seed: number | string, patient: string, purpose: string): RandomStream {
  return new SeededStream(`glucosim/${seed}/${patient}/${purpose}`);
}

/**
 * A seed given as text (the command line, a scenario's `"seed": "7"`): the
 * integer it reads as, if it is a safe one (`7`, `-1`, `007`), else the text
 * itself. Every seed is read through this, so `7`, `"7"`, `007` and
 * `--seed 007` key the same streams (String(7)), and an experiment counts
 * seeds on from a number however it was written.
 */
export function parseSeed(text: string): number | string {
  return /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : text;
}
