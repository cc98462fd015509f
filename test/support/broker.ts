import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import amqp, { type ChannelModel, type ConsumeMessage } from 'amqplib';
import { declareTopology, deleteTopology, topologyNames, type TopologyNames } from '@wikicast/service-runtime';

const run = promisify(execFile);

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A prefix no other test run uses, so tests can share one broker. */
export function uniquePrefix(label: string): string {
  return `wikicast-test-${label}-${randomBytes(4).toString('hex')}`;
}

export interface TestTopology {
  prefix: string;
  names: TopologyNames;
  connection: ChannelModel;
  /** Every message in the log stream, from the first, as parsed JSON with its offset. */
  readLog: (options?: { expect?: number; timeoutMs?: number }) => Promise<LogEntry[]>;
  /** Deletes the topology and closes the test's own connection. */
  cleanup: () => Promise<void>;
}

export interface LogEntry {
  offset: number;
  event: Record<string, unknown>;
}

/**
 * Retention of test streams. RabbitMQ refuses to re-declare a stream with other arguments, so
 * services started by `startService` are given the same (WIKICAST_STREAM_MAX_AGE/_BYTES).
 */
export const TEST_STREAM_RETENTION = { maxAge: '1h', maxLengthBytes: 100 * 1024 ** 2 } as const;
/** The services' default replica count, which a single node caps at one. */
const TEST_STREAM_REPLICAS = 3;

/**
 * Declares a fresh topology under a unique prefix, as the services would, and returns its cleanup.
 * `amqpUrl` is one node's URL (default: the machine's node).
 */
export async function setupTopology(label: string, amqpUrl: string = AMQP_URL): Promise<TestTopology> {
  const prefix = uniquePrefix(label);
  const names = topologyNames(prefix);
  const connection = await amqp.connect(amqpUrl, { noDelay: true, clientProperties: { connection_name: `${prefix}-test` } });
  await declareTopology(connection, names, { ...TEST_STREAM_RETENTION, replicas: TEST_STREAM_REPLICAS });
  return {
    prefix,
    names,
    connection,
    readLog: (options) => readLog(connection, names.log, options),
    cleanup: async () => {
      const ch = await connection.createChannel();
      await deleteTopology(ch, names);
      await ch.close();
      await connection.close();
    },
  };
}

/**
 * Reads the stream from its first message. With `expect`, waits until that many arrived (or the
 * timeout passed); without, returns once the stream has been quiet for a moment.
 */
async function readLog(connection: ChannelModel, queue: string, options: { expect?: number; timeoutMs?: number } = {}): Promise<LogEntry[]> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const quietMs = 300;
  const channel = await connection.createChannel();
  await channel.prefetch(1000);
  const entries: LogEntry[] = [];
  let last = Date.now();
  const { consumerTag } = await channel.consume(
    queue,
    (message: ConsumeMessage | null) => {
      if (message === null) return;
      const offset = Number(message.properties.headers?.['x-stream-offset']);
      entries.push({ offset, event: JSON.parse(message.content.toString('utf8')) as Record<string, unknown> });
      last = Date.now();
      channel.ack(message);
    },
    { noAck: false, arguments: { 'x-stream-offset': 'first' } },
  );
  const started = Date.now();
  for (;;) {
    const now = Date.now();
    if (options.expect !== undefined && entries.length >= options.expect) break;
    if (options.expect === undefined && now - last >= quietMs && now - started >= quietMs) break;
    if (now - started > timeoutMs) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await channel.cancel(consumerTag);
  await channel.close();
  return entries;
}

/** Closes, from the broker side, every connection whose client named itself with this prefix. */
export async function closeConnectionsNamed(namePrefix: string, reason = 'closed by test'): Promise<number> {
  const { stdout } = await run('rabbitmqctl', ['list_connections', 'name', 'client_properties', '--formatter', 'json', '-q']);
  // A connection still opening (or of another protocol) lists no properties: not an array then.
  const rows = JSON.parse(stdout) as Array<{ name: string; client_properties: Array<[string, string, unknown]> | unknown }>;
  const names = new Set(
    rows
      .filter((row) => Array.isArray(row.client_properties) && (row.client_properties as Array<[string, string, unknown]>).some(([key, , value]) => key === 'connection_name' && typeof value === 'string' && value.startsWith(namePrefix)))
      .map((row) => row.name),
  );
  // The JSON formatter prints pids as `#PID<12576.1.2>`, numbered for the CLI's own node, which
  // close_connection cannot parse; the table prints `<rabbit@host.1.2.3>`, which it can.
  const { stdout: table } = await run('rabbitmqctl', ['list_connections', 'pid', 'name', '-q', '--no-table-headers']);
  const pids = table
    .split('\n')
    .map((line) => line.split('\t'))
    .filter(([pid, name]) => pid !== undefined && name !== undefined && names.has(name))
    .map(([pid]) => pid!);
  for (const pid of pids) await run('rabbitmqctl', ['close_connection', pid, reason]);
  return pids.length;
}
