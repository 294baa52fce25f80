/**
 * `npm run bench:oidpr [-- --quick] [--out DIR] [--load-seconds N] [--sessions N]`:
 * the cost of OIDPR (optimized insulin dosage via privacy-preserving
 * reinforcement learning for diabetics: Q-learning over additive secret
 * shares on two edge servers), issue #13, measured on a real deployment and
 * set beside the paper's Table I.
 *
 * The dealer and the two edge servers run as separate OS processes on
 * loopback (`glucosim dealer`, `glucosim edge-server --bench`), one
 * deployment over TLS-PSK (the default) and one with --plaintext; this
 * process is the provider (identity hcp) and, for the load test, the
 * patients.
 *
 * - Table I: each protocol on random shared inputs (`Bench` sessions), at
 *   the paper's setting δ = σ = 10, ρ = τ = 10, Rmax = 2: SecMul and SecCom
 *   on one pair of values, SecAct, SecEle, SecGry and SecRep on one state
 *   (one patient query), SecMax on one row of σ values, SecUq on τ records
 *   (one batch step, with its records' one-hot setup), SecQ-learning on
 *   ρ·τ = 100 records in batches of τ for Rmax rounds. Warm-up runs, then
 *   the median of ≥ 20 runs (≥ 5 for SecQ-learning) of party 0's report:
 *   its time, its rounds with the other server, the bytes on the wire
 *   between the servers (both directions, TLS records included) and between
 *   the dealer and party 0 (one server's link). The TLS-PSK and plaintext
 *   deployments run at the same time and their runs alternate, so that
 *   other work on the machine slows both alike. Where party 0 reports 0
 *   bytes for a link, the kernel's count of that TCP connection (tcp_info,
 *   `ss -tin`) is used instead, and the JSON says which. The plain
 *   reference (src/control/qlearning/qLearning.ts) on the same sizes gives
 *   secure/plain.
 * - Fig. 1: communication vs δ and vs σ (τ = Rmax = 1, ρ = 10) of SecUq,
 *   SecQ-learning and SecRep; runtime vs τ (ρ = 10, Rmax = 2) and vs Rmax
 *   (ρ = τ = 10) of SecQ-learning and SecRep; four SVG plots (TLS-PSK).
 * - Load: `--sessions` (100) patient devices, each its own TLS-PSK links,
 *   asking SecRep of one server pair for `--load-seconds` (60) on a model
 *   the servers trained; every decision is checked against the greedy
 *   action of the Q-table reconstructed from the exported shares, and each
 *   server process's resident memory (VmRSS) sampled at the start, every
 *   5 s and at the end.
 *
 * Progress and the human-readable tables go to stderr; stdout gets one JSON
 * object. The plots, results.json and the servers' stderr are written to
 * the output directory (default results/bench-oidpr-<UTC timestamp>/),
 * built under a temporary name and renamed when complete.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { newOutputDirectory } from '../src/cli/outputDir.js';
import { trainBatches, greedyAction } from '../src/control/qlearning/qLearning.js';
import { buildDirectoryAtomic } from '../src/io/atomic.js';
import { ServerPair } from '../src/privacy/edge/clients.js';
import type { BenchReport } from '../src/privacy/edge/edgeServer.js';
import { readPskKeyFile } from '../src/privacy/net/keys.js';
import type { BenchProtocol, BenchRequest } from '../src/privacy/oidpr/benchmark.js';
import { type LearningParameters, type PlainRecord, shareModel } from '../src/privacy/oidpr/model.js';
import { newModelId } from '../src/privacy/oidpr/shareFile.js';
import { randomStream, type RandomStream } from '../src/random/streams.js';
import { cpuSeconds, type Deployment, generateKeys, rssMB, startDeployment, stopDeployment, tcpLinkBytes } from './oidprProcesses.js';
import { sweepChartSvg } from './oidprPlots.js';

// ---------------------------------------------------------------------------
// Options and setting

interface Options {
  readonly quick: boolean;
  readonly out: string | undefined;
  readonly loadSeconds: number;
  readonly sessions: number;
}

function parseOptions(argv: readonly string[]): Options {
  let quick = false;
  let out: string | undefined;
  let loadSeconds: number | undefined;
  let sessions = 100;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') quick = true;
    else if (a === '--out') out = value();
    else if (a === '--load-seconds') loadSeconds = Number(value());
    else if (a === '--sessions') sessions = Number(value());
    else if (a === '--help' || a === '-h') {
      process.stderr.write('usage: node dist/bench/oidpr.js [--quick] [--out DIR] [--load-seconds N (default 60; 5 with --quick)] [--sessions N (default 100)]\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  loadSeconds ??= quick ? 5 : 60;
  if (!(loadSeconds > 0 && loadSeconds <= 3600)) throw new Error(`--load-seconds ${loadSeconds} must be in (0, 3600]`);
  if (!(Number.isInteger(sessions) && sessions >= 1 && sessions <= 1000)) throw new Error(`--sessions ${sessions} must be a whole number from 1 to 1000`);
  return { quick, out, loadSeconds, sessions };
}

const options = parseOptions(process.argv.slice(2));

/** The paper's setting (§V): δ states, σ actions, ρ batches of τ records, Rmax rounds, α, γ, ε. */
const SETTING = { states: 10, actions: 10, rho: 10, tau: 10, rmax: 2, alpha: 0.1, gamma: 0.7, epsilon: 0.1, fractionBits: 16 } as const;

