/**
 * The clients of a pair of edge servers: a patient device (`recommend`:
 * split its state, send one share to each server, add the two returned
 * shares, §IV-3) and the provider (`loadModel`, `train`, `exportShares`).
 * Each request is one session with the same random id on both servers.
 */
import type { Logger } from '../net/connection.js';
import { connect } from '../net/link.js';
import type { PskKeys } from '../net/keys.js';
import { randomSessionId, type Session, SessionMux } from '../net/sessions.js';
import { bytesToWords, wordsToBytes } from '../net/words.js';
import { shareIndices } from '../mpc/shares.js';
import { type Decision, decisionsFrom } from '../oidpr/inProcess.js';
import { type LearningParameters, type ModelShare, type PlainRecord, shareRecords } from '../oidpr/model.js';
import type { TrainingSchedule } from '../oidpr/protocols.js';
import { parseShareFile, shareFile } from '../oidpr/shareFile.js';
import type { BenchRequest } from '../oidpr/benchmark.js';
import { type Address, type BenchReport, PROTOCOLS } from './edgeServer.js';
import { serverIdentity } from './roles.js';

export interface PairOptions {
  readonly servers: readonly [Address, Address];
  readonly keys?: PskKeys;
  readonly plaintext?: boolean;
  /** This client's identity (from `keys` unless plaintext). */
  readonly identity?: string;
  readonly log?: Logger;
}

export interface ModelInfo {
  readonly modelId: string;
  /** Training runs completed on the model. */
  readonly version: number;
  readonly parameters: LearningParameters;
  readonly actionWidth: number;
}

export class ServerPair {
  private constructor(private readonly muxes: readonly [SessionMux, SessionMux]) {}

  static async connect(options: PairOptions): Promise<ServerPair> {
    const log = options.log ?? (() => {});
    const links = await Promise.all(
      options.servers.map((address, party) =>
        connect({ host: address.host, port: address.port, keys: options.keys, plaintext: options.plaintext, identity: options.identity, peer: serverIdentity(party as 0 | 1), log }),
      ),
    );
    return new ServerPair([new SessionMux(links[0], { log }), new SessionMux(links[1], { log })]);
  }

  /** Wire bytes both ways on both links so far. */
  get wireBytes(): number {
    return this.muxes.reduce((s, m) => s + m.connection.wire.bytesSent + m.connection.wire.bytesReceived, 0);
  }

  /** The same session on both servers; `body` gets both halves and must settle them. */
  private async both<T>(protocol: string, parameters: readonly [Uint8Array, Uint8Array], body: (sessions: [Session, Session]) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const id = randomSessionId();
    const sessions: [Session, Session] = [this.muxes[0].open(id, protocol, parameters[0]), this.muxes[1].open(id, protocol, parameters[1])];
    try {
      signal?.throwIfAborted();
      return await body(sessions);
    } catch (e) {
      for (const s of sessions) if (s.state === 'open') s.abort((e as Error).message);
      throw e;
    }
  }

  private async reply(session: Session, op: string, signal?: AbortSignal): Promise<Uint8Array> {
    const r = await session.receive(op, signal);
    return r.payload;
  }

  async describe(): Promise<ModelInfo> {
    const empty = new Uint8Array(0);
    const infos = await this.both(PROTOCOLS.describe, [empty, empty], (s) => Promise.all(s.map((x) => this.reply(x, 'model'))));
    const [a, b] = infos.map((p) => JSON.parse(Buffer.from(p).toString('utf8')) as ModelInfo);
    if (a.modelId !== b.modelId) throw new Error(`the edge servers hold different models (${a.modelId}, ${b.modelId})`);
    // A training run commits on each server when it completes there: if one failed at the very end, the versions differ.
    if (a.version !== b.version) throw new Error(`the edge servers hold different versions of model ${a.modelId} (${a.version}, ${b.version}): a training run completed on one server only; load or train the model again`);
    return { modelId: a.modelId, version: a.version, parameters: a.parameters, actionWidth: a.actionWidth };
  }

