/**
 * A controller that answers like one across a network: every call the loop
 * makes during the run (decide, delivered, endOfDay) returns a promise that
 * settles after a real wall-clock delay; start and close pass straight
 * through. Simulated time does not move, so its traces equal the wrapped
 * controller's; what changes is the engine's path (it awaits, the deadline
 * applies, several patients of a worker overlap their waits). Scenarios ask
 * for it with `controller.latencyMs`.
 */
import type { Controller, DayRecord, Delivery, InsulinRequest, Observation } from './types.js';

/** Wait `ms` (a real timer), or reject as soon as `signal` aborts. */
function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `inner`, whose calls during the run answer after `latencyMs` (0: on the next timer tick). */
export function withLatency(inner: Controller, latencyMs: number, signal?: AbortSignal): Controller {
  const later = async <T>(value: T | Promise<T>): Promise<T> => {
    const result = await value;
    await delay(latencyMs, signal);
    return result;
  };
  const wrapped: Controller = {
    decide: (observation: Observation): Promise<InsulinRequest> => later(inner.decide(observation)),
  };
  if (inner.start) wrapped.start = (context) => inner.start!(context);
  if (inner.delivered) wrapped.delivered = (delivery: Delivery) => later(inner.delivered!(delivery));
  if (inner.endOfDay) wrapped.endOfDay = (record: DayRecord) => later(inner.endOfDay!(record));
  if (inner.dailyLog) wrapped.dailyLog = () => inner.dailyLog!();
  if (inner.close) wrapped.close = () => inner.close!();
  return wrapped;
}