const REPS = options.quick
  ? { warmUp: 2, runs: 5, runsQLearning: 2, sweepWarmUp: 1, sweepRuns: 1, sweepRunsRuntime: 1, plainRuns: 50, loadTrainingRecords: 200 }
  : { warmUp: 5, runs: 25, runsQLearning: 7, sweepWarmUp: 1, sweepRuns: 3, sweepRunsRuntime: 7, plainRuns: 200, loadTrainingRecords: 1000 };

const SWEEP = { states: [5, 10, 20, 40], actions: [5, 10, 20, 40], tau: [1, 3, 5, 10], rmax: [1, 2, 3, 4] };

/** "Our Scheme" in the paper's Table I: runtime (s) and communication (KB). */
const PAPER: Partial<Record<BenchProtocol, { s: number; kb: number }>> = {
  SecAct: { s: 0.103, kb: 119.1 },
  SecEle: { s: 0.224, kb: 238.2 },
  SecMax: { s: 0.025, kb: 0.9 },
  SecGry: { s: 0.14, kb: 123.3 },
  SecUq: { s: 0.543, kb: 810.3 },
  'SecQ-learning': { s: 1.732, kb: 2231.7 },
  SecRep: { s: 2.045, kb: 3582.3 },
};

const PROTOCOL_ORDER: readonly BenchProtocol[] = ['SecMul', 'SecCom', 'SecAct', 'SecEle', 'SecMax', 'SecGry', 'SecUq', 'SecQ-learning', 'SecRep'];

/** Table I's invocation of each protocol at the paper's setting. */
function tableRequest(protocol: BenchProtocol): BenchRequest {
  const { tau, rho, rmax, epsilon } = SETTING;
  switch (protocol) {
    case 'SecUq':
      return { protocol, n: tau, batchSize: tau };
    case 'SecQ-learning':
      return { protocol, n: rho * tau, batchSize: tau, rounds: rmax };
    case 'SecGry':
      return { protocol, n: 1, epsilon };
    default:
      return { protocol, n: 1 };
  }
}

const parametersOf = (states: number, actions: number): LearningParameters => ({ states, actions, alpha: SETTING.alpha, gamma: SETTING.gamma, fractionBits: SETTING.fractionBits });
/** One dose per action: 0, 2, 4, … U. */
const actionSetOf = (actions: number) => Array.from({ length: actions }, (_, a) => [2 * a]);

// ---------------------------------------------------------------------------
// Helpers

const serverLog: string[] = [];
const benchStart = performance.now();
function log(message: string): void {
  process.stderr.write(`bench:oidpr: [${((performance.now() - benchStart) / 1000).toFixed(1)} s] ${message}\n`);
}
function echoServer(line: string): void {
  serverLog.push(line);
  process.stderr.write(`bench:oidpr: server stderr ${line}\n`);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile (q in [0, 1]). */
function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Least-squares slope of y over x (NaN with fewer than 3 points). */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 3) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return sxx === 0 ? NaN : sxy / sxx;
}

const round = (x: number, digits: number) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

function randomRecords(n: number, states: number, actions: number, rng: RandomStream, structured = false): PlainRecord[] {
  return Array.from({ length: n }, () => {
    const state = rng.integerIn(0, states - 1);
    const action = rng.integerIn(0, actions - 1);
    const nextState = rng.integerIn(0, states - 1);
    // Structured: the best dose of a state is (state mod σ), so the trained policy is not all ties.
    const reward = structured ? 1 - (2 * Math.abs(action - (state % actions))) / actions + rng.uniformIn(-0.1, 0.1) : rng.uniformIn(-1, 1);
    return { state, action, nextState, reward };
  });
}

async function loadZeroModel(pair: ServerPair, states: number, actions: number): Promise<void> {
  await pair.loadModel(newModelId(), shareModel({ parameters: parametersOf(states, actions), q: new BigInt64Array(states * actions), actionSet: actionSetOf(actions) }));
}

/** The provider's link to a server pair, and the wire bytes of es0's links to es1 and to the dealer as the kernel counts them. */
interface Target {
  readonly mode: string;
  readonly pair: ServerPair;
  readonly linkBytes: () => { peer: number | undefined; dealer: number | undefined };
}

function targetOf(pair: ServerPair, d: Deployment): Target {
  return {
    mode: d.mode,
    pair,
    linkBytes: () => {
      const [peer, dealer] = tcpLinkBytes(d.es0.pid, [d.es1.port, d.dealer.port]);
      return { peer, dealer };
    },
  };
}

type WireSource = 'edge server' | 'kernel tcp_info';

/** The edge server's count unless it is 0 (see kbSourceNote), else the kernel's. */
function pick(reported: number, kernel: number | undefined): { bytes: number; source: WireSource } {
  return reported > 0 || kernel === undefined ? { bytes: reported, source: 'edge server' } : { bytes: kernel, source: 'kernel tcp_info' };
}