  /** SecRep for the patient's states: the decisions, reconstructed here, on the patient's side. */
  async recommend(states: readonly number[], model: ModelInfo, signal?: AbortSignal): Promise<Decision[]> {
    const [s0, s1] = shareIndices(states, model.parameters.states);
    const toBytes = (s: Uint32Array) => wordsToBytes(BigUint64Array.from(s, (x) => BigInt(x)));
    const replies = await this.both(PROTOCOLS.recommend, [toBytes(s0), toBytes(s1)], (sessions) => Promise.all(sessions.map((x) => this.reply(x, 'result', signal))), signal);
    const n = states.length;
    const words = replies.map((r) => bytesToWords(r));
    for (const w of words) if (w.length !== n * (1 + model.actionWidth)) throw new Error(`SecRep: a server answered ${w.length} words, expected ${n * (1 + model.actionWidth)}`);
    return decisionsFrom([words[0].subarray(0, n), words[1].subarray(0, n)], [words[0].subarray(n), words[1].subarray(n)], model.actionWidth, model.parameters.fractionBits);
  }

  /** The provider gives each server its share of a model. */
  async loadModel(modelId: string, shares: readonly [ModelShare, ModelShare]): Promise<void> {
    const params = shares.map((s, party) => Buffer.from(JSON.stringify(shareFile(modelId, party as 0 | 1, s, 0)))) as [Buffer, Buffer];
    await this.both(PROTOCOLS.load, params, (s) => Promise.all(s.map((x) => this.reply(x, 'loaded'))));
  }

  /** The provider splits records (§IV-2) and has the servers run SecQ-learning on them. Returns the servers' reported times, ms. */
  async train(modelId: string, parameters: LearningParameters, records: readonly PlainRecord[], schedule: TrainingSchedule, signal?: AbortSignal): Promise<number[]> {
    const shares = shareRecords(records, parameters);
    const n = records.length;
    const body = Buffer.from(JSON.stringify({ ...schedule, records: n, modelId }));
    const replies = await this.both(
      PROTOCOLS.train,
      [body, body],
      async (sessions) => {
        sessions.forEach((s, party) => {
          const r = shares[party];
          const words = new BigUint64Array(4 * n);
          r.states.forEach((x, i) => (words[i] = BigInt(x)));
          r.actions.forEach((x, i) => (words[n + i] = BigInt(x)));
          r.nextStates.forEach((x, i) => (words[2 * n + i] = BigInt(x)));
          words.set(r.rewards, 3 * n);
          s.send('records', wordsToBytes(words));
        });
        return Promise.all(sessions.map((x) => this.reply(x, 'done', signal)));
      },
      signal,
    );
    return replies.map((r) => (JSON.parse(Buffer.from(r).toString('utf8')) as { ms: number }).ms);
  }

  /** The provider collects both shares of the model (to keep, or to check). */
  async exportShares(): Promise<[ReturnType<typeof parseShareFile>, ReturnType<typeof parseShareFile>]> {
    const empty = new Uint8Array(0);
    const replies = await this.both(PROTOCOLS.export, [empty, empty], (s) => Promise.all(s.map((x) => this.reply(x, 'share'))));
    const parsed = replies.map((r, party) => parseShareFile(JSON.parse(Buffer.from(r).toString('utf8')), `es${party} share`));
    if (parsed[0]!.modelId !== parsed[1]!.modelId || parsed[0]!.version !== parsed[1]!.version) throw new Error(`the edge servers' shares are of different models or versions (${parsed[0]!.modelId} v${parsed[0]!.version}, ${parsed[1]!.modelId} v${parsed[1]!.version})`);
    return [parsed[0]!, parsed[1]!];
  }

  /** One protocol run on random inputs (servers started with --bench): party 0's report. */
  async bench(request: BenchRequest, signal?: AbortSignal): Promise<BenchReport> {
    const body = Buffer.from(JSON.stringify(request));
    const replies = await this.both(PROTOCOLS.bench, [body, body], (s) => Promise.all(s.map((x) => this.reply(x, 'done', signal))), signal);
    return JSON.parse(Buffer.from(replies[0]).toString('utf8')) as BenchReport;
  }

  close(): void {
    for (const m of this.muxes) m.connection.close();
  }
}
