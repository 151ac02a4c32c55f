// Child processes of the benchmark: started (pinned to cores with taskset where it exists), waited
// for, measured through /proc, and ended — in order at the end, and at once on Ctrl-C, on a failure
// or whatever way this process exits, so nothing is left running.
import { type ChildProcess, type StdioOptions, spawn, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createWriteStream, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Pinning {
  /** taskset is there and more than one core is allowed to us. */
  on: boolean;
  /** The cores of the server under test (gateway, proxy), e.g. "0". */
  serverCpus: string | null;
  /** The cores of everything else: load generator, upstream, this orchestrator. */
  sideCpus: string | null;
  note: string;
}

/** The cores this process may use (Cpus_allowed_list), e.g. [0, 1]. */
function allowedCpus(): number[] {
  try {
    const line = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
    const cpus: number[] = [];
    for (const part of line.split(',')) {
      const [a, b] = part.split('-').map(Number);
      if (a === undefined || Number.isNaN(a)) continue;
      for (let c = a; c <= (b ?? a); c++) cpus.push(c);
    }
    return cpus;
  } catch {
    return [];
  }
}

export function planPinning(disabled: boolean): Pinning {
  const cpus = allowedCpus();
  const taskset = spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
  if (disabled) return { on: false, serverCpus: null, sideCpus: null, note: 'off (--no-pin): the OS schedules every process on any core' };
  if (!taskset)
    return {
      on: false,
      serverCpus: null,
      sideCpus: null,
      note: 'off (taskset not found): every process runs on any core, so the server competes with the load generator and the upstream for CPU',
    };
  if (cpus.length < 2) return { on: false, serverCpus: null, sideCpus: null, note: `off (only ${cpus.length} core allowed): everything shares it` };
  const [server, ...side] = cpus;
  return {
    on: true,
    serverCpus: String(server),
    sideCpus: side.join(','),
    note: `on: server under test on core ${server}; load generator, upstream and orchestrator on core ${side.join(',')}`,
  };
}

/** Moves this process (every thread) to the side cores, away from the server under test. */
export function pinSelf(pinning: Pinning): void {
  if (pinning.on && pinning.sideCpus) spawnSync('taskset', ['-a', '-p', '-c', pinning.sideCpus, String(process.pid)], { stdio: 'ignore' });
}

export interface Child {
  name: string;
  pid: number;
  proc: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  /** The first lines it printed on stdout (start-up banners). */
  stdout: string[];
  /** The last lines it printed (stdout and stderr when piped), for error messages. */
  tail: string[];
  /** Where its stderr goes, when a file. */
  logFile: string | null;
  lines: EventEmitter;
}

const children = new Set<Child>();
const tempDirs = new Set<string>();

export interface SpawnOptions {
  args?: string[];
  /** Options of node itself, before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  env: Record<string, string>;
  /** Cores to pin it to (taskset -c), when pinning is on. */
  cpus: string | null;
  /** Where stderr goes: 'pipe' (kept in `tail`) or a file path. */
  stderr?: 'pipe' | string;
  /**
   * A file that also receives stdout (the gateway logs there): its first lines are still read (the
   * address), the rest is only copied, so a busy log costs this process no line parsing.
   */
  stdoutFile?: string;
  /** An IPC channel (the load generator). */
  ipc?: boolean;
}

/** Starts `node script …`, through `taskset -c` when pinned (taskset execs node: the pid is node's). */
export function spawnNode(name: string, script: string, options: SpawnOptions): Child {
  const nodeArgs = [...(options.nodeArgs ?? []), script, ...(options.args ?? [])];
  const [command, args] = options.cpus ? ['taskset', ['-c', options.cpus, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const stderr = options.stderr === undefined || options.stderr === 'pipe' ? 'pipe' : openSync(options.stderr, 'a');
  const stdio: StdioOptions = options.ipc ? ['ignore', 'pipe', stderr, 'ipc'] : ['ignore', 'pipe', stderr];
  const proc = spawn(command, args, { env: options.env, stdio });
  if (proc.pid === undefined) throw new Error(`could not start ${name}`);
  const tail: string[] = [];
  const stdout: string[] = [];
  const lines = new EventEmitter();
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
  };
  if (proc.stdout) {
    if (options.stdoutFile) proc.stdout.pipe(createWriteStream(options.stdoutFile, { flags: 'a' }));
    const reader = createInterface({ input: proc.stdout }).on('line', (line) => {
      keep(line);
      if (stdout.length < 500) stdout.push(line);
      else if (options.stdoutFile) {
        // Closing the reader pauses the stream: resumed, the pipe keeps flowing into the file.
        reader.close();
        proc.stdout!.resume();
      }
      lines.emit('line', line);
    });
  }
  if (proc.stderr) createInterface({ input: proc.stderr }).on('line', keep);
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const child: Child = { name, pid: proc.pid, proc, exited, stdout, tail, lines, logFile: options.stdoutFile ?? (typeof stderr === 'number' ? options.stderr! : null) };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

/** Waits until the child has printed a line matching `pattern` on stdout; fails if it exits or is silent too long. */
export function waitForLine(child: Child, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
  for (const line of child.stdout) {
    const match = pattern.exec(line);
    if (match) return Promise.resolve(match);
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`printed no line matching ${pattern} within ${timeoutMs} ms`), timeoutMs);
    const onLine = (line: string) => {
      const match = pattern.exec(line);
      if (match) finish(() => resolve(match));
    };
    const onExit = (code: number | null, signal: string | null) => fail(`exited (${code ?? signal}) before it was ready`);
    const finish = (then: () => void) => {
      clearTimeout(timer);
      child.lines.off('line', onLine);
      child.proc.off('exit', onExit);
      then();
    };
    // A moment for the last lines to be read, so the message shows why it stopped.
    const fail = (why: string) =>
      setTimeout(() => finish(() => reject(new Error(`${child.name} ${why}; its last output:\n    ${lastOutput(child).join('\n    ') || '(nothing)'}`))), 100);
    child.lines.on('line', onLine);
    child.proc.once('exit', onExit);
  });
}