interface Measured {
  readonly runs: number;
  /** Party 0's time, of which waiting for the dealer's material; this client's round trip. */
  readonly ms: number;
  readonly materialMs: number;
  readonly clientMs: number;
  readonly rounds: number;
  /** Server↔server bytes: party 0's report, the kernel's count (tcp_info), and the one used (the report unless it is 0). */
  readonly peerWireBytesReported: number;
  readonly peerWireBytesKernel: number | undefined;
  readonly peerWireBytes: number;
  readonly peerWireSource: WireSource;
  /** The same for the dealer's link to party 0. */
  readonly dealerWireBytesReported: number;
  readonly dealerWireBytesKernel: number | undefined;
  readonly dealerWireBytes: number;
  readonly dealerWireSource: WireSource;
}

/**
 * Warm-up runs, then `runs` timed runs of `request` on each target,
 * interleaved run by run (so that a machine busy with other work slows
 * every target alike); per target the medians.
 */
async function measureInterleaved(targets: readonly Target[], request: BenchRequest, warmUp: number, runs: number): Promise<Measured[]> {
  for (let i = 0; i < warmUp; i++) for (const t of targets) await t.pair.bench(request);
  const samples = targets.map(() => ({ reports: [] as BenchReport[], client: [] as number[], peer: [] as number[], dealer: [] as number[] }));
  for (let i = 0; i < runs; i++) {
    for (const [k, target] of targets.entries()) {
      const s = samples[k]!;
      const before = target.linkBytes();
      const t0 = performance.now();
      s.reports.push(await target.pair.bench(request));
      s.client.push(performance.now() - t0);
      const after = target.linkBytes();
      if (before.peer !== undefined && after.peer !== undefined) s.peer.push(after.peer - before.peer);
      if (before.dealer !== undefined && after.dealer !== undefined) s.dealer.push(after.dealer - before.dealer);
    }
  }
  return samples.map(({ reports, client, peer: kernelPeer, dealer: kernelDealer }) => {
    const rounds = new Set(reports.map((r) => r.rounds));
    if (rounds.size !== 1) throw new Error(`${request.protocol}: rounds differ between runs (${[...rounds].join(', ')})`);
    const reportedPeer = median(reports.map((r) => r.peerWireBytes));
    const countedPeer = kernelPeer.length > 0 ? median(kernelPeer) : undefined;
    const reportedDealer = median(reports.map((r) => r.dealerWireBytes));
    const countedDealer = kernelDealer.length > 0 ? median(kernelDealer) : undefined;
    const peer = pick(reportedPeer, countedPeer);
    const dealer = pick(reportedDealer, countedDealer);
    return {
      runs,
      ms: median(reports.map((r) => r.ms)),
      materialMs: median(reports.map((r) => r.materialMs)),
      clientMs: median(client),
      rounds: reports[0]!.rounds,
      peerWireBytesReported: reportedPeer,
      peerWireBytesKernel: countedPeer,
      peerWireBytes: peer.bytes,
      peerWireSource: peer.source,
      dealerWireBytesReported: reportedDealer,
      dealerWireBytesKernel: countedDealer,
      dealerWireBytes: dealer.bytes,
      dealerWireSource: dealer.source,
    };
  });
}

async function measure(target: Target, request: BenchRequest, warmUp: number, runs: number): Promise<Measured> {
  return (await measureInterleaved([target], request, warmUp, runs))[0]!;
}

// ---------------------------------------------------------------------------
// Table I

interface TableRow {
  readonly ms: number | null;
  readonly kb: number | null;
  /** Where kb comes from, and both counts (KB): party 0's report and the kernel's tcp_info of the es0–es1 connection. */
  readonly kbSource: WireSource;
  readonly kbReported: number | null;
  readonly kbKernel: number | null;
  readonly rounds: number;
  readonly dealerKb: number | null;
  readonly dealerKbSource: WireSource;
  readonly dealerKbReported: number | null;
  readonly dealerKbKernel: number | null;
  readonly materialMs: number | null;
  readonly clientMs: number | null;
  readonly runs: number;
  readonly request: BenchRequest;
  readonly paper: { s: number; kb: number } | null;
  readonly speedup: number | null;
  /** Our KB / the paper's KB. */
  readonly commRatio: number | null;
}

function tableRow(m: Measured, protocol: BenchProtocol, request: BenchRequest): TableRow {
  const paper = PAPER[protocol] ?? null;
  const kb = m.peerWireBytes / 1024;
  return {
    ms: round(m.ms, 3),
    kb: round(kb, 1),
    kbSource: m.peerWireSource,
    kbReported: round(m.peerWireBytesReported / 1024, 1),
    kbKernel: m.peerWireBytesKernel === undefined ? null : round(m.peerWireBytesKernel / 1024, 1),
    rounds: m.rounds,
    dealerKb: round(m.dealerWireBytes / 1024, 1),
    dealerKbSource: m.dealerWireSource,
    dealerKbReported: round(m.dealerWireBytesReported / 1024, 1),
    dealerKbKernel: m.dealerWireBytesKernel === undefined ? null : round(m.dealerWireBytesKernel / 1024, 1),
    materialMs: round(m.materialMs, 3),
    clientMs: round(m.clientMs, 3),
    runs: m.runs,
    request,
    paper,
    speedup: paper ? round((paper.s * 1000) / m.ms, 1) : null,
    commRatio: paper ? round(kb / paper.kb, 3) : null,
  };
}

