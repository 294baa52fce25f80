/**
 * PPOPI's server as a network service (Chen & Ye 2025, §4.1, §5.2–5.7):
 * the role class (server.ts) behind a TLS-PSK listener, with a link to the
 * KGC (kgcClient.ts). Every op is a user's:
 *
 * - `open-task`: the first user of a task to ask opens it, with the task's
 *   users, shape and learning options; the server first has the KGC open
 *   its side (which checks the users are registered and this is the
 *   registered server). Later users ask with the same definition and are
 *   told it is open; a different definition is refused.
 * - `negotiation`: np_i (§5.2 eq. 11). When the last user's has come, the
 *   server forms g^r (eq. 12), has the KGC confirm it and opens its own
 *   sealed grant (s_t).
 * - `task-parameter`: g^r, once the task is confirmed. The server holds the
 *   request until then, at most the `waitMs` asked (≤ 30 s): a wait op, so
 *   users do not poll while the others negotiate.
 * - `authorise` (§5.3, A_i), `attempt` (§5.3–5.5), `request` (§5.6),
 *   `policy` (§5.7): as the role class does them, for the calling user.
 *
 * State is in memory only: a restarted server knows no task (and the KGC,
 * which remembers the task, will not open it again under the same id).
 */
import type { Logger } from '../../net/connection.js';
import { PpopiRefusal } from '../messages.js';
import { learningOptions } from '../policyIteration.js';
import { PolicyServer } from '../server.js';
import { type OpenTaskRequest, SERVER_OPS, NOT_CONFIRMED_YET } from '../wire.js';
import type { ServerState } from './deployment.js';
import { KgcClient } from './kgcClient.js';
import { type Address, type PpopiService, route, startService } from './rpc.js';

/** Tasks one server process holds (in memory): users open them, so their number is bounded. */
export const MAX_TASKS = 1024;

export interface ServerServiceOptions {
  readonly state: ServerState;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly kgc: Address;
  readonly log: Logger;
  /** How long to wait at start for the KGC to come up, ms (default 30 000). */
  readonly kgcStartRetryMs?: number;
}

interface TaskEntry {
  readonly users: readonly string[];
  /** The definition in a canonical form: a later open must give the same. */
  readonly definition: string;
  /** Settles when the KGC and the role class have opened the task. */
  readonly opened: Promise<void>;
  readonly negotiated: Set<string>;
  confirming: boolean;
  gr?: bigint;
  failure?: PpopiRefusal;
  /** Requests waiting for the confirmation. */
  readonly waiters: Set<() => void>;
}

/** Users (sorted), shape and the learning options with their defaults: two opens of one task must agree on all three. */
function canonicalDefinition(request: OpenTaskRequest): string {
  const learning = learningOptions(request.learning);
  return JSON.stringify({
    users: [...request.users].sort(),
    shape: [request.shape.stateCount, request.shape.actionCount],
    learning: Object.keys(learning).sort().map((k) => [k, learning[k as keyof typeof learning]]),
  });
}

