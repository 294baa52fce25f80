/**
 * One OIDPR protocol run on random shared inputs, for measuring its cost
 * (`npm run bench:oidpr`, the `Bench` session of an edge server started
 * with --bench). Each party draws its own uniform shares: the secrets are
 * then uniform too, which the protocols' cost does not depend on.
 */
import { randomInt } from 'node:crypto';
import type { Party } from '../mpc/party.js';
import { randomWords } from '../mpc/ring.js';
import type { ModelShare, RecordShares } from './model.js';
import { encodeRecords, SecAct, SecCom, SecEle, SecGry, SecMax, SecMul, SecQLearning, SecRep, SecUq } from './protocols.js';

export const BENCH_PROTOCOLS = ['SecMul', 'SecCom', 'SecAct', 'SecEle', 'SecMax', 'SecGry', 'SecUq', 'SecQ-learning', 'SecRep'] as const;
export type BenchProtocol = (typeof BENCH_PROTOCOLS)[number];

export interface BenchRequest {
  readonly protocol: BenchProtocol;
  /** Values, states or records per run (SecQ-learning: ρ·τ records). */
  readonly n: number;
  /** SecQ-learning and SecUq: τ; SecQ-learning: Rmax. */
  readonly batchSize?: number;
  readonly rounds?: number;
  /** SecGry: ε. */
  readonly epsilon?: number;
}

function indices(n: number, modulus: number): Uint32Array {
  return Uint32Array.from({ length: n }, () => (modulus === 1 ? 0 : randomInt(modulus)));
}

function randomRecords(n: number, model: ModelShare): RecordShares {
  const { states, actions } = model.parameters;
  return { states: indices(n, states), actions: indices(n, actions), nextStates: indices(n, states), rewards: randomWords(n) };
}

/** Check a request's shape; the reason, or undefined. */
export function benchProblem(r: BenchRequest): string | undefined {
  if (!BENCH_PROTOCOLS.includes(r.protocol)) return `unknown protocol '${String(r.protocol)}' (known: ${BENCH_PROTOCOLS.join(', ')})`;
  if (!(Number.isInteger(r.n) && r.n >= 1 && r.n <= 100_000)) return `n = ${r.n} must be a whole number from 1 to 100000`;
  for (const k of ['batchSize', 'rounds'] as const) if (r[k] !== undefined && !(Number.isInteger(r[k]) && r[k]! >= 1 && r[k]! <= 10_000)) return `${k} = ${r[k]} must be a whole number from 1 to 10000`;
  if (r.epsilon !== undefined && !(r.epsilon >= 0 && r.epsilon <= 1)) return `epsilon = ${r.epsilon} must be in [0, 1]`;
  if (r.protocol === 'SecQ-learning' && Math.ceil(r.n / (r.batchSize ?? 10)) * (r.rounds ?? 1) > 20_000) return 'more than 20000 steps (⌈n/τ⌉·Rmax)';
  return undefined;
}

/**
 * The program one party runs for `request`, with its random inputs drawn
 * now (so the dry run that finds the plan and the real run see the same).
 * SecUq is measured as one step after its records' one-hot setup (which is
 * SecQ-learning's, once per training run).
 */
export function benchProgram(request: BenchRequest, model: ModelShare): (p: Party) => Promise<unknown> {
  const { states, actions } = model.parameters;
  const n = request.n;
  switch (request.protocol) {
    case 'SecMul': {
      const x = randomWords(n);
      const y = randomWords(n);
      return (p) => SecMul(p, x, y);
    }
    case 'SecCom': {
      const x = randomWords(n);
      const y = randomWords(n);
      return (p) => SecCom(p, x, y);
    }
    case 'SecAct': {
      const s = indices(n, states);
      return (p) => SecAct(p, model, s);
    }
    case 'SecEle': {
      const s = indices(n, states);
      const a = indices(n, actions);
      return (p) => SecEle(p, model, s, a);
    }
    case 'SecMax': {
      const rows = randomWords(n * actions);
      return (p) => SecMax(p, rows, actions);
    }
    case 'SecGry': {
      const s = indices(n, states);
      return (p) => SecGry(p, model, s, request.epsilon ?? 0.1);
    }
    case 'SecUq': {
      const records = randomRecords(n, model);
      return async (p) => {
        const encoded = await encodeRecords(p, model.parameters, records);
        return SecUq(p, model.parameters, model.q, encoded, 0, n);
      };
    }
    case 'SecQ-learning': {
      const records = randomRecords(n, model);
      return (p) => SecQLearning(p, model, records, { batchSize: request.batchSize ?? 10, rounds: request.rounds ?? 1 });
    }
    case 'SecRep': {
      const s = indices(n, states);
      return (p) => SecRep(p, model, s);
    }
  }
}