/** Table I on every deployment at once, the deployments' runs interleaved; one table per deployment. */
async function tableI(targets: readonly Target[]): Promise<Record<string, TableRow>[]> {
  for (const t of targets) await loadZeroModel(t.pair, SETTING.states, SETTING.actions);
  const tables: Record<string, TableRow>[] = targets.map(() => ({}));
  for (const protocol of PROTOCOL_ORDER) {
    const request = tableRequest(protocol);
    const runs = protocol === 'SecQ-learning' ? REPS.runsQLearning : REPS.runs;
    log(`Table I: ${protocol} ${JSON.stringify(request)}: ${REPS.warmUp} warm-up + ${runs} runs on each of ${targets.map((t) => t.mode).join(', ')}, interleaved`);
    const measured = await measureInterleaved(targets, request, REPS.warmUp, runs);
    measured.forEach((m, k) => (tables[k]![protocol] = tableRow(m, protocol, request)));
  }
  return tables;
}

function kbSourceNote(sources: readonly WireSource[], what = 'KB', link = 'es0→es1', field = 'peerWireBytes'): string {
  return sources.includes('kernel tcp_info')
    ? `${what} counted by the kernel (tcp_info of the ${link} TCP connection, ss -tin): party 0's Bench report gave ${field} = 0.`
    : `${what} as party 0 reports it (its TCP socket counters of the ${link} link).`;
}

function tableText(title: string, rows: Record<string, TableRow>): string {
  const pad = (s: string, w: number) => s.padStart(w);
  const f = (x: number | null | undefined, d: number) => (x === null || x === undefined ? '—' : x.toFixed(d));
  const head = `${'protocol'.padEnd(14)}${pad('n', 5)}${pad('rounds', 8)}${pad('ours ms', 10)}${pad('of which material', 19)}${pad('paper s', 9)}${pad('speed-up', 10)}${pad('ours KB', 10)}${pad('paper KB', 10)}${pad('KB ratio', 10)}${pad('dealer KB', 11)}`;
  const lines = [title, head, '-'.repeat(head.length)];
  for (const [name, r] of Object.entries(rows)) {
    lines.push(
      `${name.padEnd(14)}${pad(String(r.request.n), 5)}${pad(String(r.rounds), 8)}${pad(f(r.ms, 2), 10)}${pad(f(r.materialMs, 2), 19)}${pad(f(r.paper?.s, 3), 9)}${pad(r.speedup === null ? '—' : `${f(r.speedup, 1)}×`, 10)}${pad(f(r.kb, 1), 10)}${pad(f(r.paper?.kb, 1), 10)}${pad(f(r.commRatio, 3), 10)}${pad(f(r.dealerKb, 1), 11)}`,
    );
  }
  lines.push('ours ms: party 0\'s median time per run, from the request to its answer; of which material: planning and fetching the dealer\'s correlated randomness;');
  lines.push('speed-up = paper s / ours; KB: server↔server bytes on the wire, both directions (TLS records included), /1024;');
  lines.push('KB ratio = ours / paper; dealer KB: dealer↔party 0 link (one server\'s link; party 1\'s is the same size).');
  lines.push(kbSourceNote(Object.values(rows).map((r) => r.kbSource)));
  lines.push(kbSourceNote(Object.values(rows).map((r) => r.dealerKbSource), 'Dealer KB', 'es0→dealer', 'dealerWireBytes'));
  return lines.join('\n');
}

// ---------------------------------------------------------------------------
// Plain reference

function plainCosts(): { plainQLearningMs: number; plainGreedyActionUs: number } {
  const { states, actions, rho, tau, rmax } = SETTING;
  const params = parametersOf(states, actions);
  const records = randomRecords(rho * tau, states, actions, randomStream(1, 'bench', 'oidpr-plain'));
  const times: number[] = [];
  for (let i = 0; i < REPS.plainRuns / 10; i++) trainBatches(params, records, { batchSize: tau, rounds: rmax });
  for (let i = 0; i < REPS.plainRuns; i++) {
    const t0 = performance.now();
    trainBatches(params, records, { batchSize: tau, rounds: rmax });
    times.push(performance.now() - t0);
  }
  const q = trainBatches(params, records, { batchSize: tau, rounds: rmax }).q;
  const calls = 100_000;
  const greedy: number[] = [];
  let sink = 0;
  for (let r = 0; r < 11; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) sink += greedyAction(q, actions, i % states);
    greedy.push(((performance.now() - t0) * 1000) / calls);
  }
  if (sink < 0) log('impossible');
  return { plainQLearningMs: median(times), plainGreedyActionUs: median(greedy.slice(1)) };
}

// ---------------------------------------------------------------------------
// Fig. 1 sweeps

interface SweepPoint {
  readonly x: number;
  readonly protocol: BenchProtocol;
  readonly request: BenchRequest;
  readonly ms: number | null;
  readonly kb: number | null;
  readonly kbSource: WireSource;
  readonly dealerKb: number | null;
  readonly rounds: number;
}

async function sweepPoint(target: Target, x: number, request: BenchRequest, runs: number): Promise<SweepPoint> {
  const m = await measure(target, request, REPS.sweepWarmUp, runs);
  return { x, protocol: request.protocol, request, ms: round(m.ms, 3), kb: round(m.peerWireBytes / 1024, 1), kbSource: m.peerWireSource, dealerKb: round(m.dealerWireBytes / 1024, 1), rounds: m.rounds };
}

