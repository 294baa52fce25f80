/**
 * PPOPI's key generation centre (Chen & Ye 2025, §4.1, §5.1, §5.2, §5.5):
 * the trusted party. It makes the system's BCP parameters' keys, registers
 * users and the server, confirms each task's negotiated parameter g^r and
 * hands out the task's secrets, and helps the server recognise equal
 * plaintexts.
 *
 * Its equality help is not the paper's eq. (22). There, the KGC returns
 * Δ = U_KGC / A^{s_KGC} for each ciphertext and the server forms
 * U_KGC·(1 + mN) mod N²: equal plaintexts do give equal values, but any two
 * of them also give U_KGC(1 + m₁N) / U_KGC(1 + m₂N) = 1 + (m₁ − m₂)N, so the
 * server learns every difference of plaintexts, hence every plaintext once
 * it knows one (a test shows it: test/privacy/ppopi/unification.test.ts).
 * Here the KGC decrypts the realigned ciphertext of m and returns
 * HMAC_K(m) (encoding.ts): the server learns which records are equal and
 * nothing else, and the KGC, which holds every secret key of the system
 * anyway (§5.1), sees the plaintexts of the batches it unifies, shuffled and
 * without the users' names. docs/ppopi.md §4 compares the two.
 *
 * Each ciphertext's first component g^ρ is accepted once, ever, and only
 * with a valid proof from one of the task's users: the server cannot ask
 * about a ciphertext it made itself (it has the KGC's public key, so it
 * could encrypt every possible state and read the records' tags), nor about
 * a record shifted homomorphically (Enc(m + δ) keeps g^ρ).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { generateKeyPair } from '../bcp/bcp.js';
import { randomInRange } from '../bcp/random.js';
import type { BcpKeyPair, BcpMasterKey, BcpParameters } from '../bcp/types.js';
import { decodeValue, equalityTag, recordProof, type TaskShape } from './encoding.js';
import { PpopiRefusal, type TaskGrant, type UnificationItem } from './messages.js';
import { seal } from './sealedBox.js';
import { identityProblem } from '../net/keys.js';
import { checkGroupElement, checkUnit } from './checks.js';
import { DecryptPool } from './decryptPool.js';

const PARTY = 'kgc';

/** A registered party's public entry (the directory the server reads). */
export interface DirectoryEntry {
  readonly id: string;
  readonly role: 'user' | 'server';
  readonly publicKey: bigint;
}

interface Task {
  readonly id: string;
  readonly serverId: string;
  readonly participants: readonly string[];
  readonly shape: TaskShape;
  /** np_i as each participant sent it (§5.2 eq. 11). */
  readonly negotiation: Map<string, bigint>;
  confirmed: boolean;
  tagKey?: Buffer;
  recordKey?: Buffer;
  /** Every first component g^ρ unified in this task (128 bits of its record proof): each is accepted once. */
  readonly spent: Set<string>;
}

export interface KgcOptions {
  /** Engine of the CRT decryption (bcp/engines.ts); default 'openssl' where it works. */
  readonly engine?: 'bigint' | 'openssl';
  /** Worker threads that decrypt unification batches (decryptPool.ts); 0 (default) decrypts in the calling thread. */
  readonly workers?: number;
}


export class KeyGenerationCentre {
  readonly params: BcpParameters;
  /** h_KGC = g^{s_KGC}: the key every record is converted to (§5.4). */
  readonly publicKey: bigint;
  private readonly pool: DecryptPool;
  /** §5.1: "The secret key for User i, Server and KGC are all kept by KGC." */
  private readonly registered = new Map<string, { role: 'user' | 'server'; keyPair: BcpKeyPair }>();
  private readonly tasks = new Map<string, Task>();

  constructor(params: BcpParameters, master: BcpMasterKey, options: KgcOptions = {}, keyPair: BcpKeyPair = generateKeyPair(params)) {
    this.params = params;
    this.publicKey = keyPair.publicKey;
    this.pool = new DecryptPool({ params, master, keyPair, engine: options.engine ?? 'openssl' }, options.workers ?? 0);
  }

