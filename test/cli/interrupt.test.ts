/**
 * A run stopped by SIGINT, SIGTERM or SIGKILL leaves nothing behind: real
 * child processes, stopped at points of a multi-patient run (start-up, after
 * the first patient, half-way, once every patient is simulated and the
 * report is being written) and at seeded random times. Afterwards (for
 * SIGKILL: after the next run in the same folder) no temporary directory
 * remains and a finished run beside it is byte for byte untouched.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { MACHINE_TAG } from '../../src/io/atomic.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, directorySnapshot, makeTempDir, randomisedJson, removeTempDirs, ROOT, runCli, writeScenario } from './helpers.js';

interface Stopped {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly stdout: string;
}

/**
 * Start `glucosim run` (or `command`), wait until `ready(stderr)` holds (or `delayMs` has
 * passed), send `signal`, and wait for the exit.
 */
function runAndStop(args: readonly string[], signal: NodeJS.Signals, when: { ready?: (stderr: string) => boolean; delayMs?: number }, command = 'run'): Promise<Stopped> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, command, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    let stdout = '';
    let sent = false;
    const send = () => {
      if (sent || child.exitCode !== null) return;
      sent = true;
      child.kill(signal);
    };
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (when.ready?.(stderr)) send();
    });
    if (when.delayMs !== undefined) setTimeout(send, when.delayMs);
    child.once('error', reject);
    child.once('exit', (code, sig) => resolve({ code, signal: sig, stderr, stdout }));
  });
}


const temporaries = (folder: string) => readdirSync(folder).filter((n) => n.startsWith('.'));
const patientsDone = (stderr: string) => Math.max(0, ...[...stderr.matchAll(/: (\d+)\/\d+ patients/g)].map((m) => Number(m[1])));
const COHORT = 'adult#001,adult#002,adolescent#001,child#001';

let parent: string;
let scenario: string;
let finished: Record<string, string>;

beforeAll(() => {
  const dir = makeTempDir('interrupt');
  // 120 days × 4 patients on 2 workers: long enough (~1 s of simulation) to be stopped half-way.
  const s = randomisedJson();
  s.days = 120;
  s.name = 'long';
  scenario = writeScenario(dir, 'long.json', s);
  parent = join(dir, 'results');
  mkdirSync(parent);
  const done = runCli(['run', scenario, '--cohort', 'adult#003', '--out', join(parent, 'finished'), '--quiet']);
  expect(done.status, done.stderr).toBe(0);
  finished = directorySnapshot(join(parent, 'finished'));
}, 60_000);

afterAll(removeTempDirs);

/** After any stop: only the finished run is in the folder, unchanged; the stopped run's directory does not exist. */
function expectNothingLeft(out: string): void {
  expect(readdirSync(parent)).toEqual(['finished']);
  expect(existsSync(out)).toBe(false);
  expect(directorySnapshot(join(parent, 'finished'))).toEqual(finished);
}

const POINTS: readonly { readonly name: string; readonly ready: (stderr: string) => boolean }[] = [
  { name: 'as soon as the run reports progress', ready: (e) => /patient-days/.test(e) },
  { name: 'after the first patient', ready: (e) => patientsDone(e) >= 1 },
  { name: 'half-way', ready: (e) => patientsDone(e) >= 2 },
];

describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s', (signal, exitCode) => {
  it.each(POINTS)('$name: exit status, one line, no temporary directory, the finished run untouched', async ({ ready }) => {
    const out = join(parent, `stopped-${signal}`);
    const r = await runAndStop([scenario, '--cohort', COHORT, '--out', out, '--workers', '2'], signal, { ready });
    expect(r.code, r.stderr).toBe(exitCode);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-1)).toBe(`glucosim: interrupted by ${signal}: the run was stopped and its temporary output removed; nothing was written`);
    expectNothingLeft(out);
  }, 60_000);

  /** Stopped and clean — or, when the signal came after the run had finished, whole and in place. */
  function expectStoppedOrWhole(r: Stopped, out: string, context: string): void {
    if (r.code === 0) {
      expect(existsSync(join(out, 'report.html')), context).toBe(true);
      expect(readdirSync(parent).sort()).toEqual(['finished', out.split('/').at(-1)]);
      rmSync(out, { recursive: true }); // for the next check
      return;
    }
    // Stopped during start-up, before glucosim handles signals (nothing written yet), the
    // process dies of the signal by default, which a shell reports with the same status.
    if (r.code === null) expect(r.signal, context).toBe(signal);
    else expect(r.code, `${context}: ${r.stderr}`).toBe(exitCode);
    expectNothingLeft(out);
  }

  it('once every patient is simulated, while the report is written', async () => {
    const out = join(parent, `report-${signal}`);
    const r = await runAndStop([scenario, '--cohort', COHORT, '--out', out, '--workers', '2'], signal, { ready: (e) => patientsDone(e) >= 4 });
    expectStoppedOrWhole(r, out, 'after the last patient');
  }, 60_000);

  it('at seeded random times from start-up to the end', async () => {
    const random = seedrandom(`interrupt-${signal}`);
    for (let k = 0; k < 3; k++) {
      const out = join(parent, `random-${signal}-${k}`);
      const delayMs = Math.round(100 + random() * 1500);
      const r = await runAndStop([scenario, '--cohort', COHORT, '--out', out, '--workers', '2', '--quiet'], signal, { delayMs });
      expectStoppedOrWhole(r, out, `delay ${delayMs} ms`);
    }
  }, 120_000);
});

