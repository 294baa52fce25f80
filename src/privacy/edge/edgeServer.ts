/**
 * An OIDPR edge server (ES1 = party 0, ES2 = party 1): holds its share of
 * the model, answers patients' SecRep requests and the provider's training
 * runs together with the other server, and never sees a plaintext.
 *
 * Links (all TLS-PSK unless `plaintext`, for loopback benchmarks):
 * - to the dealer, for each session's correlated randomness;
 * - between the servers: party 0 connects to party 1, and opens a peer
 *   session with the same id for every client session it accepts; party 1
 *   pairs the client's session and the peer's by id;
 * - from clients: patients (`SecRep`, `Describe`) and the provider `hcp`
 *   (`LoadModel`, `SecQ-learning`, `ExportShare` too).
 *
 * A failed session (a malformed or out-of-step frame, a peer or client
 * that disconnects, a deadline) is aborted and logged; the server goes on
 * serving the others, and a training run that fails leaves the model as it
 * was: the new Q-table shares replace the old only when the run completed.
 */
import { writeFileSync, renameSync } from 'node:fs';
import { type Plan, planLength } from '../mpc/correlated.js';
import type { PartyIndex } from '../mpc/party.js';
import { partyWith, type PartyProgram } from '../mpc/session.js';
import { benchProblem, benchProgram, type BenchRequest } from '../oidpr/benchmark.js';
import { PlanCache } from '../oidpr/inProcess.js';
import { type ModelShare, type RecordShares } from '../oidpr/model.js';
import { SecQLearning, SecRep } from '../oidpr/protocols.js';
import { parseShareFile, shareFile } from '../oidpr/shareFile.js';
import type { FramedConnection, Logger } from '../net/connection.js';
import { connect, type LinkServer, listen } from '../net/link.js';
import type { PskKeys } from '../net/keys.js';
import { sessionChannel } from '../net/peerChannel.js';
import { type Session, SessionMux } from '../net/sessions.js';
import { bytesToWords, wordsToBytes } from '../net/words.js';
import { MATERIAL_PROTOCOL } from './dealerServer.js';
import { DEALER_IDENTITY, HCP_IDENTITY, partyOf, serverIdentity } from './roles.js';

export const PROTOCOLS = { recommend: 'SecRep', describe: 'Describe', load: 'LoadModel', train: 'SecQ-learning', export: 'ExportShare', bench: 'Bench' } as const;

/** What a `Bench` session reports (party 0's side). */
export interface BenchReport {
  /** Whole run, from the request to the answer; of which waiting for the dealer's material. */
  readonly ms: number;
  readonly materialMs: number;
  /** Exchanges with the other server. */
  readonly rounds: number;
  /** Bytes on the wire of the link between the servers (both directions, TLS included), and from the dealer to this server. */
  readonly peerWireBytes: number;
  readonly dealerWireBytes: number;
}

/** Largest frame an edge server accepts (8 MiB: a 4 MiB message of MAX_MESSAGE_WORDS with room to spare). */
export const SERVER_MAX_FRAME_BYTES = 8 << 20;

/** How long es1 holds half of a session (the client's or the peer's) for the other half, ms. */
export const RENDEZVOUS_MS = 10_000;

/** Most steps (⌈n/τ⌉·Rmax) of one training run. */
export const MAX_TRAINING_STEPS = 20_000;

/** Sessions one client connection may have open at once, and unread frames per session: a patient asks one thing at a time. */
export const CLIENT_MAX_SESSIONS = 16;
export const CLIENT_MAX_QUEUED_FRAMES = 2;

/** Ended session ids remembered per client connection. */
export const CLIENT_REMEMBER_ENDED = 64;

/** Most patient states one SecRep request may carry. */
export const MAX_STATES_PER_REQUEST = 1024;
/**
 * Most records one training run may carry: its plan, sent to the dealer in
 * one frame, takes about 0.5 KiB a record (16 MiB at ~33,000).
 */
export const MAX_TRAINING_RECORDS = 25_000;

export interface Address {
  readonly host: string;
  readonly port: number;
}

/** A model as a server holds it: its share, and how many training runs it has completed. */
export interface ServedModel {
  readonly modelId: string;
  readonly version: number;
  readonly share: ModelShare;
}