  /**
   * §5.1: registers a user or the server and returns its key pair (sent to it over the registration channel).
   * `keyPair`: one made at an earlier registration (a KGC process reloading its registry); a fresh one by default.
   */
  register(id: string, role: 'user' | 'server', keyPair: BcpKeyPair = generateKeyPair(this.params)): BcpKeyPair {
    // A party's id is its TLS-PSK identity in the networked deployment: the same rule.
    const problem = identityProblem(id);
    if (problem !== undefined) throw new PpopiRefusal(PARTY, 'register.id', problem);
    if (this.registered.has(id)) throw new PpopiRefusal(PARTY, 'register.id', `'${id}' is already registered`);
    this.registered.set(id, { role, keyPair });
    return keyPair;
  }

  /** The public directory: every registered party's id, role and public key. */
  directory(): DirectoryEntry[] {
    return [...this.registered].map(([id, { role, keyPair }]) => ({ id, role, publicKey: keyPair.publicKey }));
  }

  /** Opens a task: its server, its users and the ranges of its states and actions (public). */
  openTask(taskId: string, serverId: string, participants: readonly string[], shape: TaskShape): void {
    const field = `task '${taskId}'`;
    if (this.tasks.has(taskId)) throw new PpopiRefusal(PARTY, field, 'already exists');
    if (this.registered.get(serverId)?.role !== 'server') throw new PpopiRefusal(PARTY, `${field}.server`, `'${serverId}' is not a registered server`);
    if (participants.length === 0) throw new PpopiRefusal(PARTY, `${field}.users`, 'a task needs at least one user');
    for (const id of participants) {
      if (this.registered.get(id)?.role !== 'user') throw new PpopiRefusal(PARTY, `${field}.users`, `'${id}' is not a registered user`);
    }
    if (new Set(participants).size !== participants.length) throw new PpopiRefusal(PARTY, `${field}.users`, 'a user is named twice');
    this.tasks.set(taskId, { id: taskId, serverId, participants: [...participants], shape, negotiation: new Map(), confirmed: false, spent: new Set() });
  }

  /** §5.2: a participant's negotiation parameter np_i = g^{r_i} (eq. 11). */
  receiveNegotiation(taskId: string, userId: string, np: bigint): void {
    const task = this.task(taskId);
    if (!task.participants.includes(userId)) throw new PpopiRefusal(PARTY, 'negotiation.user', `'${userId}' is not a user of task '${taskId}'`);
    if (task.confirmed) throw new PpopiRefusal(PARTY, 'negotiation', `task '${taskId}' is already confirmed`);
    checkUnit(PARTY, 'negotiation.np', np, this.params);
    task.negotiation.set(userId, np);
  }

  /**
   * §5.2: the server's g^r is checked against the product of the np_i the
   * KGC received itself (eq. 12); then the task key s_t, the tag key and the
   * record key are drawn and sealed to each participant's public key: s_t to
   * the server, all three to each user. The server never gets the tag key.
   */
  confirmTask(taskId: string, gr: bigint): TaskGrant {
    const task = this.task(taskId);
    if (task.confirmed) throw new PpopiRefusal(PARTY, 'confirm', `task '${taskId}' is already confirmed`);
    const missing = task.participants.filter((id) => !task.negotiation.has(id));
    if (missing.length > 0) throw new PpopiRefusal(PARTY, 'confirm', `no negotiation parameter yet from ${missing.join(', ')}`);
    let product = 1n;
    for (const id of task.participants) product = (product * task.negotiation.get(id)!) % this.params.nSquared;
    if (product !== gr) throw new PpopiRefusal(PARTY, 'confirm.gr', 'g^r is not the product of the participants\' negotiation parameters');
    const taskKey = randomInRange(1n, this.params.nSquared / 2n);
    task.tagKey = randomBytes(32);
    task.recordKey = randomBytes(32);
    task.confirmed = true;
    const serverPublic = this.registered.get(task.serverId)!.keyPair.publicKey;
    const users = new Map(
      task.participants.map((id) => [
        id,
        seal(this.params, this.registered.get(id)!.keyPair.publicKey, Buffer.from(JSON.stringify({ taskKey: taskKey.toString(16), tagKey: task.tagKey!.toString('hex'), recordKey: task.recordKey!.toString('hex') }))),
      ]),
    );
    return { server: seal(this.params, serverPublic, Buffer.from(JSON.stringify({ taskKey: taskKey.toString(16) }))), users };
  }

