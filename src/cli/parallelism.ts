/** `--workers` and `--concurrency-per-worker` of the commands that run simulations. */
import { availableParallelism } from 'node:os';
import { InputError } from '../io/errors.js';

export interface Parallelism {
  /** Worker threads (default: all cores). */
  readonly workers: number;
  /** Patients one worker runs at once (default 1): more overlaps the waits of asynchronous (remote) controllers. */
  readonly concurrencyPerWorker: number;
}

export function parallelism(args: { readonly workers?: number; readonly concurrencyPerWorker?: number }): Parallelism {
  const workers = args.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1) throw new InputError('--workers', '', `must be a whole number ≥ 1, got ${args.workers}`);
  const concurrencyPerWorker = args.concurrencyPerWorker ?? 1;
  if (!Number.isInteger(concurrencyPerWorker) || concurrencyPerWorker < 1 || concurrencyPerWorker > 1000) {
    throw new InputError('--concurrency-per-worker', '', `must be a whole number from 1 to 1000, got ${args.concurrencyPerWorker}`);
  }
  return { workers, concurrencyPerWorker };
}