async function sweeps(target: Target) {
  const { pair } = target;
  const { rho, tau, rmax } = SETTING;
  /** τ = Rmax = 1: SecUq on one record, SecQ-learning on ρ batches of one record, one round. */
  const commRequests = (): BenchRequest[] => [
    { protocol: 'SecUq', n: 1, batchSize: 1 },
    { protocol: 'SecQ-learning', n: rho, batchSize: 1, rounds: 1 },
    { protocol: 'SecRep', n: 1 },
  ];
  const states: SweepPoint[] = [];
  for (const delta of SWEEP.states) {
    log(`Fig. 1(a): δ = ${delta}, σ = ${SETTING.actions}`);
    await loadZeroModel(pair, delta, SETTING.actions);
    for (const r of commRequests()) states.push(await sweepPoint(target, delta, r, REPS.sweepRuns));
  }
  const actions: SweepPoint[] = [];
  for (const sigma of SWEEP.actions) {
    log(`Fig. 1(b): δ = ${SETTING.states}, σ = ${sigma}`);
    await loadZeroModel(pair, SETTING.states, sigma);
    for (const r of commRequests()) actions.push(await sweepPoint(target, sigma, r, REPS.sweepRuns));
  }
  await loadZeroModel(pair, SETTING.states, SETTING.actions);
  const tauPoints: SweepPoint[] = [];
  for (const t of SWEEP.tau) {
    log(`Fig. 1(c): τ = ${t} (ρ = ${rho}, Rmax = ${rmax})`);
    tauPoints.push(await sweepPoint(target, t, { protocol: 'SecQ-learning', n: rho * t, batchSize: t, rounds: rmax }, REPS.sweepRunsRuntime));
    tauPoints.push(await sweepPoint(target, t, { protocol: 'SecRep', n: 1 }, REPS.sweepRunsRuntime));
  }
  const rmaxPoints: SweepPoint[] = [];
  for (const r of SWEEP.rmax) {
    log(`Fig. 1(d): Rmax = ${r} (ρ = ${rho}, τ = ${tau})`);
    rmaxPoints.push(await sweepPoint(target, r, { protocol: 'SecQ-learning', n: rho * tau, batchSize: tau, rounds: r }, REPS.sweepRunsRuntime));
    rmaxPoints.push(await sweepPoint(target, r, { protocol: 'SecRep', n: 1 }, REPS.sweepRunsRuntime));
  }
  return { states, actions, tau: tauPoints, rmax: rmaxPoints };
}

function seriesOf(points: readonly SweepPoint[], xs: readonly number[], protocols: readonly BenchProtocol[], value: 'kb' | 'ms') {
  return protocols.map((protocol) => ({
    name: protocol,
    style: ['SecUq', 'SecQ-learning', 'SecRep'].indexOf(protocol),
    values: xs.map((x) => points.find((p) => p.x === x && p.protocol === protocol)?.[value] ?? NaN),
  }));
}

function plots(s: Awaited<ReturnType<typeof sweeps>>, mode: string): Record<string, string> {
  const comm: BenchProtocol[] = ['SecUq', 'SecQ-learning', 'SecRep'];
  const runtime: BenchProtocol[] = ['SecQ-learning', 'SecRep'];
  const { rho, tau, rmax, states, actions } = SETTING;
  const commNotes = [
    `Server↔server bytes on the wire, both directions (${mode}), median of ${REPS.sweepRuns} run(s); τ = Rmax = 1: SecUq on 1 record (with its one-hot setup),`,
    `SecQ-learning on ρ = ${rho} batches of 1 record, one round; SecRep on one patient state. Dealer→server traffic not included.`,
    kbSourceNote([...s.states, ...s.actions].map((p) => p.kbSource)),
  ];
  const runNotes = (what: string) => [
    `Party 0's time per run (dealer material included), median of ${REPS.sweepRunsRuntime} runs, ${mode}, loopback; δ = ${states}, σ = ${actions}, ${what}.`,
    'SecRep answers one patient state from the trained table: it does not depend on τ or Rmax, so its line is flat by construction.',
  ];
  return {
    'fig1a-communication-vs-states.svg': sweepChartSvg(SWEEP.states, seriesOf(s.states, SWEEP.states, comm, 'kb'), {
      title: `Communication vs number of states δ (σ = ${actions}, τ = Rmax = 1)`,
      xLabel: 'states δ',
      yLabel: 'communication (KB)',
      notes: commNotes,
    }),
    'fig1b-communication-vs-actions.svg': sweepChartSvg(SWEEP.actions, seriesOf(s.actions, SWEEP.actions, comm, 'kb'), {
      title: `Communication vs number of actions σ (δ = ${states}, τ = Rmax = 1)`,
      xLabel: 'actions σ',
      yLabel: 'communication (KB)',
      notes: commNotes,
    }),
    'fig1c-runtime-vs-tau.svg': sweepChartSvg(SWEEP.tau, seriesOf(s.tau, SWEEP.tau, runtime, 'ms'), {
      title: `Runtime vs batch size τ (ρ = ${rho} batches, Rmax = ${rmax})`,
      xLabel: 'records per batch τ (SecQ-learning trains on ρ·τ records)',
      yLabel: 'runtime (ms)',
      notes: runNotes(`ρ = ${rho}, Rmax = ${rmax}`),
    }),
    'fig1d-runtime-vs-rmax.svg': sweepChartSvg(SWEEP.rmax, seriesOf(s.rmax, SWEEP.rmax, runtime, 'ms'), {
      title: `Runtime vs training rounds Rmax (ρ = ${rho}, τ = ${tau})`,
      xLabel: 'rounds Rmax',
      yLabel: 'runtime (ms)',
      notes: runNotes(`ρ = ${rho}, τ = ${tau}`),
    }),
  };
}

