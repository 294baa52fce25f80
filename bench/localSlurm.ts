/**
 * A real single-node Slurm cluster for the integration tests and the bench
 * (bench/slurm.ts), from Debian's packages (`slurm-wlm`, `munge`; .ci/run
 * installs them where it can): munged, slurmctld and slurmd run as child
 * processes of the test or bench, in a fresh
 * temporary directory, on two free TCP ports, so test files never collide
 * with each other or with a system Slurm. Needs root (slurmd launches jobs
 * and munged/slurmctld run as SlurmUser=root); where it cannot run,
 * `startLocalSlurm` returns `{ skip }` with a one-line reason instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { onPath } from '../src/io/paths.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LocalSlurm {
  /** The cluster's temporary directory: slurm.conf, munge key, state, log/. */
  readonly dir: string;
  /** process.env (minus any outer Slurm job's SLURM_/SBATCH_… variables) plus SLURM_CONF. */
  readonly env: NodeJS.ProcessEnv;
  /** CPUs of the one node (and so how many 1-CPU tasks run at once). */
  readonly cpus: number;
  /** `sbatch --parsable …args` in `cwd` (default `dir/work`, so no slurm-*.out lands in the project); returns the job id. */
  sbatch(args: string[], cwd?: string): string;
  /** JobState of the job and of each of its array tasks (`scontrol show job -o`); a pending task range is one entry. */
  jobState(jobId: string): string[];
  /** Waits until every job and array task is in a final state; rejects on timeout with the states and the log's tail. */
  waitForJobs(jobIds: string[], timeoutMs: number): Promise<Record<string, string[]>>;
  /** Stops the daemons (cancelling any job left), removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

/** Job states after which nothing more happens to a job (squeue(1) "JOB STATE CODES"). */
export const FINAL_JOB_STATES: ReadonlySet<string> = new Set([
  'BOOT_FAIL',
  'CANCELLED',
  'COMPLETED',
  'DEADLINE',
  'FAILED',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'PREEMPTED',
  'REVOKED',
  'TIMEOUT',
]);

const PARTITION = 'glucosim';
const POLL_MS = 100;
const START_TIMEOUT_MS = 20_000;
const REQUIRED_COMMANDS = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'scontrol', 'sinfo', 'squeue', 'scancel'] as const;

