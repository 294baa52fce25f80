/**
 * PPOPI's key generation centre as a network service (Chen & Ye 2025,
 * §4.1, §5.2, §5.5): the role class (kgc.ts) behind a TLS-PSK listener.
 *
 * - from the server: `open-task` (the KGC opens its side of a task: the
 *   role class checks that the caller is the registered server and that
 *   every user is registered), `confirm` (§5.2 eq. 12: g^r checked against
 *   the np_i the KGC received itself; the reply is the server's sealed
 *   grant, s_t only) and `unify` (§5.5: equality tags);
 * - from users: `negotiation` (np_i, eq. 11) and `grant` (the user's own
 *   sealed grant, once the server has confirmed the task).
 *
 * The caller of every op is the identity its PSK proved: a user cannot
 * send another's np_i nor fetch another's grant, and only the server that
 * opened a task confirms it. State (tasks, grants, spent first components)
 * is in memory: a restarted KGC knows the registered parties (its
 * directory) but no task.
 */
import type { Logger } from '../../net/connection.js';
import { KeyGenerationCentre } from '../kgc.js';
import { PpopiRefusal } from '../messages.js';
import type { SealedBox } from '../sealedBox.js';
import { KGC_OPS } from '../wire.js';
import type { KgcState } from './deployment.js';
import { type PpopiService, route, startService } from './rpc.js';

export interface KgcServiceOptions {
  readonly state: KgcState;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Worker threads that decrypt unification batches (decryptPool.ts); 0 decrypts on the main thread. */
  readonly workers?: number;
  readonly log: Logger;
}

export async function startKgcService(options: KgcServiceOptions): Promise<PpopiService> {
  const { state, log } = options;
  const party = state.id;
  const kgc = new KeyGenerationCentre(state.parameters, state.master, { workers: options.workers ?? 0 }, state.keyPair);
  for (const p of state.parties) kgc.register(p.id, p.role, p.keyPair);
  const roles = new Map(state.parties.map((p) => [p.id, p.role]));
  /** Task → the server that opened it (the role class keeps it too, privately). */
  const servers = new Map<string, string>();
  /** Task → each user's sealed grant, kept from the confirmation until the process ends. */
  const grants = new Map<string, ReadonlyMap<string, SealedBox>>();

  const routes = [
    route(KGC_OPS.openTask, ({ taskId, users, shape }, { caller }) => {
      kgc.openTask(taskId, caller, users, shape);
      servers.set(taskId, caller);
      log(`${party}: task '${taskId}' opened by ${caller}: users ${users.join(', ')}; ${shape.stateCount} states, ${shape.actionCount} actions`);
      return {};
    }),
    route(KGC_OPS.negotiation, ({ taskId, np }, { caller }) => {
      kgc.receiveNegotiation(taskId, caller, np);
      return {};
    }),
    route(KGC_OPS.confirm, ({ taskId, gr }, { caller }) => {
      const server = servers.get(taskId);
      if (server === undefined) throw new PpopiRefusal(party, 'task', `no task '${taskId}'`);
      if (server !== caller) throw new PpopiRefusal(party, 'confirm.server', `'${caller}' is not the server of task '${taskId}'`);
      const grant = kgc.confirmTask(taskId, gr);
      grants.set(taskId, grant.users);
      log(`${party}: task '${taskId}' confirmed; grants sealed to ${[...grant.users.keys()].join(', ')} and ${caller}`);
      return { grant: grant.server };
    }),
    route(KGC_OPS.grant, ({ taskId }, { caller }) => {
      const boxes = grants.get(taskId);
      if (boxes === undefined) throw new PpopiRefusal(party, 'grant', servers.has(taskId) ? `task '${taskId}' is not confirmed yet` : `no task '${taskId}'`);
      const box = boxes.get(caller);
      if (box === undefined) throw new PpopiRefusal(party, 'grant.user', `'${caller}' is not a user of task '${taskId}'`);
      return { grant: box };
    }),
    route(KGC_OPS.unify, async ({ taskId, items }, { caller }) => ({ tags: await kgc.unify(taskId, caller, items) })),
  ];

  return startService(options, state.psk, { party, routes, roleOf: (id) => roles.get(id), log }, () => kgc.close());
}
