/**
 * The farm stream under load: 1,000 readers of `GET /v2/stream/recentchange` on one edge, events
 * of four public wikis published at a steady rate (as ingest does: persistent, confirmed), and
 * what it costs the edge. Writes docs/benchmarks/eventstreams.md.
 *
 *   node --conditions=wikicast-source --import tsx test/bench/eventstreams.ts [--readers 1000] [--seconds 10] [--out FILE]
 *
 * Rows: every reader takes the whole farm stream, at three rates; and every reader filtered to one
 * of the four wikis (`?wiki=`), which shows that a filter is applied before anything is written.
 * Readers run in this process and count messages without parsing them; ten of them parse each
 * event and measure its lag (`meta.dt`, stamped at publish, to arrival).
 */
import { writeFileSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import * as hdr from 'hdr-histogram-js';
import { metricValue, REPO_ROOT, startServiceWorld, testWiki, waitFor, type ServiceWorld } from '@wikicast/test/support';
import { cpuSeconds, sleep } from './lib/proc.js';

const { values } = parseArgs({
  options: {
    readers: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    out: { type: 'string', default: join(REPO_ROOT, 'docs', 'benchmarks', 'eventstreams.md') },
  },
});
const READERS = Number(values.readers);
const SECONDS = Number(values.seconds);
const SAMPLED = 10;
const WIKIS = ['esbench0', 'esbench1', 'esbench2', 'esbench3'].map((id) => testWiki(id, { public: true }));

interface Row {
  label: string;
  published: number;
  deliveries: number;
  expected: number;
  /** From the first publish until every reader had every event (or 10 s after the last publish). */
  elapsedS: number;
  edgeCpuS: number;
  lagP50: number;
  lagP99: number;
  cut: number;
}

class Reader {
  count = 0;
  ended = false;
  #tail = '';
  readonly #request: ClientRequest;

  /** @param lags where a sampled reader records each event's lag (ms); `null`: not sampled. */
  constructor(url: string, localAddress: string, readonly lags: hdr.Histogram | null) {
    this.#request = request(url, { localAddress, headers: { accept: 'text/event-stream' } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.#take(chunk));
      res.on('end', () => (this.ended = true));
    });
    this.#request.on('error', () => (this.ended = true));
    this.#request.end();
  }

  close(): void {
    this.#request.destroy();
  }

  #take(chunk: string): void {
    const text = this.#tail + chunk;
    let at = text.indexOf('event: message\n');
    while (at !== -1) {
      this.count++;
      if (this.lags !== null) {
        const dt = /"dt":"([^"]+)"/.exec(text.slice(at, at + 2_000));
        if (dt) this.lags.recordValue(Math.max(0, Date.now() - Date.parse(dt[1]!)));
      }
      at = text.indexOf('event: message\n', at + 1);
    }
    this.#tail = text.slice(-16);
  }
}

async function scenario(world: ServiceWorld, label: string, rate: number, filterWiki: boolean): Promise<Row> {
  const edge = world.edges[0]!;
  const lags = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000, numberOfSignificantValueDigits: 3 });
  const readers: Reader[] = [];
  for (let i = 0; i < READERS; i++) {
    const query = filterWiki ? `?wiki=${WIKIS[i % WIKIS.length]!.id}` : '';
    // Spread over source addresses, as many clients are.
    readers.push(new Reader(`${edge.url}/v2/stream/recentchange${query}`, `127.0.0.${2 + (i % 8)}`, i < SAMPLED ? lags : null));
  }
  await sseReaders(edge, READERS);
  const channel = await world.topology.connection.createConfirmChannel();
  let published = 0;
  /** Events published per wiki: what a reader filtered to that wiki should get. */
  const perWiki = WIKIS.map(() => 0);
  const edgeCpu0 = cpuSeconds(edge.child.pid!);
  const started = Date.now();
  while (Date.now() - started < SECONDS * 1000) {
    // Paced by the clock, not by timer ticks: a late tick publishes what is due (open loop).
    const due = Math.floor(((Date.now() - started) / 1000) * rate);
    for (; published < due; ) {
      const index = published % WIKIS.length;
      const wiki = WIKIS[index]!.id;
      perWiki[index]!++;
      const event = {
        id: randomUUID(),
        wiki,
        topic: `${wiki}:recentchange`,
        type: 'edit',
        ts: new Date().toISOString(),
        msg: { id: published, type: 'edit', namespace: 0, title: `Page ${published}`, comment: 'copyedit', user: 'Bench', bot: false, minor: false, length: { old: 100, new: 120 }, revision: { old: published, new: published + 1 }, server_url: `http://${wiki}.example`, server_name: `${wiki}.example`, server_script_path: '/w', wiki },
      };
      channel.publish(world.topology.names.events, '', Buffer.from(JSON.stringify(event)), { persistent: true, contentType: 'application/json' });
      published++;
    }
    await sleep(10);
  }
  await channel.waitForConfirms();
  const expected = readers.reduce((sum, _, i) => sum + (filterWiki ? perWiki[i % WIKIS.length]! : published), 0);
  const delivered = (): number => readers.reduce((sum, r) => sum + r.count, 0);
  // Readers that fall behind are reported as such (delivered < expected), not waited for forever.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && delivered() < expected) await sleep(50);
  const elapsedS = (Date.now() - started) / 1000;
  const edgeCpuS = cpuSeconds(edge.child.pid!) - edgeCpu0;
  const deliveries = delivered();
  const cut = readers.filter((r) => r.ended).length;
  for (const reader of readers) reader.close();
  await channel.close();
  await sseReaders(edge, 0);
  console.log(`${label}: ${published} events in ${elapsedS.toFixed(1)} s, ${deliveries}/${expected} deliveries, edge CPU ${edgeCpuS.toFixed(2)} s`);
  const lag = (q: number): number => (lags.totalCount > 0 ? lags.getValueAtPercentile(q) : Number.NaN);
  return { label, published, deliveries, expected, elapsedS, edgeCpuS, lagP50: lag(50), lagP99: lag(99), cut };
}