export async function startLocalSlurm(options: { cpus?: number } = {}): Promise<LocalSlurm | { readonly skip: string }> {
  const uid = process.getuid?.();
  if (uid !== 0) return { skip: `not root (uid ${uid ?? 'unknown'}): munged, slurmctld and slurmd must run as root` };
  const missing = REQUIRED_COMMANDS.filter((c) => !onPath(c));
  if (missing.length > 0) return { skip: `not on PATH: ${missing.join(', ')} (apt-get install slurm-wlm munge)` };

  const cpus = options.cpus ?? availableParallelism();
  const host = hostname().split('.')[0];
  const [ctldPort, slurmdPort] = await freePorts(2);
  const dir = mkdtempSync(join(tmpdir(), 'glucosim-slurm-'));
  // mkdtemp makes it 0700; munge's socket inside must be reachable.
  chmodSync(dir, 0o755);
  for (const sub of ['log', 'state', 'spool', 'work']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'munge.key'), randomBytes(1024), { mode: 0o600 });
  // A no-op Epilog: with one, slurmd reports each job's end by an
  // epilog-complete message, on which slurmctld schedules at once instead of
  // at its next (1 s) background pass. Also silences the MailProg warning.
  writeFileSync(join(dir, 'noop.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const conf = join(dir, 'slurm.conf');
  writeFileSync(conf, slurmConf(dir, host, cpus, ctldPort, slurmdPort));
  const env = clusterEnv(conf);

  const children: ChildProcess[] = [];
  /** Set once the cluster answers: from then on, jobs may be running. */
  let up = false;
  // Also what the exit handler runs, so synchronous: SIGKILL, and no litter.
  const killAll = (): void => {
    // Jobs' processes (slurmstepd, the job's own) are not our children: a
    // stop mid-run (Ctrl-C in a bench) must end them through Slurm first.
    if (up && children.every(alive)) spawnSync('scancel', ['--partition', PARTITION, '--signal=KILL', '--full'], { env, timeout: 3_000 });
    for (const child of children) if (alive(child)) child.kill('SIGKILL');
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      // A daemon still writing as it dies; the directory is in tmpdir anyway.
    }
  };
  exitKillers.add(killAll);
  installExitHandlers();
  const giveUp = (skip: string): { readonly skip: string } => {
    killAll();
    forget(killAll);
    return { skip };
  };

  const munged = daemon(
    'munged',
    ['-F', '--force', '-S', join(dir, 'munge.sock'), `--key-file=${join(dir, 'munge.key')}`, `--log-file=${join(dir, 'log', 'munged.log')}`, `--pid-file=${join(dir, 'munged.pid')}`, `--seed-file=${join(dir, 'munged.seed')}`],
    dir,
    env,
  );
  children.push(munged);
  const mungeUp = await until(() => existsSync(join(dir, 'munge.sock')), [munged]);
  if (mungeUp !== true) return giveUp(`munged did not come up (${mungeUp}): ${tail(dir, 'munged')}`);

  const slurmctld = daemon('slurmctld', ['-D', '-f', conf], dir, env);
  // -N: the node's name in slurm.conf, whatever `hostname -s` says.
  const slurmd = daemon('slurmd', ['-D', '-f', conf, '-N', host], dir, env);
  children.push(slurmctld, slurmd);
  let lastSinfo = '';
  const idle = await until(() => {
    const r = spawnSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8', timeout: 5_000 });
    lastSinfo = r.status === 0 ? r.stdout.trim() : '';
    return lastSinfo === 'idle';
  }, [munged, slurmctld, slurmd]);
  if (idle !== true) {
    // No answer at all: slurmctld is the one down; an answer but not idle: slurmd.
    const which = lastSinfo === '' || !alive(slurmctld) ? 'slurmctld' : 'slurmd';
    return giveUp(`${which} did not come up (${idle}${lastSinfo ? `, sinfo says ${lastSinfo.replace(/\n/g, ',')}` : ''}): ${tail(dir, which)}`);
  }

  let stopping: Promise<void> | undefined;
  up = true;
  const cluster: LocalSlurm = {
    dir,
    env,
    cpus,
    sbatch(args, cwd = join(dir, 'work')) {
      const r = spawnSync('sbatch', ['--parsable', ...args], { cwd, env, encoding: 'utf8', timeout: 30_000 });
      if (r.status !== 0) throw new Error(`sbatch ${args.join(' ')} failed (${r.status ?? r.signal ?? r.error?.message}): ${r.stderr?.trim()}`);
      // --parsable prints "id" or "id;cluster".
      return r.stdout.trim().split(';')[0];
    },
    jobState(jobId) {
      const r = spawnSync('scontrol', ['show', 'job', '-o', jobId], { env, encoding: 'utf8', timeout: 10_000 });
      if (r.status !== 0) throw new Error(`scontrol show job ${jobId} failed (${r.status ?? r.signal ?? r.error?.message}): ${r.stderr?.trim()}`);
      return r.stdout
        .split('\n')
        .map((line) => /(?:^|\s)JobState=(\S+)/.exec(line)?.[1])
        .filter((s): s is string => s !== undefined);
    },
    async waitForJobs(jobIds, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = Object.fromEntries(jobIds.map((id) => [id, cluster.jobState(id)]));
        if (Object.values(states).every((s) => s.length > 0 && s.every((x) => FINAL_JOB_STATES.has(x)))) return states;
        if (Date.now() >= deadline) {
          const shown = Object.entries(states).map(([id, s]) => `${id}: ${s.join(',')}`).join('; ');
          throw new Error(`jobs not finished after ${timeoutMs} ms (${shown}); slurmctld.log ends:\n${tailLines(join(dir, 'log', 'slurmctld.log'), 20)}`);
        }
        await sleep(POLL_MS);
      }
    },
    stop() {
      stopping ??= (async () => {
        // Jobs left running (a failed test) would outlive slurmd: their
        // slurmstepd runs on its own. Cancel them first; KillWait is short.
        const queued = spawnSync('squeue', ['-h', '-o', '%i'], { env, encoding: 'utf8', timeout: 5_000 });
        if (queued.status === 0 && queued.stdout.trim() !== '') {
          spawnSync('scancel', ['--partition', PARTITION], { env, timeout: 5_000 });
          await until(() => spawnSync('squeue', ['-h', '-o', '%i'], { env, encoding: 'utf8', timeout: 5_000 }).stdout?.trim() === '', [], 5_000);
        }
        // Stops slurmctld and slurmd; munged is ours to stop, after them.
        spawnSync('scontrol', ['shutdown'], { env, timeout: 10_000 });
        await reap([slurmctld, slurmd], 5_000);
        munged.kill('SIGTERM');
        await reap([munged], 3_000);
        forget(killAll);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  return cluster;
}

function slurmConf(dir: string, host: string, cpus: number, ctldPort: number, slurmdPort: number): string {
  return `# Written by bench/localSlurm.ts for one test or bench cluster.
ClusterName=glucosimtest
SlurmctldHost=${host}(127.0.0.1)
SlurmctldPort=${ctldPort}
SlurmdPort=${slurmdPort}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${join(dir, 'munge.sock')}
StateSaveLocation=${join(dir, 'state')}
SlurmdSpoolDir=${join(dir, 'spool')}
SlurmctldPidFile=${join(dir, 'slurmctld.pid')}
SlurmdPidFile=${join(dir, 'slurmd.pid')}
SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}
SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
# Keep finished jobs an hour, so that their final state can still be read.
MinJobAge=3600
# Scancel'd (left-over) jobs get SIGKILL 2 s after SIGTERM, not 30 s.
KillWait=2
# Schedule pending jobs at every background pass (1 s), not every 3 s.
SchedulerParameters=batch_sched_delay=0
# See noop.sh in localSlurm.ts: job ends are scheduled on at once.
Epilog=${join(dir, 'noop.sh')}
MailProg=${join(dir, 'noop.sh')}
# The node has the CPUs given here, whatever the machine has.
SlurmdParameters=config_overrides
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} State=UNKNOWN
PartitionName=${PARTITION} Nodes=${host} Default=YES MaxTime=INFINITE State=UP
`;
}

/** The inherited environment without an outer Slurm job's settings (they would steer sbatch), plus SLURM_CONF. */
function clusterEnv(conf: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(SLURM|SBATCH|SALLOC|SRUN|SQUEUE|SINFO|SCONTROL|SCANCEL)_/.test(k)) env[k] = v;
  env.SLURM_CONF = conf;
  return env;
}

/** A daemon in the foreground, its stdout and stderr appended to log/<name>.out. */
function daemon(command: string, args: string[], dir: string, env: NodeJS.ProcessEnv): ChildProcess {
  const out = openSync(join(dir, 'log', `${command}.out`), 'a');
  try {
    const child = spawn(command, args, { cwd: dir, env, detached: false, stdio: ['ignore', out, out] });
    // A spawn error (it is on PATH, so rare) shows as the daemon not coming up.
    child.on('error', (err) => writeFileSync(join(dir, 'log', `${command}.out`), `spawn failed: ${err.message}\n`, { flag: 'a' }));
    return child;
  } finally {
    closeSync(out); // the child has its own copy
  }
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && child.pid !== undefined;
}

/** Polls `ready` every 100 ms: true, or why not (a watched daemon exited, or the timeout). */
async function until(ready: () => boolean, watched: ChildProcess[], timeoutMs = START_TIMEOUT_MS): Promise<true | string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (ready()) return true;
    const dead = watched.find((c) => !alive(c));
    if (dead) return `${dead.spawnfile} exited with ${dead.exitCode ?? dead.signalCode ?? 'a spawn error'}`;
    if (Date.now() >= deadline) return `not ready after ${timeoutMs / 1000} s`;
    await sleep(POLL_MS);
  }
}

