/**
 * The parts of a controller's context that do not depend on the run's
 * engine: its name, the patient's therapy, the seed and the seeded streams.
 */
import { randomStream, type RandomStream } from '../random/streams.js';
import type { ControllerContext, TherapySettings } from './types.js';

/** Everything of a ControllerContext but the run's timing and its AbortSignal (which the loop adds). */
export type ControllerIdentity = Pick<ControllerContext, 'controller' | 'therapy' | 'seed' | 'random'>;

/**
 * The identity of controller `controller` on `therapy.patient` under `seed`.
 * Its streams are (seed, patient, `<controller>/<purpose>`), so two
 * controllers never share a stream, and neither shares one with the meals
 * ('meals') or the sensor ('cgm').
 */
export function controllerIdentity(controller: string, therapy: TherapySettings, seed: number | string): ControllerIdentity {
  return {
    controller,
    therapy,
    seed,
    random: (purpose: string): RandomStream => randomStream(seed, therapy.patient, `${controller}/${purpose}`),
  };
}