/** Waits until the edge counts `n` open SSE readers. */
async function sseReaders(edge: { url: string }, n: number): Promise<void> {
  await waitFor(`${n} SSE readers on the edge`, async () => (await metricValue(edge, 'wikicast_edge_connections', { transport: 'sse' })) === n, { timeoutMs: 60_000, intervalMs: 100 });
}

function render(rows: Row[]): string {
  const lines = [
    '# EventStreams API: 1,000 readers of the farm stream',
    '',
    `Written by \`test/bench/eventstreams.ts\` on ${new Date().toISOString().slice(0, 10)} (${READERS} readers of \`/v2/stream/recentchange\` on one edge, ${SECONDS} s per row, events of four public wikis published to RabbitMQ as ingest does). The readers run in the benchmark's process; the edge's CPU is read from /proc. This machine has two cores shared by RabbitMQ, the edge and the readers.`,
    '',
    '| row | events/s published | deliveries/s | delivered / expected | caught up after the last publish | edge CPU | edge CPU per delivery | lag p50 / p99 (10 sampled readers) | readers cut |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const deliveriesPerS = row.deliveries / row.elapsedS;
    lines.push(
      `| ${row.label} | ${(row.published / SECONDS).toFixed(0)} | ${deliveriesPerS.toFixed(0)} | ${row.deliveries} / ${row.expected} | ${(row.elapsedS - SECONDS).toFixed(1)} s | ${((row.edgeCpuS / row.elapsedS) * 100).toFixed(0)} % | ${((row.edgeCpuS / Math.max(1, row.deliveries)) * 1e6).toFixed(2)} µs | ${row.lagP50.toFixed(1)} / ${row.lagP99.toFixed(1)} ms | ${row.cut} |`,
    );
  }
  const behind = rows.filter((row) => row.deliveries < row.expected);
  if (behind.length > 0) {
    lines.push(
      '',
      `In ${behind.map((row) => row.label).join(', ')}, the readers had not taken every event 10 s after the last publish: the thousand readers share one Node process and the machine's two cores with the edge and RabbitMQ, and it is the readers that fall behind (the last column says whether the edge cut any of them as too slow). The edge's cost per delivery is the figure to read there.`,
    );
  }
  lines.push(
    '',
    'Each entry\'s message is built once per edge and written to every reader it goes to, so the edge\'s cost per delivery is mostly the socket write. A reader filtered with `?wiki=` is subscribed to that wiki\'s events only: the edge does not look at the other wikis\' events for it at all, and its CPU follows the deliveries written (plus the per-event cost of consuming each event and building its message once), not the events of the whole farm.',
    '',
  );
  return lines.join('\n');
}

const world = await startServiceWorld('bench-es', WIKIS, [{}]);
const rows: Row[] = [];
try {
  // Wikimedia's own recentchange stream carries a few dozen events a second across all its wikis.
  for (const rate of [25, 50, 100]) rows.push(await scenario(world, `whole farm, ${rate} events/s`, rate, false));
  rows.push(await scenario(world, '`?wiki=` one of four, 200 events/s', 200, true));
} finally {
  await world.cleanup();
}
writeFileSync(values.out, render(rows));
console.log(`wrote ${values.out}`);
