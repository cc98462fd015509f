/**
 * Presence at scale (issue 18): 10,000 members on 1,000 topics over two edges, and 10,000 on one
 * topic. Measures what presence costs: messages and bytes between the edges, frames to the
 * members, edge memory, how long it takes every edge to know every member, and a churn of joins
 * and leaves. Writes docs/benchmarks/presence.md.
 *
 *   node --conditions=wikicast-source --import tsx test/bench/presence.ts [--members 10000] [--topics 1000] [--out FILE]
 *
 * Members are raw WebSocket connections (lib/raw-ws.ts) with named tokens, half on each edge, in
 * one load-generator process per edge (this file, forked with `--worker`), each from source
 * addresses of its own. Every connection first subscribes without presence (the baseline), then
 * joins presence: the difference is presence's own memory.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { metricValue, REPO_ROOT, signToken, startServiceWorld, testWiki, waitFor, type ServiceProcess, type ServiceWorld } from '@wikicast/test/support';
import { RawWs } from './lib/raw-ws.js';
import { rssBytes, sleep } from './lib/proc.js';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '10000' },
    topics: { type: 'string', default: '1000' },
    out: { type: 'string', default: join(REPO_ROOT, 'docs', 'benchmarks', 'presence.md') },
    worker: { type: 'boolean', default: false },
  },
});

/** What the parent tells a worker, and what a worker answers. */
type Command = { type: 'open'; port: number; tokens: string[]; topics: string[]; addresses: string[] } | { type: 'join' } | { type: 'churn'; share: number } | { type: 'count' } | { type: 'close' };
interface Counts {
  open: number;
  frames: Record<string, number>;
  bytes: number;
}
type Reply = { type: 'opened' | 'sent' | 'churned' | 'counts' | 'closed'; counts: Counts };

const WIKI = testWiki('presencebench', { public: true });


/** A load generator: its share of the members, on one edge. */
function runWorker(): void {
  const sockets: RawWs[] = [];
  const counts: Counts = { open: 0, frames: {}, bytes: 0 };
  let config: Extract<Command, { type: 'open' }> | null = null;
  const reply = (type: Reply['type']): void => void process.send!({ type, counts } satisfies Reply);
  const connect = (i: number): Promise<RawWs> =>
    new Promise((resolve, reject) => {
      const c = config!;
      const ws = new RawWs(
        { host: '127.0.0.1', port: c.port, path: `/v1/ws?token=${c.tokens[i]}`, localAddress: c.addresses[i % c.addresses.length] },
        {
          open: () => undefined,
          message: (_ws, payload) => {
            counts.bytes += payload.length;
            const op = /"op":"([a-z]+)"/.exec(payload.toString('latin1', 0, 40))?.[1] ?? '?';
            counts.frames[op] = (counts.frames[op] ?? 0) + 1;
            if (op === 'welcome') {
              counts.open++;
              ws.send(JSON.stringify({ op: 'subscribe', topics: [c.topics[i]] }));
              resolve(ws);
            }
          },
          close: (_ws, code, error) => reject(error ?? new Error(`closed ${code}`)),
        },
      );
      sockets[i] = ws;
    });
  process.on('message', async (raw) => {
    const command = raw as Command;
    if (command.type === 'open') {
      config = command;
      for (let i = 0; i < command.tokens.length; i += 200) {
        await Promise.all(command.tokens.slice(i, i + 200).map((_t, k) => connect(i + k)));
      }
      reply('opened');
    } else if (command.type === 'join') {
      sockets.forEach((ws, i) => ws.send(JSON.stringify({ op: 'subscribe', topics: [config!.topics[i]], presence: true })));
      reply('sent');
    } else if (command.type === 'churn') {
      const n = Math.floor(sockets.length * command.share);
      for (let i = 0; i < n; i++) sockets[i]!.destroy();
      counts.open -= n;
      for (let i = 0; i < n; i++) {
        const ws = await connect(i);
        ws.send(JSON.stringify({ op: 'subscribe', topics: [config!.topics[i]], presence: true }));
      }
      reply('churned');
    } else if (command.type === 'count') {
      reply('counts');
    } else {
      for (const ws of sockets) ws.destroy();
      reply('closed');
      process.exit(0);
    }
  });
}

class Worker {
  readonly child: ChildProcess;
  last: Counts = { open: 0, frames: {}, bytes: 0 };
  #waiting: ((reply: Reply) => void) | null = null;

