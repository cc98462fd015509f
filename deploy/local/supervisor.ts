/**
 * Keeps the local cluster's processes running as a process supervisor would: a process that
 * dies is started again after a backoff, with a line saying so, and the others keep serving
 * meanwhile (HAProxy's health checks take a dead edge out of rotation). A process that keeps
 * dying soon after each start is given up on: a restart will not fix what is wrong with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  logPath: string;
}

export interface RestartPolicy {
  /** Delay before the first restart; it doubles with each quick death in a row. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A process that ran at least this long before dying starts the count afresh. */
  healthyAfterMs: number;
  /** Quick deaths in a row after which the process is given up on. */
  maxQuickDeaths: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialDelayMs: 1_000, maxDelayMs: 30_000, healthyAfterMs: 30_000, maxQuickDeaths: 5 };

export interface SupervisorEvents {
  /** One line for the operator's terminal (the log file gets it too). */
  say: (line: string) => void;
  /** The process was given up on; the cluster decides what follows. */
  gaveUp: (name: string) => void;
}

function exitDescription(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? signal : `code ${code}`;
}

export class SupervisedProcess {
  private child: ChildProcess | null = null;
  private readonly log: WriteStream;
  private startedAt = 0;
  private quickDeaths = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;

  constructor(
    readonly spec: ProcessSpec,
    private readonly events: SupervisorEvents,
    private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY,
  ) {
    this.log = createWriteStream(spec.logPath, { flags: 'a' });
  }

  get name(): string {
    return this.spec.name;
  }

  /** The running process's id, or null while it is down. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== null;
  }

  start(): void {
    const child = spawn(this.spec.command, this.spec.args, { cwd: this.spec.cwd, env: { ...process.env, ...this.spec.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.startedAt = Date.now();
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    child.once('error', (err) => this.say(`${this.name} could not be started: ${err.message}`));
    child.once('exit', (code, signal) => this.exited(code, signal));
  }

  /** SIGTERM, then SIGKILL after `graceMs`; no restart follows. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    const child = this.child;
    if (child !== null && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    }
    this.log.end();
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.child = null;
    if (this.stopping) return;
    const ranMs = Date.now() - this.startedAt;
    this.quickDeaths = ranMs >= this.policy.healthyAfterMs ? 1 : this.quickDeaths + 1;
    const how = exitDescription(code, signal);
    if (this.quickDeaths > this.policy.maxQuickDeaths) {
      this.say(`${this.name} exited (${how}) ${this.policy.maxQuickDeaths + 1} times in a row within ${this.policy.healthyAfterMs / 1000} s of starting; giving up on it. See ${this.spec.logPath}`);
      this.events.gaveUp(this.name);
      return;
    }
    const delay = Math.min(this.policy.initialDelayMs * 2 ** (this.quickDeaths - 1), this.policy.maxDelayMs);
    this.say(`${this.name} exited (${how}) after ${(ranMs / 1000).toFixed(1)} s; restarting it in ${delay / 1000} s. See ${this.spec.logPath}`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.start();
      this.say(`${this.name} restarted (pid ${this.pid})`);
    }, delay);
  }

  private say(line: string): void {
    this.log.write(`[cluster] ${new Date().toISOString()} ${line}\n`);
    this.events.say(line);
  }
}
