/**
 * A PPOPI user in the networked deployment (Chen & Ye 2025, §5.2–5.7): the
 * role class (user.ts) with its links to the KGC and to the server.
 *
 * `join` is the user's part of the set-up, in the order of the in-process
 * system: open the task at the server (or find it open), np_i to the KGC
 * and then to the server (the KGC first, so that when the server has every
 * np_i and asks the KGC to confirm g^r, the KGC has them all too), wait for
 * g^r — a server-side wait (`task-parameter`), asked again until the join's
 * deadline while other users have not negotiated yet — then the sealed
 * grant from the KGC, and A_i to the server. After that the user uploads
 * attempts, asks for a state's actions and reads the policy, all for the
 * task it joined.
 */
import type { Logger } from '../../net/connection.js';
import type { PolicyView } from '../attemptServer.js';
import { checkGroupElement } from '../checks.js';
import type { TaskShape } from '../encoding.js';
import { type EncryptedAttempt, type PlainAttempt, PpopiRefusal } from '../messages.js';
import type { LearningOptions } from '../policyIteration.js';
import type { SubmitCosts } from '../server.js';
import { kgcEncryptor, type PlainPolicy, PpopiUser } from '../user.js';
import { KGC_OPS, MAX_WAIT_MS, NOT_CONFIRMED_YET, SERVER_OPS } from '../wire.js';
import { readUserState, type UserState } from './deployment.js';
import { type Address, connectRpc, type RpcClient } from './rpc.js';

export interface UserClientOptions {
  /** The user's deployment directory (`ppopi setup`'s DEPLOYDIR/<user>), or its content already read. */
  readonly dir: string | UserState;
  readonly kgc: Address;
  readonly server: Address;
  readonly log?: Logger;
  /** Window of the fixed-base tables (bcp/fixedBase.ts). */
  readonly window?: number;
  /** How long to wait for the KGC and the server to come up, ms (default 0: once). */
  readonly connectRetryMs?: number;
}

export interface JoinOptions {
  /** How long the whole join may take, waiting for the other users included, ms (default 60 000). */
  readonly timeoutMs?: number;
}

export class PpopiUserClient {
  readonly id: string;
  readonly user: PpopiUser;
  /** The links (exposed for tools and tests of refusals). */
  readonly kgc: RpcClient;
  readonly server: RpcClient;
  private readonly state: UserState;
  private joined: { readonly taskId: string; readonly shape: TaskShape } | undefined;

  private constructor(state: UserState, user: PpopiUser, kgc: RpcClient, server: RpcClient) {
    this.id = state.id;
    this.state = state;
    this.user = user;
    this.kgc = kgc;
    this.server = server;
  }

  static async connect(options: UserClientOptions): Promise<PpopiUserClient> {
    const state = typeof options.dir === 'string' ? readUserState(options.dir) : options.dir;
    const user = new PpopiUser(state.id, state.parameters, state.keyPair, kgcEncryptor(state.parameters, state.kgcPublicKey, options.window));
    const link = (address: Address, peer: string) => connectRpc({ address, keys: state.psk, peer, log: options.log, retryMs: options.connectRetryMs });
    const [kgc, server] = await Promise.all([link(options.kgc, state.kgcId), link(options.server, state.serverId)]);
    return new PpopiUserClient(state, user, kgc, server);
  }

  /** The task joined, once `join` has completed. */
  get taskId(): string | undefined {
    return this.joined?.taskId;
  }