// ---------------------------------------------------------------------------
// Load test

interface MemorySeries {
  readonly samples: { t: number; mb: number }[];
}

async function loadTest(d: Deployment, hcp: ServerPair, keysDir: string) {
  const { states, actions, tau, rmax } = SETTING;
  const parameters = parametersOf(states, actions);
  const actionSet = actionSetOf(actions);
  const modelId = newModelId();
  await hcp.loadModel(modelId, shareModel({ parameters, q: new BigInt64Array(states * actions), actionSet }));
  const records = randomRecords(REPS.loadTrainingRecords, states, actions, randomStream(1, 'bench', 'oidpr-load-records'), true);
  log(`load: training the model on ${records.length} records (τ = ${tau}, Rmax = ${rmax}) on the servers`);
  const t0 = performance.now();
  const serverMs = await hcp.train(modelId, parameters, records, { batchSize: tau, rounds: rmax });
  const trainMs = performance.now() - t0;
  const [e0, e1] = await hcp.exportShares();
  if (e0.modelId !== modelId || e1.modelId !== modelId) throw new Error(`exported shares of model ${e0.modelId}/${e1.modelId}, trained ${modelId}`);
  const q = BigInt64Array.from(e0.share.q, (w, i) => BigInt.asIntN(64, w + e1.share.q[i]!));
  const plain = trainBatches(parameters, records, { batchSize: tau, rounds: rmax });
  let maxDeviation = 0;
  let outsideBound = 0;
  q.forEach((v, i) => {
    const dev = Math.abs(Number(v - plain.q[i]!));
    maxDeviation = Math.max(maxDeviation, dev);
    if (dev > plain.bound[i]!) outsideBound++;
  });
  const expected = Array.from({ length: states }, (_, s) => greedyAction(q, actions, s));
  const plainPolicy = Array.from({ length: states }, (_, s) => greedyAction(plain.q, actions, s));
  const policyDiffers = expected.filter((a, s) => a !== plainPolicy[s]).length;
  log(`load: trained in ${trainMs.toFixed(0)} ms; max |secure − plain| = ${maxDeviation} ulp (${outsideBound} entries outside the bound); greedy policy ${expected.join(',')}`);

  const patientKeys = readPskKeyFile(join(keysDir, 'patient.psk.json'));
  log(`load: connecting ${options.sessions} patient sessions (TLS-PSK)`);
  const pairs: ServerPair[] = [];
  try {
    for (let i = 0; i < options.sessions; i += 10) {
      const batch = await Promise.all(Array.from({ length: Math.min(10, options.sessions - i) }, () => ServerPair.connect({ servers: d.servers, keys: patientKeys })));
      pairs.push(...batch);
    }
    const infos = await Promise.all(pairs.map((p) => p.describe()));
    for (const info of infos) if (info.modelId !== modelId) throw new Error(`a patient was described model ${info.modelId}, not ${modelId}`);
    const wireBefore = pairs.reduce((s, p) => s + p.wireBytes, 0);

    const processes = { es0: d.es0.pid, es1: d.es1.pid, dealer: d.dealer.pid };
    const memory: Record<string, MemorySeries> = { es0: { samples: [] }, es1: { samples: [] }, dealer: { samples: [] } };
    const started = performance.now();
    const sample = () => {
      const t = (performance.now() - started) / 1000;
      for (const [name, pid] of Object.entries(processes)) memory[name]!.samples.push({ t: Number(t.toFixed(1)), mb: Number(rssMB(pid).toFixed(1)) });
    };
    sample();
    const cpuBefore = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuSeconds(pid)]));
    const ownCpuBefore = process.cpuUsage();
    const sampler = setInterval(sample, 5000);
    const deadline = started + options.loadSeconds * 1000;
    const latencies: number[] = [];
    let decisions = 0;
    let wrong = 0;
    let wrongDose = 0;
    let failed = 0;
    let abandoned = 0;
    const errors = new Map<string, number>();
    const progress = setInterval(() => {
      const s = (performance.now() - started) / 1000;
      log(`load: ${s.toFixed(0)} s, ${decisions} decisions (${(decisions / s).toFixed(0)}/s), ${failed} failed, ${wrong} wrong`);
    }, 10_000);
    const session = async (pair: ServerPair, info: (typeof infos)[number]) => {
      let consecutiveFailures = 0;
      while (performance.now() < deadline) {
        const state = Math.floor(Math.random() * states);
        const t = performance.now();
        try {
          const [decision] = await pair.recommend([state], info);
          latencies.push(performance.now() - t);
          decisions++;
          consecutiveFailures = 0;
          if (decision!.action !== expected[state]) wrong++;
          else if (Math.abs(decision!.doses[0]! - actionSet[decision!.action]![0]!) > 1e-6) wrongDose++;
        } catch (e) {
          failed++;
          const message = (e as Error).message;
          errors.set(message, (errors.get(message) ?? 0) + 1);
          if (++consecutiveFailures >= 20) {
            abandoned++;
            return;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    log(`load: ${options.sessions} sessions asking SecRep for ${options.loadSeconds} s`);
    await Promise.all(pairs.map((p, i) => session(p, infos[i]!)));
    const elapsed = (performance.now() - started) / 1000;
    clearInterval(sampler);
    clearInterval(progress);
    sample();
    const ownCpu = process.cpuUsage(ownCpuBefore);
    const cpuShare = {
      ...Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, round((cpuSeconds(pid) - cpuBefore[name]!) / elapsed, 2)])),
      patients: round((ownCpu.user + ownCpu.system) / 1e6 / elapsed, 2),
    };
    const patientWire = pairs.reduce((s, p) => s + p.wireBytes, 0) - wireBefore;
    latencies.sort((a, b) => a - b);

    const memorySummary = Object.fromEntries(
      Object.entries(memory).map(([name, { samples }]) => {
        const mbs = samples.map((s) => s.mb);
        const start = mbs[0]!;
        const end = mbs[mbs.length - 1]!;
        // Flat: no new high in the second half of the load: its highest sample at most max(5 MB, 5 %) above the
        // first half's (V8's heap grows to its working size, then saw-tooths with GC; a leak keeps making new highs).
        const firstHalf = Math.max(...samples.filter((s) => s.t <= elapsed / 2).map((s) => s.mb));
        const secondHalf = Math.max(...samples.filter((s) => s.t > elapsed / 2).map((s) => s.mb));
        const newHigh = secondHalf - firstHalf;
        const late = samples.filter((s) => s.t >= Math.min(10, elapsed / 2));
        const trend = slope(late.map((s) => s.t), late.map((s) => s.mb)) * 60;
        return [name, { pid: processes[name as keyof typeof processes], startMB: start, endMB: end, maxMB: Math.max(...mbs), secondHalfNewHighMB: round(newHigh, 1), trendMBPerMin: round(trend, 1), flat: elapsed < 20 ? null : newHigh <= Math.max(5, 0.05 * firstHalf), samples }];
      }),
    );
    return {
      sessions: options.sessions,
      seconds: round(elapsed, 1),
      decisions,
      decisionsPerSecond: round(decisions / elapsed, 1),
      latencyMs: { p50: round(percentile(latencies, 0.5), 2), p99: round(percentile(latencies, 0.99), 2), max: round(latencies[latencies.length - 1] ?? NaN, 2) },
      failed,
      abandonedSessions: abandoned,
      wrong,
      wrongDose,
      errors: Object.fromEntries([...errors].slice(0, 10)),
      patientWireBytesPerDecision: round(patientWire / Math.max(1, decisions), 0),
      /** CPU seconds per second of load of each process (1 = one core busy); patients: this process. */
      cpuCoresUsed: cpuShare,
      cpus: cpus().length,
      memory: memorySummary,
      memoryFlat: elapsed < 20 ? null : Object.values(memorySummary).every((m) => m.flat),
      memoryCriterion: 'flat: the highest VmRSS sample of the second half of the load is at most max(5 MB, 5 %) above the highest of the first half (no new high); null: a load under 20 s is too short to judge; trendMBPerMin: least-squares slope of the samples after the first 10 s, for information (GC saw-tooth makes it noisy)',
      model: {
        states,
        actions,
        trainingRecords: records.length,
        batchSize: tau,
        rounds: rmax,
        trainMs: round(trainMs, 1),
        serverTrainMs: serverMs.map((x) => round(x, 1)),
        maxDeviationFromPlainUlps: maxDeviation,
        entriesOutsideDeviationBound: outsideBound,
        greedyPolicy: expected,
        statesWhereGreedyDiffersFromPlain: policyDiffers,
      },
    };
  } finally {
    for (const p of pairs) p.close();
  }
}

