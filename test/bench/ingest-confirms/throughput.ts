/**
 * Ingest throughput with publisher confirms, side by side with the ceiling (a raw amqplib
 * publish-with-confirms loop) in the same run, on the real RabbitMQ. Writes docs/benchmarks/ingest.md.
 *
 *   node --conditions=wikicast-source --import tsx test/bench/ingest-confirms/throughput.ts [--seconds 3] [--rounds 3] [--configs 100x10,100x32,250x16,1x64] [--out FILE]
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { AMQP_URL, REPO_ROOT, setupTopology, signToken, startService, testWiki, waitUntilReady, writeWikisFile } from '@wikicast/test/support';
import { httpLoad, type HttpPhaseResult } from './http-load.js';
import { machineInfo } from '../lib/machine.js';
import { cpuSeconds } from '../lib/proc.js';
import { rawPublishLoop, type PhaseResult } from './raw-publish.js';
import { renderReport, type Row } from './report.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    out: { type: 'string', default: `${REPO_ROOT}/docs/benchmarks/ingest.md` },
    /** `<batch>x<clients>,…` */
    configs: { type: 'string', default: '100x10,100x32,250x16,1x64' },
    /** The ceiling's largest window: ingest's own default, the most it may have unconfirmed. */
    'raw-window': { type: 'string', default: '10000' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const RAW_WINDOW = Number(values['raw-window']);
const CONFIGS = values.configs.split(',').map((c) => {
  const [batch, clients] = c.split('x').map(Number);
  return { batch: batch!, clients: clients! };
});
const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** A typical recent-changes event, as a wiki posts it. */
const input = {
  topic: 'recentchange',
  type: 'edit',
  msg: { title: 'Main Page', user: 'Alice', revision: { old: 1041, new: 1042 }, comment: 'copy-edit the lead section', minor: false },
};

// Redis plays no part here.
const machine = await machineInfo('not used');
const loadAtStart = loadavg()[0]!;
const topology = await setupTopology('bench');
const wiki = testWiki('bench');
const wikisFile = writeWikisFile([wiki]);
const ingest = await startService('ingest', {
  WIKICAST_AMQP_PREFIX: topology.prefix,
  WIKICAST_WIKIS_FILE: wikisFile.path,
  WIKICAST_INGEST_RATE_PER_WIKI: '0',
  INGEST_ID: 'bench',
}, process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []);
const rows: Row[] = [];
let integrity = '';
try {
  await waitUntilReady(ingest);
  const token = await signToken(wiki, { aud: 'ingest', ttlS: 3600 });
  // The ceiling publishes exactly what ingest would: the resolved event JSON.
  const resolved = Buffer.from(
    JSON.stringify({ id: '01936f2c-7d7e-7c3a-9a4b-1f2e3d4c5b6a', wiki: wiki.id, topic: `${wiki.id}:recentchange`, type: input.type, msg: input.msg, ts: new Date().toISOString() }),
  );
  const bodies = new Map(CONFIGS.map((c) => [c.batch, Buffer.from(JSON.stringify(c.batch === 1 ? input : Array.from({ length: c.batch }, () => input)))]));
  log(`warm-up (${Math.min(3, seconds)} s each)`);
  await rawPublishLoop(AMQP_URL, topology.names.events, resolved, 1_000, Math.min(3, seconds));
  const warmUp = await httpLoad({ url: ingest.url, token, body: bodies.get(CONFIGS[0]!.batch)!, batch: CONFIGS[0]!.batch, clients: CONFIGS[0]!.clients, seconds: Math.min(3, seconds) });

  // Each configuration alternates short phases with two ceilings, so that load from anything else
  // on the machine drifts over all alike: the raw loop with as many events in flight as the HTTP
  // clients can have (batch × clients: like for like), and with ingest's whole window (its best).
  for (const c of CONFIGS) {
    const matchedWindow = c.batch * c.clients;
    for (let round = 1; round <= rounds; round++) {
      const max = await measure(() => rawPublishLoop(AMQP_URL, topology.names.events, resolved, RAW_WINDOW, seconds));
      rows.push({ round, kind: 'raw-max', what: `raw amqplib, window ${RAW_WINDOW}`, ...max });
      const matched = await measure(() => rawPublishLoop(AMQP_URL, topology.names.events, resolved, matchedWindow, seconds));
      rows.push({ round, kind: 'raw-matched', what: `raw amqplib, window ${matchedWindow}`, ...matched });
      const phase = await measure(() => httpLoad({ url: ingest.url, token, body: bodies.get(c.batch)!, batch: c.batch, clients: c.clients, seconds }));
      rows.push({
        round,
        kind: 'ingest',
        what: `ingest, batch ${c.batch} × ${c.clients} clients`,
        ...phase,
        matched: matched.result.eventsPerSecond,
        max: max.result.eventsPerSecond,
      });
      const r = phase.result as HttpPhaseResult;
      const pct = (x: number): string => `${((r.eventsPerSecond / x) * 100).toFixed(0)} %`;
      log(
        `batch ${c.batch} × ${c.clients}, round ${round}: ${Math.round(r.eventsPerSecond).toLocaleString('en')} events/s; ` +
          `raw at window ${matchedWindow} ${Math.round(matched.result.eventsPerSecond).toLocaleString('en')} (${pct(matched.result.eventsPerSecond)}), ` +
          `at window ${RAW_WINDOW} ${Math.round(max.result.eventsPerSecond).toLocaleString('en')} (${pct(max.result.eventsPerSecond)}); ` +
          `p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ${JSON.stringify(r.statuses)}`,
      );
    }
  }
  // Every 202'd event must have been counted as accepted by ingest too: nothing dropped or double-counted.
  const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
  const counted = Number(/wikicast_ingest_events_total\{wiki="bench",result="accepted"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? NaN);
  const sent = warmUp.events + rows.reduce((n, r) => n + (r.kind === 'ingest' ? r.result.events : 0), 0);
  integrity = `ingest counted ${counted.toLocaleString('en')} accepted events (wikicast_ingest_events_total); the benchmark's 202 answers carried ${sent.toLocaleString('en')}: ${counted === sent ? 'they match' : 'MISMATCH'}.`;
} finally {
  await ingest.stop();
  await topology.cleanup();
  wikisFile.remove();
}

const command = `node --conditions=wikicast-source --import tsx test/bench/ingest-confirms/throughput.ts --seconds ${seconds} --rounds ${rounds} --configs ${values.configs} --raw-window ${RAW_WINDOW}`;
writeFileSync(values.out, renderReport({ machine, command, seconds, rows, integrity, load: { start: loadAtStart, end: loadavg()[0]! } }));
log(`wrote ${values.out}`);

async function measure(phase: () => Promise<PhaseResult>): Promise<{ result: PhaseResult; ingestCpu: number; benchCpu: number }> {
  const pid = ingest.child.pid!;
  const ingestBefore = cpuSeconds(pid);
  const benchBefore = process.cpuUsage();
  const result = await phase();
  const bench = process.cpuUsage(benchBefore);
  return {
    result,
    ingestCpu: (cpuSeconds(pid) - ingestBefore) / result.seconds,
    benchCpu: (bench.user + bench.system) / 1e6 / result.seconds,
  };
}
