/**
 * Worker thread of a pool of simulation jobs: receives (scenario, patient,
 * seed) jobs and runs each with the thread's job runner (src/sim/jobRunner.ts;
 * several at once when the pool asks: their asynchronous controllers' waits
 * overlap), reporting progress per simulated day and then the summary (and
 * the part or the trace, when asked). The pool ends the worker once its last
 * job has reported, so a controller that leaves a handle open (after
 * close()) cannot keep it alive.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createJobRunner, JobFailure } from './jobRunner.js';
import { traceBuffers } from './trace.js';
import type { FromWorker, ToWorker, WorkerSetup } from './workerProtocol.js';

const port = parentPort;
if (!port) throw new Error('worker.js must run as a worker thread');
const runner = createJobRunner(workerData as WorkerSetup);
// A runner that cannot be made (a controller or analysis module that fails
// to load) fails each job with its message; marked handled so that it does
// not also end the thread as an unhandled rejection.
runner.catch(() => {});
/** The jobs running now, to abort them when the pool says so. */
const running = new Map<number, AbortController>();

function send(message: FromWorker, transfer?: ArrayBuffer[]): void {
  port!.postMessage(message, transfer);
}

port.on('message', async (request: ToWorker) => {
  if (request.type === 'abort') {
    for (const abort of running.values()) abort.abort(new Error(request.reason));
    return;
  }
  const { job, spec } = request;
  const abort = new AbortController();
  running.set(job, abort);
  try {
    const result = await (await runner).run(spec, abort.signal, (day) => send({ type: 'day', job, day }));
    send({ type: 'done', job, result }, result.trace ? traceBuffers(result.trace) : undefined);
  } catch (err) {
    const failure = err instanceof JobFailure ? err : JobFailure.of(spec.patient, err);
    send({ type: 'error', job, patient: failure.patient, message: failure.message, userFixable: failure.userFixable });
  } finally {
    running.delete(job);
  }
});