  /** §5.2–5.3 for this user: see the module comment. */
  async join(taskId: string, shape: TaskShape, users: readonly string[], learning: Partial<LearningOptions> = {}, options: JoinOptions = {}): Promise<void> {
    if (this.joined !== undefined) throw new PpopiRefusal(this.id, 'join', `already joined task '${this.joined.taskId}' (one task per client)`);
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    await this.server.call(SERVER_OPS.openTask, { taskId, users, shape, learning });
    // A user joining again (a restarted device) finds the task confirmed: r_i served only to form g^r, so it
    // skips the negotiation and takes a new s_ti and A_i below; its earlier uploads were converted already.
    let gr = await this.confirmedParameter(taskId);
    if (gr === undefined) {
      const np = this.user.negotiationParameter();
      await this.kgc.call(KGC_OPS.negotiation, { taskId, np });
      await this.server.call(SERVER_OPS.negotiation, { taskId, np });
      gr = await this.taskParameter(taskId, deadline);
    }
    // The server's g^r goes into A_i and the blinding factor: an element of Z*_{N²}, or nothing is formed from it.
    checkGroupElement(this.id, 'task-parameter.gr', gr, this.state.parameters);
    const { grant } = await this.kgc.call(KGC_OPS.grant, { taskId });
    this.user.joinTask(taskId, gr, grant, shape);
    await this.server.call(SERVER_OPS.authorise, { taskId, authorisation: this.user.authorisation(taskId) });
    this.joined = { taskId, shape };
  }

  /** §5.3: encrypts and uploads one attempt. */
  async submitAttempt(attempt: PlainAttempt): Promise<SubmitCosts> {
    const { taskId } = this.task();
    const encrypted = this.user.encryptAttempt(taskId, attempt);
    return this.submitEncrypted({ ...encrypted, truncated: attempt.truncated === true });
  }

  /** Uploads an attempt already encrypted (by `user.encryptAttempt`): for tools that inspect or alter it. */
  async submitEncrypted(attempt: EncryptedAttempt & { readonly truncated?: boolean }): Promise<SubmitCosts> {
    return this.server.call(SERVER_OPS.attempt, { taskId: this.task().taskId, attempt });
  }

  /** §5.6: the tried actions of a state, best first, read through the tag key. */
  async request(state: number): Promise<{ action: number; q: number }[]> {
    const { taskId } = this.task();
    const answer = await this.server.call(SERVER_OPS.request, { taskId, state: this.user.encryptValue(taskId, 'state', state) });
    this.checkActionCount(answer.actionCount);
    return this.user.readAnswer(taskId, answer);
  }

  /** §5.7: the policy as delivered, in tags. */
  async policyView(): Promise<PolicyView> {
    const view = await this.server.call(SERVER_OPS.policy, { taskId: this.task().taskId });
    this.checkActionCount(view.actionCount);
    return view;
  }

  /** §5.7: the policy in this user's terms, Q(state, action). */
  async policy(): Promise<PlainPolicy> {
    return this.user.readPolicy(this.task().taskId, await this.policyView());
  }

  close(): void {
    this.kgc.close();
    this.server.close();
  }

  /** g^r if the task is confirmed already, else undefined. */
  private async confirmedParameter(taskId: string): Promise<bigint | undefined> {
    try {
      return (await this.server.call(SERVER_OPS.taskParameter, { taskId, waitMs: 0 })).gr;
    } catch (err) {
      if (isStillWaiting(err)) return undefined;
      throw err;
    }
  }

  /** g^r, asking again while the task waits for other users, until `deadline`. */
  private async taskParameter(taskId: string, deadline: number): Promise<bigint> {
    for (;;) {
      const waitMs = Math.max(0, Math.min(MAX_WAIT_MS, deadline - Date.now()));
      try {
        return (await this.server.call(SERVER_OPS.taskParameter, { taskId, waitMs }, { timeoutMs: waitMs + 30_000 })).gr;
      } catch (err) {
        if (!isStillWaiting(err) || Date.now() >= deadline) throw err;
      }
    }
  }

  private task(): { readonly taskId: string; readonly shape: TaskShape } {
    if (this.joined === undefined) throw new PpopiRefusal(this.id, 'task', 'join a task first');
    return this.joined;
  }

  /** The policy's reading (user.ts) indexes by the task's action count: a reply with another count is refused. */
  private checkActionCount(actionCount: number): void {
    const expected = this.task().shape.actionCount;
    if (actionCount !== expected) throw new PpopiRefusal(this.id, 'actionCount', `the server answered for ${actionCount} actions; the task has ${expected}`);
  }
}

/** The server's refusal of `task-parameter` while the task waits for negotiation parameters or the KGC. */
function isStillWaiting(err: unknown): boolean {
  return err instanceof PpopiRefusal && err.field === 'taskParameter' && err.reason.startsWith(NOT_CONFIRMED_YET);
}
