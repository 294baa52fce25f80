/**
 * A run stopped by SIGINT, SIGTERM or SIGKILL leaves nothing behind: real
 * child processes, stopped at points of a multi-patient run (start-up, after
 * the first patient, half-way, once every patient is simulated and the
 * report is being written) and at seeded random times. Afterwards (for
 * SIGKILL: after the next run in the same folder) no temporary directory
 * remains and a finished run beside it is byte for byte untouched.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import seedrandom from 'seedrandom';
import { signalAction } from '../../src/cli/interrupt.js';
import { MACHINE_TAG } from '../../src/io/atomic.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, directorySnapshot, makeTempDir, randomisedJson, removeTempDirs, ROOT, runCli, writeScenario } from './helpers.js';

interface Stopped {
  /** Whether the signal was sent (the point was reached while the process ran). */
  readonly sent: boolean;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly stdout: string;
}

/**
 * Start `glucosim run` (or `command`), wait until `ready(stderr)` holds (or
 * `delayMs` has passed), send `signal` (and, with `repeatAfterMs`, once more
 * that much later), and wait for the exit.
 */
function runAndStop(
  args: readonly string[],
  signal: NodeJS.Signals,
  when: { ready?: (stderr: string) => boolean; delayMs?: number; repeatAfterMs?: number },
  command = 'run',
): Promise<Stopped> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, command, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    let stdout = '';
    let sent = false;
    const send = () => {
      if (sent || child.exitCode !== null) return;
      sent = true;
      child.kill(signal);
      if (when.repeatAfterMs !== undefined) setTimeout(() => child.exitCode === null && child.kill(signal), when.repeatAfterMs);
    };
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (when.ready?.(stderr)) send();
    });
    if (when.delayMs !== undefined) setTimeout(send, when.delayMs);
    child.once('error', reject);
    child.once('exit', (code, sig) => resolve({ sent, code, signal: sig, stderr, stdout }));
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
// A failing test must not fail the next ones: the folder holds only the finished run again.
afterEach(() => {
  for (const name of readdirSync(parent)) if (name !== 'finished') rmSync(join(parent, name), { recursive: true, force: true });
});

/** The stop line is the last; every line before it is a progress line. */
function expectStopLine(stderr: string, line: string): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines.at(-1)).toBe(line);
  for (const l of lines.slice(0, -1)) expect(l).toMatch(/^(run|experiment) [^:]+: (\d+\/\d+ patients, |seeds |exclusion )/);
}

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
    expect(r.sent).toBe(true);
    expect(r.code, r.stderr).toBe(exitCode);
    expect(r.stdout).toBe('');
    expectStopLine(r.stderr, `glucosim: interrupted by ${signal}: the run was stopped and its temporary output removed; nothing was written`);
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

  it('once every patient is simulated (the report being written): stopped and clean, or too late and whole', async () => {
    const out = join(parent, `report-${signal}`);
    const r = await runAndStop([scenario, '--cohort', COHORT, '--out', out, '--workers', '2'], signal, { ready: (e) => patientsDone(e) >= 4 });
    expect(r.sent).toBe(true);
    expectStoppedOrWhole(r, out, 'after the last patient');
  }, 60_000);

  it('at seeded random times from start-up to the end: each stopped and clean, or too late and whole; most stopped', async () => {
    const random = seedrandom(`interrupt-${signal}`);
    let stopped = 0;
    for (let k = 0; k < 3; k++) {
      const out = join(parent, `random-${signal}-${k}`);
      // Within the first ~1.6 s of a run that takes several: most land during the simulation.
      const delayMs = Math.round(100 + random() * 1500);
      const r = await runAndStop([scenario, '--cohort', COHORT, '--out', out, '--workers', '2', '--quiet'], signal, { delayMs });
      expect(r.sent, `delay ${delayMs} ms`).toBe(true);
      if (r.code !== 0) stopped++;
      expectStoppedOrWhole(r, out, `delay ${delayMs} ms`);
    }
    expect(stopped).toBeGreaterThanOrEqual(2);
  }, 120_000);
});

