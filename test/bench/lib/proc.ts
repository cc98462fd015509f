import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** USER_HZ: Linux reports utime/stime in these ticks (100 on every mainstream kernel). */
const CLOCK_TICKS = 100;

/** CPU seconds (user + system, all threads) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

export function totalCpuSeconds(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

/** Resident set size in bytes, from /proc/<pid>/status (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

export interface ServerProcess {
  name: string;
  pid: number;
  port: number;
  child: ChildProcess;
  stop: () => Promise<void>;
}

/**
 * Starts a TypeScript program as its own Node process (as the services run: `--import tsx`) on
 * port 0 and resolves once it prints `{"msg":"listening","port":N}`.
 */
export function startProgram(name: string, file: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--conditions=wikicast-source', '--import', 'tsx', file], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr.push(chunk);
    if (stderr.length > 50) stderr.shift();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start in 20 s\n${stderr.join('')}`));
    }, 20_000);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before listening\n${stderr.join('')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: { msg?: unknown; port?: unknown };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.msg === 'listening' && typeof entry.port === 'number') {
        clearTimeout(timer);
        resolve({
          name,
          pid: child.pid!,
          port: entry.port,
          child,
          stop: async () => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill('SIGTERM');
            const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
            await exited;
            clearTimeout(killer);
          },
        });
      }
    });
  });
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Redis on 127.0.0.1:6379, started (no persistence) when it is not running. Returns its pid. */
export async function ensureRedis(): Promise<{ pid: number; version: string; startedByUs: boolean }> {
  let startedByUs = false;
  if (!(await portOpen(6379))) {
    await run('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no']);
    startedByUs = true;
    for (let i = 0; i < 50 && !(await portOpen(6379)); i++) await new Promise((r) => setTimeout(r, 100));
  }
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'INFO', 'server']);
  const pid = Number(/process_id:(\d+)/.exec(stdout)?.[1]);
  const version = /redis_version:([^\r\n]+)/.exec(stdout)?.[1] ?? 'unknown';
  return { pid, version, startedByUs };
}

/** The RabbitMQ node's Erlang VM process (beam.smp), for its CPU; null when it cannot be found. */
export async function rabbitPid(): Promise<number | null> {
  try {
    const { stdout } = await run('rabbitmqctl', ['eval', 'list_to_integer(os:getpid()).']);
    const pid = Number(stdout.trim());
    return Number.isFinite(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export async function commandOutput(file: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(file, args);
    return stdout.trim();
  } catch {
    return 'unknown';
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Busy CPU seconds of the whole machine so far (all cores; /proc/stat, everything but idle and iowait). */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return (total - idle) / CLOCK_TICKS;
}

/**
 * Waits (at most `maxMs`) until the machine has been nearly idle for a second: the benchmark's
 * own processes are idle between runs, so what is busy then is someone else. Returns the ms waited.
 */
export async function waitForQuiet(maxMs: number, busyPercent = 30): Promise<number> {
  const started = Date.now();
  for (;;) {
    const before = machineBusySeconds();
    await sleep(1000);
    const busy = (machineBusySeconds() - before) * 100;
    if (busy < busyPercent || Date.now() - started >= maxMs) return Date.now() - started;
  }
}

/**
 * Microseconds during which at least one runnable task waited for a CPU (Linux PSI,
 * /proc/pressure/cpu "some total"); null where the kernel does not report it.
 */
export function cpuPressureMicros(): number | null {
  try {
    const match = /some .*total=(\d+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