// ---------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const outDir = newOutputDirectory(options.out, 'bench-oidpr', false, { marker: 'result.json' });
  const work = mkdtempSync(join(tmpdir(), 'glucosim-bench-oidpr-'));
  const keysDir = join(work, 'keys');
  const deployments: Deployment[] = [];
  const stderrOf: Record<string, Record<string, { exit: string; stderr: string[] }>> = {};
  const stop = async (d: Deployment) => {
    deployments.splice(deployments.indexOf(d), 1);
    stderrOf[d.mode] = await stopDeployment(d);
    log(`${d.mode}: servers stopped (${Object.entries(stderrOf[d.mode]!).map(([r, s]) => `${r} ${s.exit}`).join(', ')})`);
  };
  try {
    log(`${options.quick ? 'quick' : 'full'} run; output ${outDir}`);
    log('keys: glucosim privacy keygen');
    generateKeys(keysDir);
    const hcpKeys = readPskKeyFile(join(keysDir, 'hcp.psk.json'));

    log('plain Q-learning reference');
    const plain = plainCosts();

    log('TLS-PSK: starting dealer, es1, es0');
    const tls = await startDeployment(keysDir, echoServer);
    deployments.push(tls);
    log('plaintext: starting dealer, es1, es0');
    const plainDeployment = await startDeployment(undefined, echoServer);
    deployments.push(plainDeployment);
    for (const d of [tls, plainDeployment]) log(`${d.mode}: dealer :${d.dealer.port} (pid ${d.dealer.pid}), es1 :${d.es1.port} (pid ${d.es1.pid}), es0 :${d.es0.port} (pid ${d.es0.pid})`);
    const hcp = await ServerPair.connect({ servers: tls.servers, keys: hcpKeys });
    let table: Record<string, TableRow>;
    let tablePlain: Record<string, TableRow>;
    let sweep: Awaited<ReturnType<typeof sweeps>>;
    let load: Awaited<ReturnType<typeof loadTest>>;
    try {
      const hcpPlain = await ServerPair.connect({ servers: plainDeployment.servers, plaintext: true, identity: 'hcp' });
      try {
        [table, tablePlain] = (await tableI([targetOf(hcp, tls), targetOf(hcpPlain, plainDeployment)])) as [Record<string, TableRow>, Record<string, TableRow>];
      } finally {
        hcpPlain.close();
      }
      await stop(plainDeployment);
      sweep = await sweeps(targetOf(hcp, tls));
      load = await loadTest(tls, hcp, keysDir);
    } finally {
      hcp.close();
    }
    await stop(tls);

    const qMs = table['SecQ-learning']!.ms!;
    const result = {
      ...table,
      plaintext: tablePlain,
      plainQLearningMs: round(plain.plainQLearningMs, 4),
      plainGreedyActionUs: round(plain.plainGreedyActionUs, 4),
      secureToPlainRatio: round(qMs / plain.plainQLearningMs, 1),
      secureToPlainRatioPlaintextLinks: round(tablePlain['SecQ-learning']!.ms! / plain.plainQLearningMs, 1),
      load,
      sweeps: sweep,
      setting: {
        ...SETTING,
        actionSet: actionSetOf(SETTING.actions).map((a) => a[0]),
        sweep: SWEEP,
        repetitions: REPS,
        quick: options.quick,
        processes: 'dealer, es0, es1: separate node processes on 127.0.0.1; this process is the provider (hcp) and the patients',
        timing: 'ms: party 0\'s time from the Bench request to its answer, including fetching the dealer\'s material; median of the runs after warm-up',
        communication: 'kb: bytes on the wire between the servers, both directions, TLS records included, /1024; dealerKb: dealer↔party 0 link only',
        secUq: 'SecUq: one batch step on τ records, including the one-hot setup of its records (which SecQ-learning does once per run)',
        cpus: cpus().length,
        cpu: cpus()[0]?.model ?? 'unknown',
        loadAverage: loadavg().map((x) => round(x, 2)),
      },
      serverStderr: { lines: serverLog.length, first: serverLog.slice(0, 20) },
      out: outDir,
      node: process.version,
    };

    const tables = [tableText(`Table I, TLS-PSK links (δ = σ = ${SETTING.states}, ρ = τ = ${SETTING.tau}, Rmax = ${SETTING.rmax})`, table), tableText('Table I, plaintext links', tablePlain)].join('\n\n');
    const loadText = [
      `Load: ${load.sessions} patient sessions, SecRep, ${load.seconds} s: ${load.decisionsPerSecond} decisions/s, latency p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms; ${load.failed} failed, ${load.wrong} wrong action, ${load.wrongDose} wrong dose`,
      `  CPU cores busy during the load: ${Object.entries(load.cpuCoresUsed).map(([k, v]) => `${k} ${v}`).join(', ')} (of ${load.cpus})`,
      ...Object.entries(load.memory).map(([name, m]) => `  ${name} RSS: start ${m.startMB} MB, end ${m.endMB} MB, max ${m.maxMB} MB, second half's high ${m.secondHalfNewHighMB! >= 0 ? '+' : ''}${m.secondHalfNewHighMB} MB over the first half's → ${m.flat === null ? 'too short a load to judge' : m.flat ? 'flat' : 'GROWING'}${m.trendMBPerMin === null ? '' : ` (trend after 10 s ${m.trendMBPerMin} MB/min)`}`),
      `Plain Q-learning (ρ·τ = ${SETTING.rho * SETTING.tau} records, Rmax = ${SETTING.rmax}): ${result.plainQLearningMs} ms; SecQ-learning / plain = ${result.secureToPlainRatio}× (TLS-PSK), ${result.secureToPlainRatioPlaintextLinks}× (plaintext)`,
    ].join('\n');
    process.stderr.write(`\n${tables}\n\n${loadText}\n\n`);

    await buildDirectoryAtomic(outDir, async (dir) => {
      for (const [file, svg] of Object.entries(plots(sweep, 'TLS-PSK'))) writeFileSync(join(dir, file), svg);
      writeFileSync(join(dir, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
      writeFileSync(join(dir, 'tables.txt'), `${tables}\n\n${loadText}\n`);
      const logs = Object.entries(stderrOf).flatMap(([mode, roles]) => Object.entries(roles).flatMap(([role, s]) => [`# ${mode} ${role}: exit ${s.exit}, ${s.stderr.length} stderr line(s)`, ...s.stderr]));
      writeFileSync(join(dir, 'servers-stderr.log'), `${logs.join('\n')}\n`);
    });
    log(`wrote ${outDir}`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    for (const d of [...deployments]) await stop(d).catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (e) {
  process.stderr.write(`bench:oidpr: failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
}
