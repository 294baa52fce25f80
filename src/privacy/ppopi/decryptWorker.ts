/**
 * A worker thread of the KGC's decryption pool (decryptPool.ts): rebuilds
 * the KGC's CRT decryptor from the key material it is started with and
 * decrypts the batches it is sent. BigInts cross the thread boundary by
 * structured clone.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Decryptor } from '../bcp/bcp.js';
import { BcpInputError } from '../bcp/errors.js';
import type { DecryptJob, DecryptReply, DecryptWorkerSetup } from './decryptPool.js';

const setup = workerData as DecryptWorkerSetup;
const decryptor = new Decryptor(setup.params, setup.keyPair, { master: setup.master, engine: setup.engine });

parentPort!.on('message', (job: DecryptJob) => {
  const results = job.ciphertexts.map((c): bigint | string => {
    try {
      return decryptor.decryptInRange(c);
    } catch (err) {
      // A ciphertext that is none under the key is an answer; anything else is a fault of this worker, as in the calling thread.
      if (err instanceof BcpInputError) return err.reason;
      throw err;
    }
  });
  parentPort!.postMessage({ id: job.id, results } satisfies DecryptReply);
});