  constructor() {
    this.child = fork(fileURLToPath(import.meta.url), ['--worker'], { execArgv: ['--conditions=wikicast-source', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (raw) => {
      const message = raw as Reply;
      this.last = message.counts;
      this.#waiting?.(message);
    });
  }

  ask(command: Command): Promise<Reply> {
    return new Promise((resolve) => {
      this.#waiting = resolve;
      this.child.send(command);
    });
  }
}

interface EdgeFigures {
  messagesOut: number;
  messagesIn: number;
  bytesOut: number;
  bytesIn: number;
  rss: number;
  heap: number;
}

async function edgeFigures(edge: ServiceProcess): Promise<EdgeFigures> {
  return {
    messagesOut: await metricValue(edge, 'wikicast_edge_presence_messages_total', { direction: 'out' }),
    messagesIn: await metricValue(edge, 'wikicast_edge_presence_messages_total', { direction: 'in' }),
    bytesOut: await metricValue(edge, 'wikicast_edge_presence_bytes_total', { direction: 'out' }),
    bytesIn: await metricValue(edge, 'wikicast_edge_presence_bytes_total', { direction: 'in' }),
    rss: rssBytes(edge.child.pid!),
    heap: await metricValue(edge, 'wikicast_nodejs_heap_size_used_bytes'),
  };
}

const sum = (figures: EdgeFigures[], key: keyof EdgeFigures): number => figures.reduce((total, f) => total + f[key], 0);
const framesOf = (workers: Worker[], op: string): number => workers.reduce((total, w) => total + (w.last.frames[op] ?? 0), 0);

interface Scenario {
  label: string;
  members: number;
  topics: number;
  knownAllS: number;
  messages: number;
  bytes: number;
  joinFrames: number;
  summaryFrames: number;
  frameBytesPerMember: number;
  heapPerMemberB: number;
  rssPerMemberB: number;
  idleMessagesPerS: number;
  churn: { changes: number; messages: number; leaveFrames: number; seconds: number } | null;
}

async function scenario(world: ServiceWorld, label: string, members: number, topicCount: number, withChurn: boolean): Promise<Scenario> {
  const wiki = WIKI;
  const edges = world.edges;
  const half = members / edges.length;
  const workers = edges.map(() => new Worker());
  const before = await Promise.all(edges.map(edgeFigures));
  const clusterBefore = await metricValue(edges[0]!, 'wikicast_edge_presence_members', { scope: 'cluster' });
  await Promise.all(
    workers.map(async (worker, w) => {
      const tokens: string[] = [];
      const topics: string[] = [];
      for (let i = 0; i < half; i++) {
        const n = w * half + i;
        tokens.push(await signToken(wiki, { sub: `Member${n}`, ttlS: 3600 }));
        topics.push(`${label}:${n % topicCount}`);
      }
      const addresses = [0, 1, 2, 3].map((a) => `127.0.0.${2 + w * 4 + a}`);
      await worker.ask({ type: 'open', port: edges[w]!.port, tokens, topics, addresses });
    }),
  );
  await sleep(2000);
  const subscribed = await Promise.all(edges.map(edgeFigures));

  const started = Date.now();
  await Promise.all(workers.map((worker) => worker.ask({ type: 'join' })));
  for (const edge of edges) {
    await waitFor(`${edge.url} to know every member`, async () => (await metricValue(edge, 'wikicast_edge_presence_members', { scope: 'cluster' })) >= clusterBefore + members, { timeoutMs: 120_000, intervalMs: 100 });
  }
  const knownAllS = (Date.now() - started) / 1000;
  await sleep(3000);
  await Promise.all(workers.map((worker) => worker.ask({ type: 'count' })));
  const joined = await Promise.all(edges.map(edgeFigures));
  const joinFrames = framesOf(workers, 'join');
  const summaryFrames = framesOf(workers, 'presence');
  const frameBytes = workers.reduce((total, w) => total + w.last.bytes, 0);

  // Idle: beats only.
  const idleStart = await Promise.all(edges.map(edgeFigures));
  const idleSeconds = 9;
  await sleep(idleSeconds * 1000);
  const idleEnd = await Promise.all(edges.map(edgeFigures));

  let churn: Scenario['churn'] = null;
  if (withChurn) {
    const share = 0.1;
    const leavesBefore = framesOf(workers, 'leave');
    const churnStart = Date.now();
    await Promise.all(workers.map((worker) => worker.ask({ type: 'churn', share })));
    for (const edge of edges) {
      await waitFor(`${edge.url} to know the rejoined members`, async () => (await metricValue(edge, 'wikicast_edge_presence_members', { scope: 'cluster' })) >= clusterBefore + members, { timeoutMs: 60_000, intervalMs: 100 });
    }
    const seconds = (Date.now() - churnStart) / 1000;
    await sleep(2000);
    await Promise.all(workers.map((worker) => worker.ask({ type: 'count' })));
    const after = await Promise.all(edges.map(edgeFigures));
    churn = { changes: 2 * members * share, messages: sum(after, 'messagesOut') - sum(idleEnd, 'messagesOut'), leaveFrames: framesOf(workers, 'leave') - leavesBefore, seconds };
  }
  await Promise.all(workers.map((worker) => worker.ask({ type: 'close' })));
  await waitFor('the members to be gone', async () => (await metricValue(edges[0]!, 'wikicast_edge_presence_members', { scope: 'cluster' })) === clusterBefore, { timeoutMs: 60_000, intervalMs: 200 });
  return {
    label,
    members,
    topics: topicCount,
    knownAllS,
    messages: sum(joined, 'messagesOut') - sum(before, 'messagesOut'),
    bytes: sum(joined, 'bytesOut') - sum(before, 'bytesOut'),
    joinFrames,
    summaryFrames,
    frameBytesPerMember: frameBytes / members,
    heapPerMemberB: (sum(joined, 'heap') - sum(subscribed, 'heap')) / edges.length / members,
    rssPerMemberB: (sum(joined, 'rss') - sum(subscribed, 'rss')) / edges.length / members,
    idleMessagesPerS: (sum(idleEnd, 'messagesOut') - sum(idleStart, 'messagesOut')) / idleSeconds,
    churn,
  };
}


async function runParent(): Promise<void> {
  const members = Number(values.members);
  const topics = Number(values.topics);
  const world = await startServiceWorld('presence-bench', [WIKI], [{}, {}]);
  const rows: Scenario[] = [];
  try {
    rows.push(await scenario(world, 'spread', members, topics, true));
    rows.push(await scenario(world, 'crowded', members, 1, false));
  } finally {
    await world.cleanup();
  }
  writeFileSync(values.out, report(rows));
  process.stdout.write(report(rows));
}

function report(rows: Scenario[]): string {
  const f = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const lines = [
    '# Presence benchmark',
    '',
    `Written by \`test/bench/presence.ts\` (${new Date().toISOString().slice(0, 16)} UTC, this machine: 2 cores, RabbitMQ on 127.0.0.1:5672).`,
    'Two edges; the members are WebSocket connections with named tokens, half on each edge, from two',
    'load-generator processes. Each first subscribes to its topic without presence (the memory baseline),',
    'then joins its presence. "Edge messages" are presence messages the edges published to each other',
    '(each reaches every edge); beats are every 3 s per edge.',
    '',
    '| scenario | members | topics | every edge knows every member after | edge messages (bytes) | join frames to members | summary frames | bytes to each member | edge heap per member | edge RSS per member | idle edge messages/s |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${f(r.members)} | ${f(r.topics)} | ${f(r.knownAllS, 1)} s | ${f(r.messages)} (${f(r.bytes / 1024)} KiB) | ${f(r.joinFrames)} | ${f(r.summaryFrames)} | ${f(r.frameBytesPerMember)} B | ${f(r.heapPerMemberB)} B | ${f(r.rssPerMemberB)} B | ${f(r.idleMessagesPerS, 2)} |`,
    ),
    '',
  ];
  const churned = rows.find((r) => r.churn !== null);
  if (churned?.churn) {
    const c = churned.churn;
    lines.push(
      `Churn (${churned.label}): 10 % of the members left and joined again (${f(c.changes)} joins and leaves) in ${f(c.seconds, 1)} s: ${f(c.messages)} edge messages`,
      `(${f(c.messages / c.changes, 2)} per change, beats included), ${f(c.leaveFrames)} leave frames to the other members of their topics.`,
      '',
    );
  }
  lines.push(
    'What the rows show: with ten members per topic every member is told each join of its topic (its own',
    'included), so join frames grow with members × topic size, not with the cluster; the edges exchange one',
    'message per join whatever the topic. With every member on one topic, members get each join only until',
    'the topic has 100 members; after that a summary (100 names and the counts) at most every 2 s, so each',
    "member's frames stay bounded while the topic grows to 10,000.",
    '',
  );
  return lines.join('\n');
}

// Last: the classes and functions above are initialised by now.
if (values.worker) runWorker();
else await runParent();
