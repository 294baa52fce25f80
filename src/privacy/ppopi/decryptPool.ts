/**
 * The KGC's decryptions spread over worker threads: a unification batch is
 * cut into one contiguous slice per worker, each worker decrypts its slice
 * with its own copy of the CRT decryptor, and the results come back in
 * order. Decryption is the KGC's whole cost (one exponentiation modulo p²
 * and one modulo q² per value), and the values of a batch are independent,
 * so W workers divide it by up to W (bench/ppopi.ts measures it). With no
 * workers the decryptions run in the calling thread.
 */
import { Worker } from 'node:worker_threads';
import { Decryptor } from '../bcp/bcp.js';
import type { PowEngine } from '../bcp/engines.js';
import type { BcpCiphertext, BcpKeyPair, BcpMasterKey, BcpParameters } from '../bcp/types.js';
import { builtWorkerFile } from '../../io/paths.js';
import { BcpInputError } from '../bcp/errors.js';

export interface DecryptWorkerSetup {
  readonly params: BcpParameters;
  readonly master: BcpMasterKey;
  readonly keyPair: BcpKeyPair;
  readonly engine: PowEngine;
}

export interface DecryptJob {
  readonly id: number;
  readonly ciphertexts: readonly BcpCiphertext[];
}

/** Per ciphertext its message, or the reason it did not decrypt. */
export interface DecryptReply {
  readonly id: number;
  readonly results: readonly (bigint | string)[];
}


export class DecryptPool {
  private readonly local: Decryptor;
  /** The workers still running: one that dies is dropped (its batches fail), and with none left the calling thread decrypts. */
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { worker: Worker; resolve: (reply: DecryptReply) => void; reject: (err: Error) => void }>();
  private nextId = 0;
  /** Jobs in flight per worker. */
  private readonly busy = new Map<Worker, number>();

  /** `workers` threads (0: decrypt in the calling thread). */
  constructor(setup: DecryptWorkerSetup, workers: number) {
    this.local = new Decryptor(setup.params, setup.keyPair, { master: setup.master, engine: setup.engine });
    this.workers = Array.from({ length: workers }, () => {
      const worker = new Worker(builtWorkerFile(import.meta.url, 'src/privacy/ppopi/decryptWorker.js'), { workerData: setup });
      worker.on('message', (reply: DecryptReply) => {
        const waiting = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        // An idle worker must not keep the process alive; a busy one must (an awaited promise alone does not).
        const busy = (this.busy.get(worker) ?? 1) - 1;
        this.busy.set(worker, busy);
        if (busy === 0) worker.unref();
        waiting?.resolve(reply);
      });
      // A worker that dies fails its batches in flight rather than leaving them waiting, and gets no more:
      // a message posted to a dead worker is dropped, and its batch would wait for ever.
      worker.on('error', (err) => this.retire(worker, err));
      worker.on('exit', (code) => this.retire(worker, new Error(`a decryption worker exited (code ${code})`)));
      worker.unref();
      return worker;
    });
  }

  private retire(worker: Worker, err: Error): void {
    const at = this.workers.indexOf(worker);
    if (at >= 0) this.workers.splice(at, 1);
    this.busy.delete(worker);
    for (const [id, job] of this.pending) {
      if (job.worker !== worker) continue;
      this.pending.delete(id);
      job.reject(err);
    }
  }

  get workerCount(): number {
    return this.workers.length;
  }

  /** Every ciphertext's message, or the reason it is none, in order. */
  async decryptAll(ciphertexts: readonly BcpCiphertext[]): Promise<(bigint | string)[]> {
    const workers = [...this.workers];
    if (workers.length === 0 || ciphertexts.length < 2) return ciphertexts.map((c) => this.decryptHere(c));
    const slice = Math.ceil(ciphertexts.length / workers.length);
    const parts = await Promise.all(
      workers.map((worker, w) => {
        const part = ciphertexts.slice(w * slice, (w + 1) * slice);
        if (part.length === 0) return Promise.resolve<readonly (bigint | string)[]>([]);
        const id = this.nextId++;
        return new Promise<readonly (bigint | string)[]>((resolve, reject) => {
          this.pending.set(id, { worker, resolve: (reply) => resolve(reply.results), reject });
          this.busy.set(worker, (this.busy.get(worker) ?? 0) + 1);
          worker.ref();
          worker.postMessage({ id, ciphertexts: part } satisfies DecryptJob);
        });
      }),
    );
    return parts.flat();
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }

  private decryptHere(c: BcpCiphertext): bigint | string {
    try {
      return this.local.decryptInRange(c);
    } catch (err) {
      // As in the worker (decryptWorker.ts): a ciphertext that is none under the key is an answer, anything else a fault.
      if (err instanceof BcpInputError) return err.reason;
      throw err;
    }
  }
}