describe('one Ctrl-C delivered twice', () => {
  it('(npx forwards SIGINT as the terminal sends it to the group) is one stop: exit 130, the clean line, nothing left', async () => {
    const out = join(parent, 'twice');
    const child = spawn(process.execPath, [CLI, 'run', scenario, '--cohort', COHORT, '--out', out, '--workers', '2'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && patientsDone(stderr) >= 1) {
        sent = true;
        child.kill('SIGINT');
        setTimeout(() => child.kill('SIGINT'), 5);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code, stderr).toBe(130);
    expect(stderr.trim().split('\n').at(-1)).toBe('glucosim: interrupted by SIGINT: the run was stopped and its temporary output removed; nothing was written');
    expectNothingLeft(out);
  }, 60_000);
});

describe('an experiment', () => {
  it('SIGINT after its first job: exit 130, one line, nothing left', async () => {
    const out = join(parent, 'experiment');
    const file = join(ROOT, 'experiments', 'ac-initialisation.json');
    const r = await runAndStop([file, '--cohort', 'adults', '--seeds', '1', '--out', out, '--workers', '2'], 'SIGINT', { ready: (e) => patientsDone(e) >= 1 }, 'experiment');
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr.trim().split('\n').at(-1)).toBe('glucosim: interrupted by SIGINT: the experiment was stopped and its temporary output removed; nothing was written');
    expectNothingLeft(out);
  }, 60_000);
});

describe('SIGKILL', () => {
  it('leaves a temporary directory that no cleanup could remove; the next run in the folder removes it and says so', async () => {
    const out = join(parent, 'killed');
    const r = await runAndStop([scenario, '--cohort', COHORT, '--out', out, '--workers', '2'], 'SIGKILL', { ready: (e) => patientsDone(e) >= 1 });
    expect(r.signal).toBe('SIGKILL');
    const left = temporaries(parent);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^\.killed\.tmp-\d+-[0-9a-f]{8}-[0-9a-f]{8}$/);
    const next = runCli(['run', scenario, '--cohort', 'adult#001', '--out', join(parent, 'next'), '--quiet']);
    expect(next.status, next.stderr).toBe(0);
    expect(next.stderr).toBe(`glucosim: removed the temporary output ${join(parent, left[0])}, left by process ${/tmp-(\d+)-/.exec(left[0])![1]}, which is gone (an interrupted run)\n`);
    expect(readdirSync(parent).sort()).toEqual(['finished', 'next']);
    expect(directorySnapshot(join(parent, 'finished'))).toEqual(finished);
    rmSync(join(parent, 'next'), { recursive: true });
  }, 60_000);

  it('a run never removes the temporary output of a process that still runs, or of another machine', () => {
    const host = MACHINE_TAG;
    const otherHost = host === '00000000' ? '11111111' : '00000000';
    // This test's own process is alive; a pid above the kernel's pid_max cannot be.
    const alive = `.busy.tmp-${process.pid}-0123abcd-${host}`;
    const elsewhere = `.remote.tmp-999999999-0123abcd-${otherHost}`;
    const gone = `.gone.tmp-999999999-0123abcd-${host}`;
    for (const name of [alive, elsewhere, gone]) {
      mkdirSync(join(parent, name));
      writeFileSync(join(parent, name, 'partial.csv'), 'minute\n0\n');
    }
    const next = runCli(['run', scenario, '--cohort', 'adult#001', '--out', join(parent, 'next'), '--quiet']);
    expect(next.status, next.stderr).toBe(0);
    expect(next.stderr).toContain(`removed the temporary output ${join(parent, gone)}`);
    expect(temporaries(parent).sort()).toEqual([alive, elsewhere].sort());
    expect(directorySnapshot(join(parent, 'finished'))).toEqual(finished);
    for (const name of [alive, elsewhere, 'next']) rmSync(join(parent, name), { recursive: true });
  }, 60_000);
});
