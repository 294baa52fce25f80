/**
 * The OIDPR deployment of `npm run bench:oidpr` as real OS processes on
 * loopback: the dealer and the two edge servers, each `node
 * dist/src/cli/main.js …` in its own process, started in the order they
 * connect (dealer, es1, es0) and each waited for until it prints
 * "<role> listening on HOST:PORT". Every process started here is stopped
 * with SIGTERM by `stop`, and also when this process exits, is interrupted
 * or fails: none is left behind. Their stderr (refusals, failed sessions)
 * is kept, line by line, and echoed on ours.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/io/paths.js';

export const MAIN = join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** Every child still running, for the exit and signal handlers. */
const live = new Set<ChildProcess>();
let handlersInstalled = false;

function killAll(): void {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.stderr.write(`bench:oidpr: ${signal}: stopped the servers\n`);
      process.exit(130);
    });
  }
}

export interface ServerProcess {
  readonly role: string;
  readonly process: ChildProcess;
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  /** Lines it wrote on stderr so far. */
  readonly stderr: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `node main.js <args>` and wait for its "<role> listening on HOST:PORT" line. */
export async function startServer(role: string, args: readonly string[], echo: (line: string) => void): Promise<ServerProcess> {
  installHandlers();
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const stderr: string[] = [];
  let partial = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (line === '') continue;
      stderr.push(line);
      echo(`[${role}] ${line}`);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      if (partial !== '') stderr.push(partial);
      resolve({ code, signal });
    }),
  );
  const pattern = new RegExp(`^${role} listening on (.+):(\\d+)$`, 'm');
  try {
    const { host, port } = await new Promise<{ host: string; port: number }>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${role} did not print "${role} listening on HOST:PORT" within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = pattern.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve({ host: m[1]!, port: Number(m[2]) });
        }
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${role} exited (${signal ?? code}) before listening: ${stderr.join(' | ')}`));
      });
    });
    return { role, process: child, pid: child.pid!, host, port, stderr, exited };
  } catch (e) {
    child.kill('SIGTERM');
    throw e;
  }
}

/** SIGTERM, then wait (SIGKILL after 10 s); the exit status. */
export async function stopServer(server: ServerProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGTERM');
  const timer = setTimeout(() => server.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
  try {
    return await server.exited;
  } finally {
    clearTimeout(timer);
  }
}

export interface Deployment {
  readonly mode: 'tls-psk' | 'plaintext';
  readonly dealer: ServerProcess;
  readonly es0: ServerProcess;
  readonly es1: ServerProcess;
  readonly servers: readonly [{ host: string; port: number }, { host: string; port: number }];
}

/** Key files for es0, es1, the dealer, hcp and `patient`, by the CLI (`privacy keygen`). */
export function generateKeys(dir: string): void {
  execFileSync(process.execPath, [MAIN, 'privacy', 'keygen', '--out', dir], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Dealer, es1, es0 (the order they connect in); `keysDir` undefined: --plaintext. */
export async function startDeployment(keysDir: string | undefined, echo: (line: string) => void): Promise<Deployment> {
  const security = (id: string) => (keysDir ? ['--keys', join(keysDir, `${id}.psk.json`)] : ['--plaintext']);
  const started: ServerProcess[] = [];
  try {
    const dealer = await startServer('dealer', ['dealer', '--listen', `${HOST}:0`, ...security('dealer')], echo);
    started.push(dealer);
    const dealerAt = `${dealer.host}:${dealer.port}`;
    const es1 = await startServer('es1', ['edge-server', '--party', '1', '--listen', `${HOST}:0`, '--dealer', dealerAt, ...security('es1'), '--bench'], echo);
    started.push(es1);
    const es0 = await startServer('es0', ['edge-server', '--party', '0', '--listen', `${HOST}:0`, '--peer', `${es1.host}:${es1.port}`, '--dealer', dealerAt, ...security('es0'), '--bench'], echo);
    started.push(es0);
    return {
      mode: keysDir ? 'tls-psk' : 'plaintext',
      dealer,
      es0,
      es1,
      servers: [
        { host: es0.host, port: es0.port },
        { host: es1.host, port: es1.port },
      ],
    };
  } catch (e) {
    for (const s of started.reverse()) await stopServer(s);
    throw e;
  }
}

/** Stop es0, es1, then the dealer; each one's exit status and its stderr lines. */
export async function stopDeployment(d: Deployment): Promise<Record<string, { exit: string; stderr: string[] }>> {
  const out: Record<string, { exit: string; stderr: string[] }> = {};
  for (const s of [d.es0, d.es1, d.dealer]) {
    const { code, signal } = await stopServer(s);
    out[s.role] = { exit: signal ? `signal ${signal}` : `code ${code}`, stderr: [...s.stderr] };
  }
  return out;
}

/** Resident memory of a process, MB (VmRSS of /proc/<pid>/status), or NaN if it cannot be read. */
export function rssMB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Bytes on the wire (TCP payload: frames and TLS records), both directions,
 * of the established TCP connections that process `pid` opened to each of
 * `remotePorts` on loopback, from the kernel's tcp_info (one `ss -tinp`
 * call): e.g. the link between es0 and es1 counted outside both servers.
 * Undefined for a port with no such connection.
 */
export function tcpLinkBytes(pid: number, remotePorts: readonly number[]): (number | undefined)[] {
  const filter = `( ${remotePorts.map((p) => `dport = :${p}`).join(' or ')} )`;
  const out = execFileSync('ss', ['-tniHp', 'state', 'established', filter], { encoding: 'utf8' });
  const found = new Map<number, number>();
  for (const socket of out.split(/\n(?=\S)/)) {
    if (!socket.includes(`pid=${pid},`)) continue;
    const port = Number(/^\S*\s+\S+\s+\S+\s+\S+:(\d+)\s/.exec(socket)?.[1]);
    const count = (name: string) => Number(new RegExp(`\\b${name}:(\\d+)`).exec(socket)?.[1] ?? 0);
    found.set(port, count('bytes_sent') + count('bytes_received'));
  }
  return remotePorts.map((p) => found.get(p));
}

/** CPU time (user + system) a process has used so far, s (/proc/<pid>/stat, at the kernel's 100 ticks/s), or NaN. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}