  /**
   * §5.5, as docs/ppopi.md §4 describes: each item is BCP under the KGC's key
   * of one record's message, of the kind the item names (a state or an
   * action); the answer is its equality tag. All or nothing:
   * one refused item refuses the batch (no tag is returned), and every item's
   * first component is spent either way, so no ciphertext can be asked about
   * twice.
   */
  async unify(taskId: string, serverId: string, items: readonly UnificationItem[]): Promise<string[]> {
    const task = this.task(taskId);
    if (task.serverId !== serverId) throw new PpopiRefusal(PARTY, 'unify.server', `'${serverId}' is not the server of task '${taskId}'`);
    if (!task.confirmed) throw new PpopiRefusal(PARTY, 'unify', `task '${taskId}' is not confirmed`);
    if (!Array.isArray(items) || items.length === 0) throw new PpopiRefusal(PARTY, 'unify.items', 'must be a non-empty list');
    let refusal: PpopiRefusal | undefined;
    const refuse = (r: PpopiRefusal) => (refusal ??= r);
    const seenHere = new Set<string>();
    for (const [i, item] of items.entries()) {
      const field = `unify.items[${i}]`;
      try {
        checkGroupElement(PARTY, `${field}.a`, item?.ciphertext?.a, this.params);
        checkGroupElement(PARTY, `${field}.b`, item.ciphertext.b, this.params);
      } catch (err) {
        refuse(err as PpopiRefusal);
        continue;
      }
      const expected = Buffer.from(recordProof(task.recordKey!, item.ciphertext.a), 'hex');
      // The spent set keys a first component by 128 bits of its expected proof (a function of g^ρ alone, 22 base64
      // characters): collisions at 2^-64 after 2^32 values, a third of the memory of hex.
      const spentKey = expected.toString('base64', 0, 16);
      if (task.spent.has(spentKey) || seenHere.has(spentKey)) refuse(new PpopiRefusal(PARTY, field, "this ciphertext's first component was already unified"));
      seenHere.add(spentKey);
      const proof = typeof item.proof === 'string' && /^[0-9a-f]{64}$/.test(item.proof) ? Buffer.from(item.proof, 'hex') : Buffer.alloc(0);
      if (proof.length !== expected.length || !timingSafeEqual(proof, expected)) refuse(new PpopiRefusal(PARTY, `${field}.proof`, "not made with this task's record key"));
    }
    // Spent whatever happens next: a refused batch cannot be retried with one value changed.
    for (const key of seenHere) task.spent.add(key);
    if (refusal !== undefined) throw refusal;
    const messages = await this.pool.decryptAll(items.map((item) => item.ciphertext));
    return messages.map((message, i) => {
      if (typeof message !== 'string') {
        const decoded = decodeValue(message, task.shape);
        if (!('reason' in decoded) && decoded.kind === items[i].kind) return equalityTag(task.tagKey!, message);
      }
      // One reason whatever went wrong. A user controls the ciphertext that reaches the KGC (it knows its
      // conversion factor and picks the masked part), so a reason that told an even message from an odd one
      // (state or action) or a small one from a large one would be an oracle on L(B·A^{−s_KGC}): with A = 1 + xN
      // and B = 1 that is −s_KGC·x mod N, whose parity for chosen x gives s_KGC mod N bit by bit.
      throw new PpopiRefusal(PARTY, `unify.items[${i}]`, `does not decrypt to ${items[i].kind === 'action' ? 'an action' : 'a state'} of this task under the KGC's key (a wrong or missing authorisation gives this)`);
    });
  }

  /** Stops the decryption workers. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  private task(taskId: string): Task {
    const task = this.tasks.get(taskId);
    if (task === undefined) throw new PpopiRefusal(PARTY, 'task', `no task '${taskId}'`);
    return task;
  }
}

