/**
 * The document's Analysis section, written from the figures of the run, so that what it says
 * (which target is missed, and the numbers that explain why) is always this run's.
 */
import type { Results } from './run.js';

const n = (v: number | undefined, digits = 2): string => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits));
const int = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? 'n/a' : Math.round(v).toLocaleString('en'));
const ms = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? 'n/a' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export function analysis(results: Results): string[] {
  const out: string[] = [];
  const fan = (kind: string, instances = 1) => results.fanout.find((r) => r.system === kind && r.instances === instances);
  const lat = (kind: string, rate = 1_000) => results.latency.find((r) => r.system === kind)?.points.find((p) => p.rate === rate);
  const mem = (kind: string) => results.memory.find((r) => r.system === kind);
  const broker = (name: string, rate = 1_000) => results.brokers?.find((b) => b.broker === name && b.rate === rate);

  // Fan-out
  const w = fan('wikicast');
  const u = fan('uws');
  const ws = fan('ws-redis');
  const io = fan('socketio');
  if (w && u) {
    out.push(
      `- **Fan-out against the ceiling.** The edge sends an event without \`to\` or \`audience\` with one \`app.publish\` of one prebuilt frame, the call the bare loop makes, so uWS writes the same bytes to every subscriber in C++: ` +
        `${n(w.cpuPerDeliveryUs)} µs of edge CPU per delivery against the loop's ${n(u.cpuPerDeliveryUs)} µs (${n(w.deliveriesPerCpuSecond / u.deliveriesPerCpuSecond)}× the loop's deliveries per CPU-second). ` +
        `What the edge adds per event (reading it from the stream, checking it, building the frame with its cursor, sweeping sockets for backpressure every few hundred KiB) is spread over ${int(w.subscribers)} deliveries. ` +
        `Deliveries per second (${n(w.deliveriesPerSecond / u.deliveriesPerSecond)}× the loop's) is the less reliable of the two ratios: it is the whole machine's rate, clients included, and moves with whatever else runs on the two cores (the last column).`,
    );
  }
  if (w && ws && io) {
    out.push(
      `- **Fan-out against ws + Redis and Socket.IO.** Both do per-recipient work in JavaScript: ws + Redis calls \`ws.send\` for every client (a frame header, a socket write, a callback each: ${n(ws.cpuPerDeliveryUs)} µs per delivery); ` +
        `Socket.IO encodes the packet once but still walks the room's sockets and writes through engine.io and ws for each (${n(io.cpuPerDeliveryUs)} µs). ` +
        `Hence Wikicast's ${n(w.deliveriesPerCpuSecond / ws.deliveriesPerCpuSecond, 1)}× and ${n(w.deliveriesPerCpuSecond / io.deliveriesPerCpuSecond, 1)}× per CPU-second. A second instance does not change the cost per delivery for any of them; it spreads it over two processes (and here, two cores that the clients also need).`,
    );
  }

  // Latency
  const wl = lat('wikicast');
  const wsl = lat('ws-redis');
  const iol = lat('socketio');
  const rb = broker('RabbitMQ stream');
  const rd = broker('Redis pub/sub');
  if (wl && (wsl || iol)) {
    const missed = [wsl, iol].some((p) => p && wl.p99Ms / p.p99Ms > 0.5);
    // Only the peers this run measured (a partial run may leave one out).
    const peers: Array<[string, NonNullable<typeof wl>]> = [];
    if (wsl) peers.push(['ws + Redis', wsl]);
    if (iol) peers.push(['Socket.IO', iol]);
    out.push(
      `- **Latency at 1,000 events/s${missed ? ' (target missed)' : ''}.** Wikicast's p99 is ${ms(wl.p99Ms)} ms against ${peers.map(([label, p]) => `${ms(p.p99Ms)} ms for ${label}`).join(' and ')} (p50 ${[wl, ...peers.map(([, p]) => p)].map((p) => ms(p.p50Ms)).join(', ')} ms). ` +
        `Where Wikicast's time goes: ingest answered after ${ms(wl.answerP50Ms)} ms at p50 and ${ms(wl.answerP99Ms)} ms at p99 (that includes RabbitMQ's confirm); an event reached a stream consumer after ${ms(wl.brokerP50Ms)} / ${ms(wl.brokerP99Ms)} ms (p50 / p99); ` +
        `the edges and the clients account for the rest. The brokers alone, in the same run: RabbitMQ publish → stream consumer ${ms(rb?.p50Ms)} / ${ms(rb?.p99Ms)} ms, Redis PUBLISH → subscriber ${ms(rd?.p50Ms)} / ${ms(rd?.p99Ms)} ms.` +
        (missed
          ? ' Why Wikicast cannot be at half of the Redis designs here: every Wikicast event is durable before anyone sees it (ingest answers only after RabbitMQ confirmed a persistent message into the stream, and edges read the stream), which is what gives clients gapless resume and replay; a Redis `PUBLISH` is fire-and-forget in memory and is simply lost for a server that is not subscribed at that moment. ' +
            'The broker floor alone is higher for RabbitMQ, and ingest adds an HTTP request with token check, validation and serialisation per event. What would narrow the gap: batching events per POST (the MediaWiki extension does), and a cheaper ingest request path.'
          : ''),
    );
  }
  const ur = lat('uws-redis');
  if (ur && Number.isFinite(ur.brokerP99Ms) && ur.p99Ms > 4 * ur.brokerP99Ms) {
    out.push(
      `- **Tails at 1,000 events/s are the machine's.** Even the bare uWS + Redis reference, whose server does almost nothing in JavaScript, has a p99 of ${ms(ur.p99Ms)} ms while its Redis hop's p99 was ${ms(ur.brokerP99Ms)} ms` +
        (Number.isFinite(ur.cpuPressurePercent) ? ` (CPU pressure ${int(ur.cpuPressurePercent)} %)` : '') +
        ': with servers, clients, producer, broker and other people\'s work runnable on two cores, processes wait for a CPU, and that wait is the p99. ' +
        'So the p99 ratios of this scenario mostly compare scheduling luck; the p50s, the hop breakdown and the brokers-alone floor are the stable part.',
    );
  }
  const saturated = results.latency.flatMap((r) => r.points.filter((p) => p.received < p.expected * 0.99).map((p) => `${r.label} at ${int(p.rate)}/s`));
  if (saturated.length) out.push(`- **Not keeping up.** ${saturated.join('; ')}: fewer than 99 % of the deliveries arrived within the drain time, so that system was over capacity on this machine and its latency figures are a growing queue, not a path's latency.`);

  // Memory
  const wm = mem('wikicast');
  const um = mem('uws');
  const wsm = mem('ws-redis');
  const iom = mem('socketio');
  if (wm && um) {
    const over2k = wm.bytesPerConnection > 2048;
    out.push(
      `- **Memory per connection${over2k || (wsm && wm.bytesPerConnection > wsm.bytesPerConnection / 5) ? ' (target missed)' : ''}.** The edge holds ${int(wm.bytesPerConnection)} B per idle connection, of which ${int(wm.heapBytesPerConnection)} B is live JS heap; uWS itself (the bare server, ${int(um.bytesPerConnection)} B, ${int(um.heapBytesPerConnection)} B of it JS) accounts for much of the rest. ` +
        'The JS part is the per-connection session the edge needs for its semantics: the session object and its topic set, the identity from the token (user, groups, send patterns, expiry), the sink that watches backpressure, its entry among the token expiries (grouped by second behind one timer), and the router\'s entries; the logger bound to the connection is made only when something is logged about it. ' +
        (wsm ? `⅕ of ws + Redis (${int(wsm.bytesPerConnection)} B) would be ${int(wsm.bytesPerConnection / 5)} B, ${um.bytesPerConnection > 0 ? `about ${n(wsm.bytesPerConnection / 5 / um.bytesPerConnection, 1)}× what uWS alone takes` : 'barely above what uWS alone takes'}: no server that keeps per-connection state in JavaScript (permissions, cursor, rate limit, token expiry) can reach it; the ws design is already lean per connection, since it keeps almost nothing. ` : '') +
        (iom ? `Against Socket.IO (${int(iom.bytesPerConnection)} B) the edge is at ${n(wm.bytesPerConnection / iom.bytesPerConnection)}×. ` : '') +
        (over2k
          ? `The 2 KiB target of issue 3 is missed by ${int(wm.bytesPerConnection - 2048)} B. Likely places to save it (not measured one by one here): the topic \`Set\` (an array would do for the usual one or two topics), and the session\'s fields that only resuming or sending connections need.`
          : 'The 2 KiB target of issue 3 is met.'),
    );
  }

  // Connections the edge closed
  const dropped = [...results.fanout, ...results.latency, ...results.memory].filter((r) => r.system === 'wikicast');
  const failed = results.fanout.filter((r) => r.system === 'wikicast').map((r) => (r.instances === 1 ? results.config.fanout.subscribers : results.config.fanout.subscribers) - r.subscribers);
  const memFailed = wm?.failed ?? 0;
  if (dropped.length && (failed.some((f) => f > 0) || memFailed > 0)) {
    out.push(
      `- **Connections the edge dropped.** A few connections to the edge (${[...failed, memFailed].filter((f) => f > 0).join(', ')} in the runs above, out of 10,000–18,000 opened 200 at a time) were closed without a close frame (1006) right after \`welcome\`, before or after \`subscribe\`. ` +
        'Checked apart from this run: it also happens with the `ws` client instead of the benchmark\'s raw one, and when connecting one at a time (about 1 % of 2,000, each within a few ms of `welcome`), while a bare uWS app with the edge\'s options (asynchronous upgrade, idle timeout 56 s, 17 MiB backpressure limit, `welcome` sent corked in `open`) dropped none of 1,500: so it is the edge\'s, and it is reported to the edge\'s owner. Those connections are simply not counted (the tables show how many subscribed).',
    );
  }

  // The shared machine
  const others = [...results.fanout.map((r) => r.otherCpuPercent), ...results.latency.flatMap((r) => r.points.map((p) => p.otherCpuPercent))].filter((v) => Number.isFinite(v));
  if (others.length) {
    out.push(
      `- **A shared machine.** Other work on this machine (other test suites and benchmarks) used between ${int(Math.min(...others))} % and ${int(Math.max(...others))} % of a core during the measurements (load average ${results.machine.loadAverage ?? 'n/a'} at the start), although the runner waits for a quiet moment before each system. ` +
        'CPU per delivery and memory per connection are the process\'s own and barely move with it; deliveries per second and latency tails do, so compare those only where the last column is similar.',
    );
  }
  return out;
}
