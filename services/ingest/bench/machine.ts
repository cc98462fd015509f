import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Machine {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  kernel: string;
  node: string;
  rabbitmq: string;
  packages: Record<string, string>;
  commit: string;
}

async function output(command: string, args: string[]): Promise<string> {
  try {
    return (await run(command, args)).stdout.trim();
  } catch (err) {
    return `unknown (${(err as Error).message.split('\n')[0]})`;
  }
}

/** Read from the service's own node_modules: some packages do not export their package.json. */
function packageVersion(name: string): string {
  const path = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/** What a reader needs to compare figures: the machine, the versions, the commit. */
export async function describeMachine(): Promise<Machine> {
  const osRelease = readFileSync('/etc/os-release', 'utf8');
  return {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: /PRETTY_NAME="([^"]+)"/.exec(osRelease)?.[1] ?? 'unknown',
    kernel: os.release(),
    node: process.version,
    rabbitmq: await output('rabbitmqctl', ['version']),
    packages: {
      amqplib: packageVersion('amqplib'),
      'uWebSockets.js': packageVersion('uWebSockets.js'),
      pino: packageVersion('pino'),
      uuid: packageVersion('uuid'),
    },
    commit: await output('git', ['rev-parse', '--short', 'HEAD']),
  };
}

/** CPU seconds a process has used so far (Linux /proc), for utilisation over a phase. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}