/** Waits `graceMs` for the children to exit, then SIGTERMs, 3 s later SIGKILLs those left. */
async function reap(children: readonly ChildProcess[], graceMs: number): Promise<void> {
  for (const [wait, signal] of [[graceMs, 'SIGTERM'], [3_000, 'SIGKILL']] as const) {
    if (await exited(children, wait)) return;
    for (const c of children) if (alive(c)) c.kill(signal);
  }
  await exited(children, 1_000);
}

/** Whether every child has exited within `timeoutMs`. */
async function exited(children: readonly ChildProcess[], timeoutMs: number): Promise<boolean> {
  return (await until(() => children.every((c) => !alive(c)), [], timeoutMs)) === true;
}

/** The last lines of a daemon's log file and of its stdout/stderr, on one line. */
function tail(dir: string, daemonName: string): string {
  const text = [tailLines(join(dir, 'log', `${daemonName}.log`), 5), tailLines(join(dir, 'log', `${daemonName}.out`), 3)].filter((t) => t !== '').join(' | ');
  return text.replace(/\s*\n\s*/g, ' | ') || '(no log)';
}

function tailLines(path: string, n: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

/** `count` distinct free TCP ports on 127.0.0.1, chosen by the OS (all held open together, then released). */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/*
 * The one piece of module state: SIGKILL every live cluster's daemons if the
 * test process ends without stop() (an 'exit' handler must be synchronous).
 * SIGTERM/SIGHUP/SIGINT do not run 'exit' handlers, and vitest stops a worker
 * with SIGTERM, so those kill the daemons too, then re-raise the signal when
 * no one else handles it (its default action then ends the process).
 */
const exitKillers = new Set<() => void>();
const EXIT_SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;

function killEveryCluster(): void {
  for (const kill of exitKillers) kill();
}

function onExitSignal(signal: NodeJS.Signals): void {
  killEveryCluster();
  if (process.listenerCount(signal) === 1) {
    for (const s of EXIT_SIGNALS) process.off(s, onExitSignal);
    process.kill(process.pid, signal);
  }
}

function installExitHandlers(): void {
  if (process.listeners('exit').includes(killEveryCluster)) return;
  process.on('exit', killEveryCluster);
  for (const s of EXIT_SIGNALS) process.on(s, onExitSignal);
}

/** Drops a stopped cluster's killer, and the handlers with the last one. */
function forget(kill: () => void): void {
  exitKillers.delete(kill);
  if (exitKillers.size > 0) return;
  process.off('exit', killEveryCluster);
  for (const s of EXIT_SIGNALS) process.off(s, onExitSignal);
}