export async function startServerService(options: ServerServiceOptions): Promise<PpopiService> {
  const { state, log } = options;
  const party = state.id;
  const kgc = await KgcClient.connect({ address: options.kgc, keys: state.psk, kgc: state.kgcId, log, startRetryMs: options.kgcStartRetryMs });
  const server = new PolicyServer(state.id, state.parameters, state.keyPair, kgc);
  const registeredUsers = new Set(state.directory.filter((e) => e.role === 'user').map((e) => e.id));
  const tasks = new Map<string, TaskEntry>();
  const refuse = (field: string, reason: string) => new PpopiRefusal(party, field, reason);

  async function openedTask(taskId: string): Promise<TaskEntry> {
    const entry = tasks.get(taskId);
    if (entry === undefined) throw refuse('task', `no task '${taskId}'`);
    await entry.opened;
    return entry;
  }

  /** §5.2: g^r to the KGC, the server's grant back; then the waiting users are answered. */
  async function confirm(taskId: string, entry: TaskEntry): Promise<void> {
    entry.confirming = true;
    try {
      const gr = server.taskParameter(taskId);
      server.acceptGrant(taskId, await kgc.confirm(taskId, gr));
      entry.gr = gr;
      log(`${party}: task '${taskId}' confirmed by the KGC`);
    } catch (err) {
      entry.failure = err instanceof PpopiRefusal ? err : refuse('confirm', (err as Error).message);
      log(`${party}: task '${taskId}' could not be confirmed: ${entry.failure.message}`);
    }
    for (const wake of entry.waiters) wake();
    entry.waiters.clear();
  }

  /** Until the task is confirmed (or failed), `ms` pass, or the caller's link closes. */
  function confirmation(entry: TaskEntry, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      // A link closed already would never fire 'abort' again: do not wait out `ms` for it.
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        entry.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      entry.waiters.add(done);
    });
  }

  const routes = [
    route(SERVER_OPS.openTask, async (request, { caller }) => {
      const { taskId, users, shape } = request;
      if (!users.includes(caller)) throw refuse('open-task.users', `'${caller}' is not among the task's users; a task is opened by one of its users`);
      for (const u of users) if (!registeredUsers.has(u)) throw refuse('open-task.users', `'${u}' is not a registered user`);
      let definition: string;
      try {
        definition = canonicalDefinition(request);
      } catch (err) {
        throw refuse('open-task.learning', (err as Error).message);
      }
      const existing = tasks.get(taskId);
      if (existing !== undefined) {
        await existing.opened;
        if (existing.definition !== definition) throw refuse(`task '${taskId}'`, 'is open with another definition (its users, shape or learning options differ)');
        return {};
      }
      if (tasks.size >= MAX_TASKS) throw refuse('open-task', `this server holds ${MAX_TASKS} tasks, its limit`);
      const entry: TaskEntry = {
        users,
        definition,
        opened: (async () => {
          await kgc.openTask(taskId, users, shape);
          server.openTask(taskId, users, shape, request.learning);
        })(),
        negotiated: new Set(),
        confirming: false,
        waiters: new Set(),
      };
      tasks.set(taskId, entry);
      try {
        await entry.opened;
      } catch (err) {
        tasks.delete(taskId);
        throw err;
      }
      log(`${party}: task '${taskId}' opened by ${caller}: users ${users.join(', ')}; ${shape.stateCount} states, ${shape.actionCount} actions`);
      return {};
    }),
    route(SERVER_OPS.negotiation, async ({ taskId, np }, { caller }) => {
      const entry = await openedTask(taskId);
      server.receiveNegotiation(taskId, caller, np);
      entry.negotiated.add(caller);
      if (!entry.confirming && entry.negotiated.size === entry.users.length) void confirm(taskId, entry);
      return {};
    }),
    route(SERVER_OPS.taskParameter, async ({ taskId, waitMs }, { caller, signal }) => {
      const entry = await openedTask(taskId);
      if (!entry.users.includes(caller)) throw refuse('taskParameter', `'${caller}' is not a registered user of task '${taskId}'`);
      if (entry.gr === undefined && entry.failure === undefined && waitMs > 0) await confirmation(entry, waitMs, signal);
      if (entry.failure !== undefined) throw entry.failure;
      if (entry.gr !== undefined) return { gr: entry.gr };
      const missing = entry.users.filter((u) => !entry.negotiated.has(u));
      throw refuse('taskParameter', `${NOT_CONFIRMED_YET}: ${missing.length > 0 ? `no negotiation parameter from ${missing.join(', ')}` : 'the KGC has not answered'}`);
    }),
    route(SERVER_OPS.authorise, ({ taskId, authorisation }, { caller }) => {
      server.authorise(taskId, caller, authorisation);
      return {};
    }),
    route(SERVER_OPS.attempt, ({ taskId, attempt }, { caller }) => server.submitAttempt(taskId, caller, attempt)),
    route(SERVER_OPS.request, ({ taskId, state: value }, { caller }) => server.request(taskId, caller, value)),
    route(SERVER_OPS.policy, ({ taskId }, { caller }) => server.deliverPolicy(taskId, caller)),
  ];

  return startService(options, state.psk, { party, routes, roleOf: (id) => (registeredUsers.has(id) ? 'user' : undefined), log }, () => kgc.close());
}
