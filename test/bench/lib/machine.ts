import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { REPO_ROOT } from '@wikicast/test/support';
import { commandOutput } from './proc.js';

export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  os: string;
  openFilesLimit: string;
  loadAverage: string;
  node: string;
  versions: Record<string, string>;
  gitCommit: string;
  gitDirty: boolean;
}

const require = createRequire(new URL('../../package.json', import.meta.url));

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    // Packages whose `exports` hide package.json (amqplib) are read from the test package's own node_modules.
    const path = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version : 'not installed';
  }
}

export async function machineInfo(redisVersion: string): Promise<MachineInfo> {
  let osName = 'unknown';
  try {
    osName = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? osName;
  } catch {
    /* not Linux */
  }
  const rabbit = await commandOutput('rabbitmqctl', ['version']);
  const status = await commandOutput('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--', 'services', 'packages']);
  return {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    os: osName,
    openFilesLimit: await commandOutput('bash', ['-c', 'ulimit -n']),
    loadAverage: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    node: process.version,
    versions: {
      'uWebSockets.js (@trufflesuite/uws-js-unofficial)': packageVersion('uWebSockets.js'),
      ws: packageVersion('ws'),
      'socket.io': packageVersion('socket.io'),
      '@socket.io/redis-adapter': packageVersion('@socket.io/redis-adapter'),
      '@socket.io/redis-emitter': packageVersion('@socket.io/redis-emitter'),
      'redis (node-redis)': packageVersion('redis'),
      amqplib: packageVersion('amqplib'),
      'hdr-histogram-js': packageVersion('hdr-histogram-js'),
      'Redis server': redisVersion,
      RabbitMQ: rabbit,
    },
    gitCommit: await commandOutput('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD']),
    gitDirty: status !== '' && status !== 'unknown',
  };
}

/** The first rows of a document's "Machine and versions" table, header included. */
export function machineRows(m: MachineInfo): string[] {
  return [
    '| | |',
    '|---|---|',
    `| date | ${m.date} |`,
    `| CPU | ${m.cpu}, ${m.cores} cores |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| kernel | ${m.kernel} |`,
    `| OS | ${m.os} |`,
    `| open files limit | ${m.openFilesLimit} per process |`,
  ];
}