/** What the child printed last, its log file included. */
export function lastOutput(child: Child): string[] {
  let logged: string[] = [];
  try {
    if (child.logFile) logged = readFileSync(child.logFile, 'utf8').trimEnd().split('\n').slice(-20);
  } catch {
    // no log
  }
  return [...child.tail, ...logged];
}

/** Ends one child: SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stop(child: Child, graceMs = 5_000): Promise<void> {
  if (!children.has(child)) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stop(c)));
}

/** A folder removed when this process exits. */
export function removeOnExit(dir: string): void {
  tempDirs.add(dir);
}

let keepTemp = false;
export function keepTempDirs(keep: boolean): void {
  keepTemp = keep;
}

function killAllNow(): void {
  for (const child of children) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
  if (!keepTemp) for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

/** Ends every child however this process ends: normally, on an uncaught failure, on SIGINT/SIGTERM/SIGHUP. */
export function installCleanup(): void {
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}: stopping every child process\n`);
      killAllNow();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`\nbench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    killAllNow();
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    process.stderr.write(`\nbench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    killAllNow();
    process.exit(1);
  });
}

// ---- /proc ----------------------------------------------------------------------------------

let clockTicks = 0;
/** Clock ticks per second of /proc/<pid>/stat (CLK_TCK, almost always 100). */
function ticksPerSecond(): number {
  if (clockTicks === 0) {
    const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    clockTicks = Number(out.stdout?.trim()) || 100;
  }
  return clockTicks;
}

/** CPU seconds (user + system) the process has used so far; NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return Number.NaN;
  }
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory now, in MB. */
export function rssMb(pid: number): number {
  return statusKb(pid, 'VmRSS') / 1024;
}

/** Peak resident memory since start or since resetPeakRss, in MB. */
export function peakRssMb(pid: number): number {
  return statusKb(pid, 'VmHWM') / 1024;
}

/** Resets the peak (VmHWM) to the current RSS (`5` to clear_refs); false where the kernel refuses. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The environment every child starts from: nothing of ours (no JIGUANG_/GATEWAY_/OTEL_ leaks in). */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TZ']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
