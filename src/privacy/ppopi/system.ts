/**
 * A PPOPI system in one process: the KGC, the server and the users as
 * separate objects with separate key material, wired by direct calls where
 * the networked deployment (net/) sends frames. `openTask` runs the set-up
 * steps of Chen & Ye 2025 §5.1–5.3 for one task: registration (once per
 * party), negotiation, confirmation and the grants, the users' joining and
 * their authorisations to the server.
 */
import type { BcpMasterKey, BcpParameters } from '../bcp/types.js';
import type { TaskShape } from './encoding.js';
import { KeyGenerationCentre, type KgcOptions } from './kgc.js';
import type { LearningOptions } from './policyIteration.js';
import { PolicyServer } from './server.js';
import { kgcEncryptor, PpopiUser } from './user.js';

export interface InProcessSystem {
  readonly kgc: KeyGenerationCentre;
  readonly server: PolicyServer;
  readonly users: ReadonlyMap<string, PpopiUser>;
}

export interface SystemOptions extends KgcOptions {
  readonly serverId?: string;
  /** Window of the users' fixed-base tables (bcp/fixedBase.ts). */
  readonly window?: number;
}

/** §5.1: the KGC, one server and the users, each registered with its own key pair. */
export function inProcessSystem(params: BcpParameters, master: BcpMasterKey, userIds: readonly string[], options: SystemOptions = {}): InProcessSystem {
  const kgc = new KeyGenerationCentre(params, master, options);
  const serverId = options.serverId ?? 'server';
  const server = new PolicyServer(serverId, params, kgc.register(serverId, 'server'), kgc);
  const encryptor = kgcEncryptor(params, kgc.publicKey, options.window);
  const users = new Map(userIds.map((id) => [id, new PpopiUser(id, params, kgc.register(id, 'user'), encryptor)]));
  return { kgc, server, users };
}

/** §5.2–5.3 for one task with the given users (all of the system's by default). */
export function openTask(system: InProcessSystem, taskId: string, shape: TaskShape, learning: Partial<LearningOptions> = {}, userIds: readonly string[] = [...system.users.keys()]): void {
  const { kgc, server } = system;
  kgc.openTask(taskId, server.id, userIds, shape);
  server.openTask(taskId, userIds, shape, learning);
  for (const id of userIds) {
    const np = system.users.get(id)!.negotiationParameter();
    server.receiveNegotiation(taskId, id, np);
    kgc.receiveNegotiation(taskId, id, np);
  }
  const gr = server.taskParameter(taskId);
  const grant = kgc.confirmTask(taskId, gr);
  server.acceptGrant(taskId, grant.server);
  for (const id of userIds) {
    const user = system.users.get(id)!;
    user.joinTask(taskId, gr, grant.users.get(id)!, shape);
    server.authorise(taskId, id, user.authorisation(taskId));
  }
}
