/**
 * The server's link to the KGC (Chen & Ye 2025, §5.2, §5.5): the
 * `KgcEndpoint` that PolicyServer calls for equality tags, plus the two
 * set-up steps the server asks of the KGC (open a task, confirm g^r).
 * The link is made at start (waiting for a KGC that is not up yet) and
 * made again on the next call if it drops.
 */
import type { Logger } from '../../net/connection.js';
import type { PskKeys } from '../../net/keys.js';
import type { TaskShape } from '../encoding.js';
import { PpopiRefusal, type UnificationItem } from '../messages.js';
import type { SealedBox } from '../sealedBox.js';
import type { KgcEndpoint } from '../server.js';
import { KGC_OPS } from '../wire.js';
import { type Address, connectRpc, type RpcClient } from './rpc.js';

export interface KgcClientOptions {
  readonly address: Address;
  /** The server's keys (its link to the KGC among them). */
  readonly keys: PskKeys;
  /** The KGC's identity. */
  readonly kgc: string;
  readonly log: Logger;
  /** How long the first connection may wait for the KGC to come up, ms. */
  readonly startRetryMs?: number;
}

/** How long a later reconnection keeps trying, ms. */
const RECONNECT_MS = 5_000;

export class KgcClient implements KgcEndpoint {
  private rpc: RpcClient | undefined;
  private linking: Promise<RpcClient> | undefined;
  private closed = false;

  private constructor(private readonly options: KgcClientOptions) {}

  static async connect(options: KgcClientOptions): Promise<KgcClient> {
    const client = new KgcClient(options);
    await client.link(options.startRetryMs ?? 30_000);
    return client;
  }

  /** The KGC opens its side of the task (it checks that this server and the users are registered). */
  async openTask(taskId: string, users: readonly string[], shape: TaskShape): Promise<void> {
    await (await this.link()).call(KGC_OPS.openTask, { taskId, users, shape });
  }

  /** §5.2: g^r for the KGC to check; the server's sealed grant (s_t) back. */
  async confirm(taskId: string, gr: bigint): Promise<SealedBox> {
    return (await (await this.link()).call(KGC_OPS.confirm, { taskId, gr })).grant;
  }

  /** §5.5: the KGC names the caller by its key, so `serverId` must be this link's own identity. */
  async unify(taskId: string, serverId: string, items: readonly UnificationItem[]): Promise<string[]> {
    if (serverId !== this.options.keys.identity) throw new PpopiRefusal(this.options.keys.identity, 'unify.server', `this link is ${this.options.keys.identity}'s, not ${serverId}'s`);
    return [...(await (await this.link()).call(KGC_OPS.unify, { taskId, items })).tags];
  }

  close(): void {
    this.closed = true;
    this.rpc?.close();
  }

  private link(retryMs = RECONNECT_MS): Promise<RpcClient> {
    if (this.closed) return Promise.reject(new Error('the link to the KGC is closed'));
    if (this.rpc !== undefined && !this.rpc.isClosed) return Promise.resolve(this.rpc);
    if (this.rpc !== undefined) this.options.log(`${this.options.keys.identity}: the link to ${this.options.kgc} dropped; connecting again`);
    this.rpc = undefined;
    this.linking ??= connectRpc({ address: this.options.address, keys: this.options.keys, peer: this.options.kgc, log: this.options.log, retryMs })
      .then((rpc) => (this.rpc = rpc))
      .finally(() => (this.linking = undefined));
    return this.linking;
  }
}