export interface EdgeServerOptions {
  readonly party: PartyIndex;
  readonly listen: Address;
  /** Party 1's address (party 0 connects to it). */
  readonly peer?: Address;
  readonly dealer: Address;
  readonly keys?: PskKeys;
  readonly plaintext?: boolean;
  /** The model share to serve from the start (and its id). */
  readonly model?: ServedModel;
  /** Where to save the share after loading or training (atomically), if anywhere. */
  readonly modelFile?: string;
  /** Serve `Bench` sessions (protocol runs on random inputs) for the provider: benchmarks only. */
  readonly bench?: boolean;
  /** Deadline of one session, ms (default 120 000). */
  readonly sessionTimeoutMs?: number;
  readonly log: Logger;
}

export interface EdgeServer {
  readonly port: number;
  /** The model's id and this server's share, if one is loaded. */
  readonly model: ServedModel | undefined;
  close(): Promise<void>;
}

/** Connect, retrying while the other side is not up yet (processes start in any order). */
async function connectRetrying(options: Parameters<typeof connect>[0], what: string, deadlineMs = 30_000): Promise<FramedConnection> {
  const until = Date.now() + deadlineMs;
  for (let wait = 50; ; wait = Math.min(1000, wait * 2)) {
    try {
      return await connect(options);
    } catch (e) {
      if (Date.now() > until) throw new Error(`could not connect to ${what} at ${options.host}:${options.port}: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/**
 * A session's deadline, cleared when the session ends: AbortSignal.timeout
 * would keep every finished session's signal and listeners alive until it
 * fired, and at hundreds of sessions a second that is memory that grows.
 */
function deadline(ms: number): { signal: AbortSignal; clear(): void; abort(reason: string): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`deadline of ${ms} ms passed`)), ms);
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer), abort: (reason) => controller.abort(new Error(reason)) };
}

/** Words of a payload, or a clear error naming what it should have been. */
function payloadWords(payload: Uint8Array, what: string): BigUint64Array {
  if (payload.length % 8 !== 0) throw new Error(`${what}: ${payload.length} bytes is not a whole number of 64-bit words`);
  return bytesToWords(payload);
}

function saveShare(file: string, party: PartyIndex, model: ServedModel): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(shareFile(model.modelId, party, model.share, model.version))}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export async function startEdgeServer(options: EdgeServerOptions): Promise<EdgeServer> {
  const { party, log } = options;
  const me = serverIdentity(party);
  const timeoutMs = options.sessionTimeoutMs ?? 120_000;
  const security = { keys: options.keys, plaintext: options.plaintext, identity: options.plaintext ? me : undefined, log };
  let model = options.model;
  /** One training run at a time: two would race to commit. */
  let training = false;
  let trainingSession: bigint | undefined;
  const plans = new PlanCache();

  // Sessions by id waiting for their other half (client and peer).
  const rendezvous = new Map<bigint, { client?: Session; peer?: Session; timer: NodeJS.Timeout }>();
  let peerMux: SessionMux | undefined;

  let closing = false;
  /**
   * Keep a link up: connect (retrying), and when it drops, log it and
   * connect again in the background until the server closes. Sessions
   * that needed the link while it was down fail; later ones work again.
   */
  async function keepLinked(address: Address, peer: string, what: string, set: (mux: SessionMux) => void): Promise<void> {
    const connection = await connectRetrying({ host: address.host, port: address.port, peer, ...security }, what);
    set(new SessionMux(connection, { log }));
    connection.onClose((e) => {
      if (closing) return;
      log(`${me}: the link to ${what} closed${e ? `: ${e.message}` : ''}; reconnecting`);
      const again = (): void => {
        if (closing) return;
        keepLinked(address, peer, what, set).catch((err: Error) => {
          log(`${me}: ${err.message}; trying again`);
          setTimeout(again, 1000).unref();
        });
      };
      again();
    });
  }

  let dealerMux!: SessionMux;
  await keepLinked(options.dealer, DEALER_IDENTITY, 'the dealer', (mux) => (dealerMux = mux));

  async function material(id: bigint, plan: Plan): Promise<BigUint64Array> {
    const session = dealerMux.open(id, MATERIAL_PROTOCOL, Buffer.from(JSON.stringify({ party, plan })));
    const limit = deadline(timeoutMs);
    try {
      const words = new BigUint64Array(planLength(plan));
      let at = 0;
      do {
        const chunk = payloadWords((await session.receive(MATERIAL_PROTOCOL, limit.signal)).payload, 'material');
        if (at + chunk.length > words.length) throw new Error(`the dealer sent more material than the plan's ${words.length} words`);
        words.set(chunk, at);
        at += chunk.length;
      } while (at < words.length);
      await session.done;
      return words;
    } finally {
      limit.clear();
    }
  }

  /** Run a two-party program on the peer session `peer`; `stats` receives its traffic and times. */
  async function runTwoParty<T>(key: string, peer: Session, program: PartyProgram<T>, signal: AbortSignal, stats?: { rounds: number; materialMs: number }): Promise<T> {
    const started = performance.now();
    const plan = await plans.plan(key, program);
    const words = await material(peer.id, plan);
    const channel = sessionChannel(peer, { signal });
    const p = partyWith(party, channel, plan, words);
    if (stats) stats.materialMs = performance.now() - started;
    const out = await program(p);
    if (!p.material.exhausted) throw new Error('the run left material of its plan unused');
    if (stats) stats.rounds = channel.stats.rounds;
    return out;
  }

  function requireModel(): ServedModel {
    if (!model) throw new Error(`${me} has no model loaded`);
    return model;
  }

  async function serveTwoParty(client: Session, peer: Session): Promise<void> {
    const limit = deadline(timeoutMs);
    const signal = limit.signal;
    // A client that goes away (or aborts) ends the run: nothing of it is kept.
    void client.done.then((failure) => {
      if (failure) limit.abort(`the client's session ended: ${failure.reason}`);
    });
    try {
      // Both halves must run on the same model: es0 names its model and version in the peer OPEN.
      if (party === 1) {
        const theirs = JSON.parse(Buffer.from(peer.parameters).toString('utf8') || '{}') as { modelId?: string; version?: number };
        const ours = model;
        if (theirs.modelId !== ours?.modelId || theirs.version !== ours?.version) throw new Error(`es0 runs on model ${theirs.modelId ?? 'none'} v${theirs.version ?? '-'}, es1 holds ${ours?.modelId ?? 'none'} v${ours?.version ?? '-'}`);
      }
      if (client.protocol === PROTOCOLS.recommend) {
        const { share } = requireModel();
        const words = payloadWords(client.parameters, 'SecRep request');
        const n = words.length;
        if (n < 1 || n > MAX_STATES_PER_REQUEST) throw new Error(`SecRep request: ${n} states, allowed 1 … ${MAX_STATES_PER_REQUEST}`);
        const delta = share.parameters.states;
        const states = new Uint32Array(n);
        words.forEach((w, i) => {
          if (w >= BigInt(delta)) throw new Error(`SecRep request: state share ${i} is not in Z_${delta}`);
          states[i] = Number(w);
        });
        const { parameters: q, actionWidth } = share;
        const out = await runTwoParty(`SecRep/${q.states}/${q.actions}/${actionWidth}/${n}`, peer, (p) => SecRep(p, share, states), signal);
        const reply = new BigUint64Array(out.action.length + out.doses.length);
        reply.set(out.action);
        reply.set(out.doses, out.action.length);
        client.send('result', wordsToBytes(reply));
      } else if (client.protocol === PROTOCOLS.train) {
        if (training) throw new Error(`SecQ-learning: ${me} is already training (one run at a time)`);
        training = true;
        trainingSession = client.id;
        const current = requireModel();
        const schedule = JSON.parse(Buffer.from(client.parameters).toString('utf8')) as { batchSize: number; rounds: number; records: number; modelId: string };
        if (schedule.modelId !== current.modelId) throw new Error(`SecQ-learning: the provider trains model ${schedule.modelId}, ${me} holds ${current.modelId}`);
        const n = schedule.records;
        if (!(Number.isInteger(n) && n >= 1 && n <= MAX_TRAINING_RECORDS)) throw new Error(`SecQ-learning: ${n} records, allowed 1 … ${MAX_TRAINING_RECORDS}`);
        const { batchSize, rounds } = schedule;
        if (!(Number.isInteger(batchSize) && batchSize >= 1 && Number.isInteger(rounds) && rounds >= 1 && Math.ceil(n / batchSize) * rounds <= MAX_TRAINING_STEPS)) {
          throw new Error(`SecQ-learning: τ = ${batchSize}, Rmax = ${rounds} must be whole numbers ≥ 1 with ⌈n/τ⌉·Rmax ≤ ${MAX_TRAINING_STEPS} steps`);
        }
        const data = payloadWords((await client.receive('records', signal)).payload, 'records');
        if (data.length !== 4 * n) throw new Error(`SecQ-learning records: ${data.length} words, expected 4·${n}`);
        const { states: delta, actions: sigma } = current.share.parameters;
        const index = (from: number, modulus: number, what: string) =>
          Uint32Array.from(data.subarray(from, from + n), (w, i) => {
            if (w >= BigInt(modulus)) throw new Error(`SecQ-learning records: ${what} share ${i} is not in Z_${modulus}`);
            return Number(w);
          });
        const records: RecordShares = { states: index(0, delta, 'state'), actions: index(n, sigma, 'action'), nextStates: index(2 * n, delta, 'next state'), rewards: data.slice(3 * n) };
        const started = performance.now();
        const q = await runTwoParty(`SecQ-learning/${delta}/${sigma}/${n}/${schedule.batchSize}/${schedule.rounds}`, peer, (p) => SecQLearning(p, current.share, records, schedule), signal);
        // The run completed: only now does the new table replace the old, and only if the model did not
        // change meanwhile and the client is still there; the file first, then the model in memory.
        if (model !== current) throw new Error('SecQ-learning: the model was replaced during the run; its result is dropped');
        signal.throwIfAborted();
        const trained: ServedModel = { modelId: current.modelId, version: current.version + 1, share: { ...current.share, q } };
        if (options.modelFile) saveShare(options.modelFile, party, trained);
        model = trained;
        client.send('done', Buffer.from(JSON.stringify({ records: n, ms: performance.now() - started, version: trained.version })));
      } else if (client.protocol === PROTOCOLS.bench) {
        const { share } = requireModel();
        const request = JSON.parse(Buffer.from(client.parameters).toString('utf8')) as BenchRequest;
        const problem = benchProblem(request);
        if (problem) throw new Error(`Bench: ${problem}`);
        // Counters are read afresh each time (a connection's `wire` is a snapshot).
        const peerBytes = () => (peerMux ? peerMux.connection.wire.bytesSent + peerMux.connection.wire.bytesReceived : 0);
        const dealerBytes = () => dealerMux.connection.wire.bytesSent + dealerMux.connection.wire.bytesReceived;
        const before = { peer: peerBytes(), dealer: dealerBytes() };
        const stats = { rounds: 0, materialMs: 0 };
        const started = performance.now();
        // Random inputs change the program each run, not its plan: the plan is cached by the request.
        const { parameters: q, actionWidth } = share;
        await runTwoParty(`Bench/${JSON.stringify(request)}/${q.states}/${q.actions}/${actionWidth}`, peer, benchProgram(request, share), signal, stats);
        const report: BenchReport = {
          ms: performance.now() - started,
          materialMs: stats.materialMs,
          rounds: stats.rounds,
          peerWireBytes: peerBytes() - before.peer,
          dealerWireBytes: dealerBytes() - before.dealer,
        };
        client.send('done', Buffer.from(JSON.stringify(report)));
      } else throw new Error(`unknown protocol '${client.protocol}'`);
      client.close();
      peer.close();
    } catch (e) {
      const reason = (e as Error).message;
      log(`${me}: session ${client.id} (${client.protocol}, ${client.peer}) failed: ${reason}`);
      client.abort(reason);
      peer.abort(reason);
    } finally {
      limit.clear();
      if (trainingSession === client.id) {
        training = false;
        trainingSession = undefined;
      }
    }
  }

  function meet(id: bigint, side: 'client' | 'peer', session: Session): void {
    let entry = rendezvous.get(id);
    if (!entry) {
      const timer = setTimeout(() => {
        rendezvous.delete(id);
        const reason = `its other half did not arrive within ${RENDEZVOUS_MS} ms`;
        entry?.client?.abort(reason);
        entry?.peer?.abort(reason);
      }, RENDEZVOUS_MS);
      entry = { timer };
      rendezvous.set(id, entry);
    }
    if (entry[side]) {
      session.abort(`session ${id} is already under way`);
      return;
    }
    entry[side] = session;
    if (entry.client && entry.peer) {
      clearTimeout(entry.timer);
      rendezvous.delete(id);
      void serveTwoParty(entry.client, entry.peer);
    }
  }

  /** Party 0 opens the peer's half of a client session at once; party 1 waits for both halves. */
  function startTwoParty(session: Session): void {
    if (party === 1) return meet(session.id, 'client', session);
    if (!peerMux || peerMux.connection.isClosed) throw new Error('the link to the other edge server is down');
    const named = model ? { modelId: model.modelId, version: model.version } : {};
    void serveTwoParty(session, peerMux.open(session.id, session.protocol, Buffer.from(JSON.stringify(named))));
  }

  /** A client's session: one-party requests here, two-party ones paired with the peer. */
  function onClientSession(session: Session): void {
    const isHcp = session.peer === HCP_IDENTITY;
    try {
      switch (session.protocol) {
        case PROTOCOLS.describe: {
          const m = requireModel();
          session.send('model', Buffer.from(JSON.stringify({ modelId: m.modelId, version: m.version, party, parameters: m.share.parameters, actionWidth: m.share.actionWidth })));
          session.close();
          return;
        }
        case PROTOCOLS.load: {
          if (!isHcp) throw new Error(`only ${HCP_IDENTITY} may load a model`);
          if (training) throw new Error('a training run is under way: load the model when it has ended');
          const parsed = parseShareFile(JSON.parse(Buffer.from(session.parameters).toString('utf8')), 'LoadModel');
          if (parsed.party !== party) throw new Error(`the share is party ${parsed.party}'s, this is party ${party}`);
          model = { modelId: parsed.modelId, version: parsed.version, share: parsed.share };
          if (options.modelFile) saveShare(options.modelFile, party, model);
          session.send('loaded', Buffer.from(parsed.modelId));
          session.close();
          return;
        }
        case PROTOCOLS.export: {
          if (!isHcp) throw new Error(`only ${HCP_IDENTITY} may export a share`);
          const m = requireModel();
          session.send('share', Buffer.from(JSON.stringify(shareFile(m.modelId, party, m.share, m.version))));
          session.close();
          return;
        }
        case PROTOCOLS.train:
          if (!isHcp) throw new Error(`only ${HCP_IDENTITY} may train the model`);
          return startTwoParty(session);
        case PROTOCOLS.recommend:
          return startTwoParty(session);
        case PROTOCOLS.bench:
          if (!isHcp || !options.bench) throw new Error(`Bench sessions are for ${HCP_IDENTITY}, on a server started with --bench`);
          return startTwoParty(session);
        default:
          throw new Error(`unknown protocol '${session.protocol}'`);
      }
    } catch (e) {
      log(`${me}: session ${session.id} (${session.protocol}, ${session.peer}) refused: ${(e as Error).message}`);
      session.abort((e as Error).message);
    }
  }

  const server: LinkServer = await listen({
    host: options.listen.host,
    port: options.listen.port,
    ...security,
    // Frames from clients and from es0: at most one message of MAX_MESSAGE_WORDS and its header.
    maxFrameBytes: SERVER_MAX_FRAME_BYTES,
    onConnection(connection) {
      const peerParty = partyOf(connection.remoteIdentity);
      if (peerParty !== undefined) {
        if (party !== 1 || peerParty !== 0) {
          log(`${me}: refused a connection from ${connection.remoteIdentity}: only es0 connects to es1`);
          connection.close();
          return;
        }
        peerMux = new SessionMux(connection, { log, onOpen: (s) => meet(s.id, 'peer', s) });
        return;
      }
      // A client's ended session ids are remembered briefly (TLS already stops replayed records): a
      // patient asking for hours must not make the server's memory grow.
      new SessionMux(connection, { log, onOpen: onClientSession, rememberEnded: CLIENT_REMEMBER_ENDED, maxSessions: CLIENT_MAX_SESSIONS, maxQueuedFrames: CLIENT_MAX_QUEUED_FRAMES });
    },
  });

  if (party === 0) {
    if (!options.peer) throw new Error('es0 needs the address of es1 (--peer)');
    await keepLinked(options.peer, serverIdentity(1), 'es1', (mux) => (peerMux = mux));
  }

  return {
    port: server.port,
    get model() {
      return model;
    },
    async close() {
      closing = true;
      for (const { timer } of rendezvous.values()) clearTimeout(timer);
      dealerMux.connection.close();
      peerMux?.connection.close();
      await server.close();
    },
  };
}
