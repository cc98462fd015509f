/** Renders the suite's results as docs/benchmarks.md and its SVG charts. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analysis } from './analysis.js';
import { machineRows } from './lib/machine.js';
import { barChart } from './lib/svg.js';
import type { Results } from './run.js';

const ANALYSIS = fileURLToPath(new URL('./analysis.md', import.meta.url));

const int = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en') : 'n/a');
const num = (v: number, digits = 2): string => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const ms = (v: number): string => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) : 'n/a');
const ratio = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a');

interface TargetRow {
  source: string;
  target: string;
  measured: string;
  met: boolean | null;
}

function targets(results: Results): TargetRow[] {
  const rows: TargetRow[] = [];
  const fan = (kind: string, instances = 1) => results.fanout.find((r) => r.system === kind && r.instances === instances);
  const lat = (kind: string) => results.latency.find((r) => r.system === kind)?.points.find((p) => p.rate === 1_000);
  const mem = (kind: string) => results.memory.find((r) => r.system === kind);
  const wf = fan('wikicast');
  const uf = fan('uws');
  const push = (source: string, target: string, value: number | undefined, goal: (v: number) => boolean, show: (v: number) => string): void => {
    rows.push({ source, target, measured: value === undefined || !Number.isFinite(value) ? 'not measured' : show(value), met: value === undefined || !Number.isFinite(value) ? null : goal(value) });
  };
  push('#3', 'fan-out deliveries/s ≥ 0.8 × the uWS publish loop', wf && uf ? wf.deliveriesPerSecond / uf.deliveriesPerSecond : undefined, (v) => v >= 0.8, ratio);
  push('#3', 'fan-out deliveries per CPU-second ≥ 0.8 × the uWS publish loop', wf && uf ? wf.deliveriesPerCpuSecond / uf.deliveriesPerCpuSecond : undefined, (v) => v >= 0.8, ratio);
  const wm = mem('wikicast');
  push('#3', 'memory per idle connection ≤ 2 KiB RSS', wm?.bytesPerConnection, (v) => v <= 2048, (v) => `${int(v)} B`);
  for (const peer of ['socketio', 'ws-redis'] as const) {
    const pf = fan(peer);
    const name = peer === 'socketio' ? 'Socket.IO' : 'ws + Redis';
    push('#8', `fan-out per CPU-second ≥ 7 × ${name}`, wf && pf ? wf.deliveriesPerCpuSecond / pf.deliveriesPerCpuSecond : undefined, (v) => v >= 7, ratio);
  }
  for (const peer of ['socketio', 'ws-redis'] as const) {
    const w = lat('wikicast');
    const p = lat(peer);
    const name = peer === 'socketio' ? 'Socket.IO' : 'ws + Redis';
    push('#8', `p99 latency at 1,000 events/s ≤ ½ × ${name}`, w && p ? w.p99Ms / p.p99Ms : undefined, (v) => v <= 0.5, ratio);
  }
  const at = (kind: string, rate: number) => results.latency.find((r) => r.system === kind)?.points.find((p) => p.rate === rate);
  const [w1000, s1000, w100, s100] = [at('wikicast', 1_000), at('socketio', 1_000), at('wikicast', 100), at('socketio', 100)];
  push('#15', 'p99 latency at 1,000 events/s ≤ Socket.IO', w1000 && s1000 ? w1000.p99Ms / s1000.p99Ms : undefined, (v) => v <= 1, ratio);
  push('#15', 'p50 latency at 1,000 events/s ≤ 2 ms', w1000?.p50Ms, (v) => v <= 2, (v) => `${ms(v)} ms`);
  push('#15', 'p99 latency at 100 events/s ≤ 1.5 × Socket.IO', w100 && s100 ? w100.p99Ms / s100.p99Ms : undefined, (v) => v <= 1.5, ratio);
  for (const peer of ['socketio', 'ws-redis'] as const) {
    const p = mem(peer);
    const name = peer === 'socketio' ? 'Socket.IO' : 'ws + Redis';
    push('#8', `memory per connection ≤ ⅕ × ${name}`, wm && p ? wm.bytesPerConnection / p.bytesPerConnection : undefined, (v) => v <= 0.2, ratio);
  }
  return rows;
}

export function renderReport(results: Results): { markdown: string; charts: Record<string, string> } {
  const charts: Record<string, string> = {};
  const md: string[] = [];
  const m = results.machine;
  const c = results.config;
  md.push('# Benchmarks: Wikicast side by side with what a wiki farm would use instead');
  md.push('');
  md.push(
    `Measured in one run on one machine (${m.date.slice(0, 16).replace('T', ' ')} UTC, ${results.mode} mode, ${Math.round(results.durationS / 60)} min). ` +
      'Every system serves the same clients (the same load-generator processes and source addresses), the same events, on the same machine. ' +
      'The programs are in `test/bench/`; this page is written by them (`test/bench/run.ts`) and the raw figures are in [`benchmarks/results.json`](benchmarks/results.json).',
  );
  if (results.mode === 'quick') md.push('', '> **Quick mode:** small counts for development; these figures are not the issue\'s scenarios.');
  md.push('');
  const full = results.fanout.length > 0 && results.latency.length > 0 && results.memory.length > 0;
  if (full) {
    md.push('Scaling out, with 1, 2 and 3 edges behind HAProxy as deployed, has a document of its own, written by `test/bench/scale-out.ts`: [benchmarks/scale-out.md](benchmarks/scale-out.md).');
    md.push('');
    md.push('<a id="code-shape"></a>After the edge\'s restructuring (layers in folders, one live-log owner, sinks given parsed entries, one confirm publisher; issue 13), fan-out and memory were measured again with the same programs (`run.ts --only fanout,memory --systems wikicast,uws`): [benchmarks/code-shape/benchmarks.md](benchmarks/code-shape/benchmarks.md). Fan-out 0.99× the uWS loop\'s deliveries/s and 1.07× per CPU-second (0.83× and 0.92× in the full run of 2026-12-02); memory per idle connection 1,720 B (870 B JS heap), against 1,752 B (876 B) for the code before this wave measured the same day on the same machine (1,659 B in the full run of 2026-12-02): neither got worse.');
    md.push('');
    md.push('<a id="latency-breakdown"></a>Where the latency and the CPU go, stage by stage and process by process (issue 15): [benchmarks/latency-breakdown.md](benchmarks/latency-breakdown.md), measured with the programs in `test/bench/tools/` and the latency benchmark\'s per-process stalls (below). Runs before 2026-12-04 were measured with uWS\'s own keep-alive pings, whose bursts fall into a measured window or not depending on its timing; a side-by-side run of the latency and ingest scenarios after the edge began spreading its pings: [benchmarks/latency/benchmarks.md](benchmarks/latency/benchmarks.md). The floor under the CPU and single-event POST targets, what bare stand-ins for ingest and the edges spend and reach on this machine: [benchmarks/latency-breakdown.md#third-pass-2026-12-04-the-floor-under-the-targets](benchmarks/latency-breakdown.md#third-pass-2026-12-04-the-floor-under-the-targets).');
    md.push('');
    md.push('<a id="eventstreams"></a>The EventStreams API (`/v2/stream/…`, issue 16) with 1,000 readers of the farm stream on one edge: [benchmarks/eventstreams.md](benchmarks/eventstreams.md), written by `test/bench/eventstreams.ts`.');
    md.push('');
    md.push('<a id="mediawiki-connections"></a>WebSocket connections per 1,000 page views of a MediaWiki wiki, before and after `ext.wikicast` became lazy (issue 20): [benchmarks/mediawiki-connections.md](benchmarks/mediawiki-connections.md), written by `test/bench/mediawiki-connections.ts`.');
    md.push('');
    md.push('<a id="broker-failover"></a>A 3-node RabbitMQ cluster next to a single node (ingest throughput, p99 delivery latency) and the measured failover times after losing a node: [benchmarks/broker-cluster.md](benchmarks/broker-cluster.md), written by `test/bench/broker-cluster.ts`.');
    md.push('');
  } else {
    md.push('A partial run (`--only`): its scenarios only; the whole suite\'s page, with the other documents, is docs/benchmarks.md.');
    md.push('');
  }

  md.push('## Targets');
  md.push('');
  md.push('| issue | target | measured | met |');
  md.push('|---|---|---|---|');
  for (const t of targets(results).filter((row) => full || row.met !== null)) md.push(`| ${t.source} | ${t.target} | ${t.measured} | ${t.met === null ? '—' : t.met ? 'yes' : '**no**'} |`);
  md.push('');
  md.push('Ratios are Wikicast ÷ peer from this run. Why a target is missed is said under [Analysis](#analysis).');
  md.push('');

  const notes = analysis(results);
  if (notes.length || existsSync(ANALYSIS)) {
    md.push('## Analysis');
    md.push('');
    for (const line of notes) md.push(line);
    if (existsSync(ANALYSIS)) md.push(readFileSync(ANALYSIS, 'utf8').trim());
    md.push('');
  }

  // (a) fan-out
  if (results.fanout.length > 0) {
    md.push(`## (a) Fan-out: ${int(c.fanout.subscribers)} subscribers on one topic`);
    md.push('');
    md.push(
      `All subscribers on one topic; with two instances, half on each. The producer keeps at most ${c.fanout.window} events in flight (published but not yet received by every subscriber), publishing ${Math.floor(c.fanout.window / 2)} at a time through the system's producer path, ` +
        `so each system runs as fast as it and the clients can go, with bounded queues. Measured for ${c.fanout.measureS} s after a ${c.fanout.warmupS} s warm-up. ` +
        '"Server CPU" is user + system time of the delivery processes (edges or peer servers) from `/proc/<pid>/stat`; "whole path" adds ingest and the broker (RabbitMQ or Redis). ' +
        'The load generators run on the same two cores, so deliveries/s is a property of the whole machine; CPU per delivery is the server\'s own cost and the fairer comparison.',
    );
    md.push('');
    md.push('| system | instances | subscribers | deliveries/s | server CPU µs / delivery | deliveries per server CPU-second | whole-path CPU µs / delivery | load-generator CPU s | events | missing | closed | other processes\' CPU % |');
    md.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of results.fanout) {
      md.push(
        `| ${r.label} | ${r.instances} | ${int(r.subscribers)} | ${int(r.deliveriesPerSecond)} | ${num(r.cpuPerDeliveryUs)} | ${int(r.deliveriesPerCpuSecond)} | ${num(r.deliveries > 0 ? (r.wholePathCpuSeconds / r.deliveries) * 1e6 : NaN)} | ${num(r.loadgenCpuSeconds, 1)} | ${int(r.events)} | ${int(r.missing)} | ${int(r.closed)} | ${int(r.otherCpuPercent ?? NaN)} |`,
      );
    }
    md.push('');
    if (results.fanout.length) {
      const rows = results.fanout.map((r) => ({ label: `${r.label} ×${r.instances}`, values: [r.deliveriesPerSecond] }));
      charts['fanout-deliveries.svg'] = barChart({ title: `Fan-out: deliveries per second (${int(c.fanout.subscribers)} subscribers)`, axis: 'deliveries per second, more is better', series: ['deliveries/s'], rows, format: int });
      charts['fanout-cpu.svg'] = barChart({
        title: 'Fan-out: deliveries per server CPU-second',
        axis: 'deliveries per CPU-second of the delivery processes, more is better',
        series: ['deliveries / CPU-s'],
        rows: results.fanout.map((r) => ({ label: `${r.label} ×${r.instances}`, values: [r.deliveriesPerCpuSecond] })),
        format: int,
      });
      md.push('![Fan-out deliveries per second](benchmarks/fanout-deliveries.svg)');
      md.push('');
      md.push('![Fan-out deliveries per server CPU-second](benchmarks/fanout-cpu.svg)');
      md.push('');
    }
  }

  // (b) latency
  if (results.latency.length > 0) {
    md.push(`## (b) End-to-end latency at a fixed rate: ${int(c.latency.clients)} clients on ${c.latency.instances} instances`);
    md.push('');
    md.push(
      `${int(c.latency.clients)} clients, half on each instance, spread over ${c.latency.topics} topics, so each event reaches ${int(c.latency.clients / c.latency.topics)} clients (half on each instance): ` +
        `at 1,000 events/s that is ${int((c.latency.clients / c.latency.topics) * 1000)} deliveries/s. ` +
        '(Why not more recipients per event: with 100 per event, 1,000 events/s is 100,000 deliveries/s, more than ws + Redis or Socket.IO can serve here (scenario (a): about 11 µs of CPU per delivery, so two instances would need more than the two cores the machine has, shared with the clients and the broker); in a trial run both fell seconds behind and lost half the deliveries in the drain time. Their latency would then only be a queue growing without bound, which (a) already shows as throughput. Twenty recipients per event keeps every design inside its capacity, so the figures are latency.) ' +
        `An open-loop producer, a process of its own (\`test/bench/producer.ts\`), sends on a fixed schedule through each system's own producer path ` +
        '(Wikicast: `POST /v1/events` to ingest, which answers after RabbitMQ confirmed, → stream → both edges; ws + Redis and uWS + Redis: `PUBLISH`; Socket.IO: `@socket.io/redis-emitter`). ' +
        `Latency runs from the moment the event's POST / PUBLISH starts to its receipt by a client, recorded in HDR histograms (µs) in every load generator and merged; ${c.latency.measureS} s measured after a ${c.latency.warmupS} s warm-up at the same rate.`,
    );
    md.push('');
    md.push('| system | instances | rate (events/s) | deliveries received / expected | p50 ms | p99 ms | p99.9 ms | max ms | server CPU % (all instances) | clients\' CPU % | publish errors | worst send lag behind schedule ms | other processes\' CPU % | CPU pressure % |');
    md.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of results.latency) {
      for (const p of r.points) {
        md.push(`| ${r.label} | ${r.instances} | ${int(p.rate)} | ${int(p.received)} / ${int(p.expected)} | ${ms(p.p50Ms)} | ${ms(p.p99Ms)} | ${ms(p.p999Ms)} | ${ms(p.maxMs)} | ${int(p.serverCpuPercent)} | ${int(p.loadgenCpuPercent ?? NaN)} | ${int(p.publishErrors)} | ${ms(p.maxScheduleLagMs)} | ${int(p.otherCpuPercent ?? NaN)} | ${int(p.cpuPressurePercent ?? NaN)} |`);
      }
    }
    md.push('');
    md.push('"CPU pressure" is the share of the measured time during which some runnable task on the machine waited for a CPU (Linux PSI, `/proc/pressure/cpu`): where it is high, tails are this machine\'s scheduling, not the design\'s.');
    md.push('');
    md.push(
      'Where the time goes: the producer\'s answer (Wikicast: `202` from ingest, sent after RabbitMQ confirmed; Redis designs: the `PUBLISH` reply) and the broker hop (send → a side listener in the runner process: ' +
        'for Wikicast a consumer of the stream, like an edge\'s; for the Redis designs a Redis subscriber; none for Socket.IO, whose adapter messages are msgpack). ' +
        'The side listener is one more consumer of the broker, load the system would not have, so the broker hop is measured in a run of its own at the same rate, right after the measured one. ' +
        'Whole-path CPU is the servers\', ingest\'s and the brokers\' CPU in the measured window divided by the events sent (each event reaches ' +
        `${int(c.latency.clients / c.latency.topics)} clients); the clients and the producer are not in it.`,
    );
    md.push('');
    md.push('| system | rate (events/s) | producer answered p50 ms | producer answered p99 ms | broker hop p50 ms | broker hop p99 ms | broker hop p99.9 ms | end to end p50 ms | end to end p99 ms | ingest CPU % | broker CPU % | whole-path CPU µs / event |');
    md.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of results.latency) {
      for (const p of r.points) {
        const wholePath = p.brokerCpuPercent === undefined ? NaN : ((p.serverCpuPercent + (p.helperCpuPercent ?? 0) + p.brokerCpuPercent) / 100 / p.achievedRate) * 1e6;
        md.push(`| ${r.label} | ${int(p.rate)} | ${ms(p.answerP50Ms ?? NaN)} | ${ms(p.answerP99Ms ?? NaN)} | ${ms(p.brokerP50Ms ?? NaN)} | ${ms(p.brokerP99Ms ?? NaN)} | ${ms(p.brokerP999Ms ?? NaN)} | ${ms(p.p50Ms)} | ${ms(p.p99Ms)} | ${r.system === 'wikicast' ? int(p.helperCpuPercent ?? NaN) : '—'} | ${int(p.brokerCpuPercent ?? NaN)} | ${int(wholePath)} |`);
      }
    }
    md.push('');
    const stalled = results.latency.flatMap((r) => r.points.filter((p) => p.stalls !== undefined).map((p) => ({ r, p })));
    if (stalled.length > 0) {
      md.push('What held each process up in the measured window: the longest event-loop delay (Node\'s `monitorEventLoopDelay`, from each service\'s own `/metrics`, 10 ms resolution; the load generators\' at 1 ms) and the garbage collector\'s pauses. A tail that no process\'s delay explains is waiting for a CPU (the CPU pressure above).');
      md.push('');
      md.push('| system | rate (events/s) | process | longest event-loop delay ms | GC pauses | GC ms in all | GC pauses ≥ 10 ms | events later than 25 ms at the edge |');
      md.push('|---|---|---|---|---|---|---|---|');
      for (const { r, p } of stalled) {
        md.push(`| ${r.label} | ${int(p.rate)} | clients (load generators) | ${ms(p.clientLoopMaxMs ?? NaN)} | | | | |`);
        for (const s of p.stalls ?? []) {
          const late = s.lateAtEdgeShare === undefined || !Number.isFinite(s.lateAtEdgeShare) ? '' : `${(s.lateAtEdgeShare * 100).toFixed(2)} %`;
          md.push(`| ${r.label} | ${int(p.rate)} | ${s.role} | ${ms(s.loopMaxMs)} | ${int(s.gcPauses)} | ${ms(s.gcMs)} | ${int(s.gcPausesOver10ms)} | ${late} |`);
        }
      }
      md.push('');
    }
    if (results.brokers?.length) {
      md.push('The brokers alone at the same rates (`test/bench/broker-reference.ts`: a raw amqplib confirm channel publishing persistent to the fanout exchange and a stream consumer, both `noDelay`; Redis `PUBLISH` and a pattern subscriber), with no server and no client: the floor under each design.');
      md.push('');
      md.push('| broker | rate (events/s) | publish answered p50 ms | p99 ms | publish → consumer p50 ms | p99 ms | p99.9 ms |');
      md.push('|---|---|---|---|---|---|---|');
      for (const b of results.brokers) md.push(`| ${b.broker} | ${int(b.rate)} | ${ms(b.answerP50Ms)} | ${ms(b.answerP99Ms)} | ${ms(b.p50Ms)} | ${ms(b.p99Ms)} | ${ms(b.p999Ms)} |`);
      md.push('');
    }
    for (const rate of c.latency.rates) {
      const rows = results.latency.map((r) => {
        const p = r.points.find((x) => x.rate === rate);
        return { label: `${r.label} ×${r.instances}`, values: p ? [p.p50Ms, p.p99Ms, p.p999Ms] : [null, null, null] };
      });
      if (!rows.length) continue;
      const name = `latency-${rate}.svg`;
      charts[name] = barChart({ title: `POST → receipt latency at ${int(rate)} events/s`, axis: 'milliseconds, less is better', series: ['p50', 'p99', 'p99.9'], rows, format: (v) => `${ms(v)} ms`, log: true });
      md.push(`![Latency at ${int(rate)} events/s](benchmarks/${name})`);
      md.push('');
    }
  }

  // (c) memory
  if (results.memory.length > 0) {
    md.push(`## (c) Memory per idle connection: ${int(c.memory.connections)} connections on one process`);
    md.push('');
    md.push(
      `One server process; ${int(c.memory.connections)} connections from two load generators, each subscribed to one of 100 topics and then idle. ` +
        `Per connection = (RSS with all ${int(c.memory.connections)} − RSS with the first ${int(Math.min(2000, Math.floor(c.memory.connections / 9)))}) ÷ the connections in between, each VmRSS read ${c.memory.settleS} s after the last connection and a full garbage collection (SIGUSR1 opens the inspector, \`HeapProfiler.collectGarbage\`; the same for every server, so garbage not yet collected counts for none): the marginal cost of a live connection. Kernel socket buffers are not in RSS and not counted for anyone.`,
    );
    md.push('');
    md.push('| system | connections | failed | connect time s | RSS with the first batch MiB | RSS with all MiB | bytes per connection | of which JS heap | GC forced |');
    md.push('|---|---|---|---|---|---|---|---|---|');
    for (const r of results.memory) md.push(`| ${r.label} | ${int(r.connections)} | ${int(r.failed)} | ${num(r.connectMs / 1000, 1)} | ${num(r.rssBeforeMiB, 1)} | ${num(r.rssAfterMiB, 1)} | ${int(r.bytesPerConnection)} | ${int(r.heapBytesPerConnection ?? NaN)} | ${r.collected ? 'yes' : 'no'} |`);
    md.push('');
    if (results.memory.length) {
      charts['memory.svg'] = barChart({
        title: `RSS per idle connection (${int(c.memory.connections)} connections)`,
        axis: 'bytes per connection, less is better',
        series: ['bytes'],
        rows: results.memory.map((r) => ({ label: r.label, values: [r.bytesPerConnection] })),
        format: (v) => `${int(v)} B`,
      });
      md.push('![Memory per idle connection](benchmarks/memory.svg)');
      md.push('');
    }
  }

  // (d) ingest
  if (Boolean(results.ingestBench) || results.ingest.length > 0) {
    md.push('## (d) Ingest throughput with publisher confirms');
    md.push('');
    if (results.ingestBench) {
      md.push(
        'Measured by the ingest service\'s own benchmark, `test/bench/ingest-confirms/throughput.ts` (its document: [benchmarks/ingest.md](benchmarks/ingest.md)), run by this suite in the same session with one round; its report follows, headings shifted down. ' +
          `Command: \`${results.ingestBench.command}\`.`,
      );
      md.push('');
      const body = results.ingestBench.markdown
        .split('\n')
        .filter((line) => !/^# /.test(line))
        .map((line) => (/^#{2,} /.test(line) ? `#${line}` : line));
      md.push(body.join('\n').trim());
      md.push('');
    }
    if (!results.ingestBench) md.push(
      'Wikicast ingest alone on the real RabbitMQ; closed-loop HTTP producers in the runner process POST events for a fixed time. A `202` is only sent once RabbitMQ confirmed every event in the request, ' +
        'so accepted events per second is the confirmed, durable throughput (persistent messages into a stream queue).',
    );
    md.push('');
    if (results.ingest.length) {
      md.push('| events per request | concurrent requests | confirmed events/s | request p50 ms | request p99 ms | errors | ingest CPU % | RabbitMQ CPU % |');
      md.push('|---|---|---|---|---|---|---|---|');
      for (const p of results.ingest) md.push(`| ${p.batch} | ${p.concurrency} | ${int(p.eventsPerSecond)} | ${ms(p.p50Ms)} | ${ms(p.p99Ms)} | ${int(p.errors)}${p.firstError ? ` (${p.firstError.replace(/\|/g, '/')})` : ''} | ${int(p.ingestCpuPercent)} | ${int(p.brokerCpuPercent)} |`);
      charts['ingest.svg'] = barChart({
        title: 'Ingest: confirmed events per second',
        axis: 'events per second, more is better',
        series: ['events/s'],
        rows: results.ingest.map((p) => ({ label: `${p.batch} per request × ${p.concurrency}`, values: [p.eventsPerSecond] })),
        format: int,
      });
      md.push('');
      md.push('![Ingest throughput](benchmarks/ingest.svg)');
    } else if (!results.ingestBench) {
      md.push('Not measured in this run (see below).');
    }
    md.push('');

    if (results.failures.length || results.notes.length) {
      md.push('## What did not run');
      md.push('');
      for (const n of results.notes) md.push(`- ${n}`);
      for (const f of results.failures) md.push(`- ${f.scenario}, ${f.system}: failed: \`${f.error.split('\n')[0]!.slice(0, 300).replace(/`/g, "'")}\``);
      md.push('');
    }
  }

  md.push('## The systems');
  md.push('');
  md.push('Each peer is a small server in `test/bench/peers/`, written the way its library\'s documentation recommends; all speak JSON text frames with the same event.');
  md.push('');
  md.push('| system | what it is | producer path |');
  md.push('|---|---|---|');
  md.push('| **Wikicast edge** | `services/edge` as deployed (uWebSockets.js, token auth, permissions, cursors, replay window, backpressure limits, metrics), one or two processes; `services/ingest` in front. | `POST /v1/events` → ingest → RabbitMQ fanout exchange (publisher confirms) → stream queue → every edge |');
  md.push('| **uWS publish loop** (`peers/uws.ts`) | The ceiling: a bare uWebSockets.js app; `ws.subscribe(topic)` and `app.publish(topic, frame)` in C++, nothing else (no auth, no cursor, no replay). | in-process loop (`POST /publish` with a batch of frames); **uWS + Redis** adds a Redis `PSUBSCRIBE` feeding `app.publish`, as a reference for the two-instance latency run |');
  md.push('| **ws + Redis** (`peers/ws-redis.ts`) | The design the seed article describes: a Node `ws` server subscribed to Redis pub/sub, broadcasting to its clients with the README\'s loop and heartbeat; `bufferutil`/`utf-8-validate` installed, no compression; per-topic `Set`s so a client gets only its topics. One or two instances. | `PUBLISH bench:<topic> <frame>` |');
  md.push('| **Socket.IO + redis-adapter** (`peers/socketio.ts`) | Socket.IO 4 with `@socket.io/redis-adapter` (node-redis clients), WebSocket transport only, native `ws` add-ons, no compression, the initial HTTP request discarded (the documented memory tip); topics are rooms. One or two instances. | `@socket.io/redis-emitter`: `emitter.to(topic).emit(\'event\', …)` |');
  md.push('');

  md.push('## Method');
  md.push('');
  md.push(
    '- **Clients.** Load generators are separate processes (`test/bench/loadgen.ts`), each with its own four source addresses (127.0.0.2–5, 127.0.0.6–9, …; the machine allows 20,000 open files per process, so one opens at most 9,000 connections, and spreading them over addresses keeps the kernel\'s ephemeral-port search fast). ' +
      'They use a minimal WebSocket client on raw TCP sockets (`test/bench/lib/raw-ws.ts`: the upgrade, unfragmented text frames, pong, close), not the `ws` client: per connection it is one socket and one small object, ' +
      'and it finds the producer\'s timestamp with one `indexOf` instead of parsing JSON, so clients take as little of the two cores from the servers as possible. Socket.IO clients speak Engine.IO 4 over it (open, `40` connect, ping/pong). Wikicast clients connect to `/v1/ws?token=…` with a reader token for the benchmark wiki (one HS256 JWT for all; the edge gives each connection its own client id) and send `{"op":"subscribe",…}`; the peers take the same subscribe frame (Socket.IO: a `subscribe` event). A connection counts once it is subscribed.',
  );
  md.push('- **Events.** Each event is a recent-changes-like JSON object (id, wiki, topic, type, msg with title/user/comment/revision, ts) of about 310 bytes as the peers deliver it (Wikicast adds its own cursor); `msg.bt` carries the producer\'s send time (`performance.timeOrigin + performance.now()`, comparable across processes).');
  md.push('- **Producers.** Fan-out: the runner publishes through each system\'s producer path (`test/bench/lib/publisher.ts`). Latency: a producer process of its own sends open-loop (each send on schedule, whatever the answers; a late answer never delays the next send), with `node:http` keep-alive for ingest rather than `fetch`, which costs several times more CPU per request.');
  md.push('- **CPU.** utime + stime of every thread of the measured processes from `/proc/<pid>/stat`, before and after the measured window. **Memory.** VmRSS from `/proc/<pid>/status`.');
  md.push('- **Processes.** Every server, Wikicast\'s and the peers\', runs from TypeScript source as its own Node process (`node --import tsx`), as `test/support` starts the services.');
  md.push('- **Two cores.** Servers, Redis/RabbitMQ and the load generators share two cores, so throughput figures are bounded by the machine, not only by the server: compare CPU per delivery.');
  md.push('');

  md.push('## Machine and versions');
  md.push('');
  md.push(...machineRows(m));
  md.push(`| load average at the start | ${m.loadAverage ?? 'n/a'} (the machine is shared: other processes\' CPU during each measurement is in the tables) |`);
  md.push(`| Node.js | ${m.node} |`);
  for (const [name, version] of Object.entries(m.versions)) md.push(`| ${name} | ${version} |`);
  md.push(`| Wikicast commit | ${m.gitCommit}${m.gitDirty ? ' (with uncommitted changes in services/ or packages/)' : ''} |`);
  md.push('');
  md.push('## Commands');
  md.push('');
  md.push('This run:');
  md.push('');
  md.push('```sh');
  md.push(results.command);
  md.push('```');
  md.push('');
  md.push('Everything, as above, from the repository root (Redis on 127.0.0.1:6379 is started if it is not running; RabbitMQ on 127.0.0.1:5672 must be, as for the tests). Useful variants:');
  md.push('');
  md.push('```sh');
  md.push('node --conditions=wikicast-source --import tsx test/bench/run.ts --quick                 # small counts, writes to $TMPDIR/wikicast-bench');
  md.push('node --conditions=wikicast-source --import tsx test/bench/run.ts --only fanout,memory    # some scenarios');
  md.push('node --conditions=wikicast-source --import tsx test/bench/run.ts --systems wikicast,uws  # some systems');
  md.push('node --conditions=wikicast-source --import tsx test/bench/run.ts --render docs/benchmarks/results.json  # rewrite this page from saved figures');
  md.push('```');
  md.push('');
  md.push(`Parameters of this run: \`${JSON.stringify(c)}\``);
  md.push('');
  return { markdown: `${md.join('\n')}\n`, charts };
}