describe('a signal while the last, synchronous part is written (the report)', () => {
  it('is seen before the rename: exit 130, nothing in place (a child that signals itself mid-report)', () => {
    const dir = makeTempDir('report-stop');
    const out = join(dir, 'run');
    const script = join(dir, 'stop-in-report.mjs');
    const dist = (path: string) => pathToFileURL(join(ROOT, 'dist', 'src', path)).href;
    writeFileSync(
      script,
      [
        `import { writeFileSync } from 'node:fs';`,
        `import { join } from 'node:path';
import { pathToFileURL } from 'node:url';`,
        `import { interruptible } from '${dist('cli/interrupt.js')}';`,
        `import { buildDirectoryAtomic } from '${dist('io/atomic.js')}';`,
        `try {`,
        `  await interruptible('the run', (signal) => buildDirectoryAtomic(process.argv[2], async (tmp) => {`,
        `    await new Promise((r) => setTimeout(r, 20)); // the simulation (asynchronous)`,
        `    process.kill(process.pid, 'SIGINT'); // Ctrl-C now…`,
        `    const end = Date.now() + 300; while (Date.now() < end); // …while the report is written synchronously`,
        `    writeFileSync(join(tmp, 'report.html'), 'whole');`,
        `  }, signal));`,
        `  process.stdout.write('in place\\n');`,
        `} catch (err) {`,
        `  process.stdout.write(err.name + '\\n');`,
        `  process.exit(err.exitCode ?? 1);`,
        `}`,
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, [script, out], { encoding: 'utf8' });
    expect(r.stdout).toBe('InterruptedError\n');
    expect(r.status).toBe(130);
    expect(readdirSync(dir)).toEqual(['stop-in-report.mjs']);
  });
});

describe('the stop policy', () => {
  it('first signal stops; a repeat within a second is the same stop; a later one exits at once; after the end, only the exit is made sure of', () => {
    expect(signalAction(undefined, 5_000, false)).toBe('stop');
    expect(signalAction(5_000, 5_005, false)).toBe('same stop');
    expect(signalAction(5_000, 5_999, false)).toBe('same stop');
    expect(signalAction(5_000, 6_000, false)).toBe('exit now');
    expect(signalAction(undefined, 5_000, true)).toBe('finished');
    expect(signalAction(5_000, 9_000, true)).toBe('finished');
  });
});

describe('one Ctrl-C delivered twice', () => {
  it('(npx forwards SIGINT as the terminal sends it to the group) 5 ms apart: exit 130, the clean line, nothing left', async () => {
    const out = join(parent, 'twice');
    const r = await runAndStop([scenario, '--cohort', COHORT, '--out', out, '--workers', '2'], 'SIGINT', { ready: (e) => patientsDone(e) >= 1, repeatAfterMs: 5 });
    expect(r.sent).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stdout).toBe('');
    expectStopLine(r.stderr, 'glucosim: interrupted by SIGINT: the run was stopped and its temporary output removed; nothing was written');
    expectNothingLeft(out);
  }, 60_000);
});

describe('an experiment', () => {
  it('SIGINT after its first job: exit 130, one line, nothing left', async () => {
    const out = join(parent, 'experiment');
    const file = join(ROOT, 'experiments', 'ac-initialisation.json');
    const r = await runAndStop([file, '--cohort', 'adults', '--seeds', '1', '--out', out, '--workers', '2'], 'SIGINT', { ready: (e) => patientsDone(e) >= 1 }, 'experiment');
    expect(r.sent).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    expectStopLine(r.stderr, 'glucosim: interrupted by SIGINT: the experiment was stopped and its temporary output removed; nothing was written');
    expectNothingLeft(out);
  }, 60_000);
});

describe('SIGKILL', () => {
  it('leaves a temporary directory that no cleanup could remove; the next run in the folder removes it and says so', async () => {
    const out = join(parent, 'killed');
    const r = await runAndStop([scenario, '--cohort', COHORT, '--out', out, '--workers', '2'], 'SIGKILL', { ready: (e) => patientsDone(e) >= 1 });
    expect(r.sent).toBe(true);
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
