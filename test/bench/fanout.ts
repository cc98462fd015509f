/**
 * Scenario (a), fan-out: N subscribers on one topic; the producer keeps a bounded number of
 * events in flight (published but not yet received by every subscriber), publishing in batches
 * of half that window, so every system runs as fast as it and the clients can go without
 * unbounded queues, and every system gets its events grouped the same way. Measured over a fixed window
 * after a warm-up: deliveries per second, and the delivery processes' CPU seconds (utime+stime
 * from /proc/<pid>/stat) per delivery.
 */
import { Fleet, MAX_PER_WORKER } from './lib/fleet.js';
import { cpuPressureMicros, machineBusySeconds, rssBytes, sleep, totalCpuSeconds } from './lib/proc.js';
import { BENCH_WIKI, makeEvent, startSystem, type SystemKind, type SystemUnderTest } from './lib/systems.js';

export interface FanoutOptions {
  subscribers: number;
  warmupS: number;
  measureS: number;
  /** Events in flight at most. */
  window: number;
  /** Extra processes whose CPU counts for the whole path (Redis, RabbitMQ). */
  brokerPid: number | null;
  /** Load-generator processes; default: as few as the subscribers need, at least two. */
  workers?: number;
  /** Events carry `audience: {groups}` (readers must be in one of them): Wikicast checks each reader. */
  audienceGroups?: string[];
}

export interface FanoutResult {
  system: SystemKind;
  label: string;
  instances: number;
  subscribers: number;
  connected: number;
  connectMs: number;
  events: number;
  deliveries: number;
  seconds: number;
  deliveriesPerSecond: number;
  serverCpuSeconds: number;
  /** µs of delivery-process CPU per delivery. */
  cpuPerDeliveryUs: number;
  deliveriesPerCpuSecond: number;
  /** Including ingest and the broker (RabbitMQ or Redis). */
  wholePathCpuSeconds: number;
  loadgenCpuSeconds: number;
  /** CPU the rest of the machine (processes outside this benchmark) used meanwhile, % of one core. */
  otherCpuPercent: number;
  /** Deliveries expected after the drain but never received, and connections closed by the server. */
  missing: number;
  closed: number;
  serverRssMiB: number;
  /** Busy CPU of the whole machine during the measurement, % of one core (200 = both of two cores busy). */
  machineBusyPercent?: number;
  /** Share of the measured time some runnable task waited for a CPU (Linux PSI); null where not reported. */
  cpuPressurePercent?: number | null;
  /** CPU of each group of processes during the measurement, % of one core (the system's groups, the load generators, the broker). */
  cpuPercentByGroup?: Record<string, number>;
  /** Connections each delivery process reports after the measurement, for systems that report them. */
  instanceConnections?: number[];
  errors: string[];
}

export async function runFanout(kind: SystemKind, instances: number, options: FanoutOptions, log: (line: string) => void): Promise<FanoutResult> {
  return measureFanout(await startSystem(kind, instances), instances, options, log);
}

/**
 * Runs the scenario on a system already started (`instances` delivery processes), spreading the
 * subscribers evenly over its targets (the instances, or one entry in front of them), and stops it.
 */
export async function measureFanout(system: SystemUnderTest, instances: number, options: FanoutOptions, log: (line: string) => void): Promise<FanoutResult> {
  const kind = system.kind;
  const workers = options.workers ?? Math.max(2, Math.ceil(options.subscribers / MAX_PER_WORKER));
  const errors: string[] = [];
  let fleet: Fleet | undefined;
  try {
    fleet = await Fleet.start(workers);
    const topic = `${BENCH_WIKI}:recentchange`;
    const perTarget = Math.ceil(options.subscribers / system.targets.length);
    const connected = await fleet.connect({ targets: system.targets, perTarget, protocol: system.protocol, topics: [topic] });
    if (connected.failed > 0) errors.push(`${connected.failed} connections failed: ${connected.errors.join('; ')}`);
    const subscribers = connected.ready;
    log(`  ${system.label} ×${instances}: ${subscribers} subscribers in ${connected.ms} ms`);
    const live = fleet;

    let published = 0;
    let publishing = false;
    let running = true;
    let seq = 0;
    const pump = (): void => {
      if (!running || publishing) return;
      const completed = Math.floor(live.deliveries() / subscribers);
      // Always whole batches of window/2 events: how a system's producer path answers then
      // cannot change how events are grouped (grouping changes how many frames share a write).
      const batch = Math.max(1, Math.floor(options.window / 2));
      const room = options.window - (published - completed);
      if (room < batch) return;
      const n = batch;
      publishing = true;
      const audience = options.audienceGroups ? { audience: { groups: options.audienceGroups } } : {};
      const events = Array.from({ length: n }, () => ({ ...makeEvent(topic, seq++), ...audience }));
      published += n;
      system
        .publish(topic, events)
        .catch((error: unknown) => {
          if (errors.length < 5) errors.push(String(error));
        })
        .finally(() => {
          publishing = false;
          pump();
        });
    };
    fleet.onProgress = pump;
    fleet.progress(5);
    await fleet.reset(false);
    const started = Date.now();
    pump();
    const keepAlive = setInterval(pump, 50);

    await sleep(options.warmupS * 1000);
    const pids = [...system.serverPids];
    const whole = [...system.serverPids, ...system.helperPids, ...(options.brokerPid ? [options.brokerPid] : [])];
    const ours = [...whole, ...fleet.pids, process.pid];
    const groups: Record<string, number[]> = { ...system.processGroups, 'load generators': fleet.pids, ...(options.brokerPid ? { broker: [options.brokerPid] } : {}) };
    const groupCpu = (): Record<string, number> => Object.fromEntries(Object.entries(groups).map(([name, group]) => [name, totalCpuSeconds(group)]));
    const sample = async () => ({ report: await live.report(), t: performance.now(), cpu: totalCpuSeconds(pids), whole: totalCpuSeconds(whole), lg: totalCpuSeconds(live.pids), busy: machineBusySeconds(), ours: totalCpuSeconds(ours), groups: groupCpu(), pressure: cpuPressureMicros() });
    const before = await sample();
    await sleep(options.measureS * 1000);
    const after = await sample();
    const serverRss = system.serverPids.reduce((a, pid) => a + rssBytes(pid), 0);
    const instanceConnections = system.connections ? await system.connections() : undefined;

    running = false;
    clearInterval(keepAlive);
    // Drain: wait until everything published has arrived (or stops arriving).
    const expected = published * subscribers;
    let last = -1;
    let final = await fleet.report();
    for (let i = 0; i < 100 && final.deliveries < expected && final.deliveries !== last; i++) {
      last = final.deliveries;
      await sleep(200);
      final = await fleet.report();
    }
    fleet.progress(0);

    const deliveries = after.report.deliveries - before.report.deliveries;
    const seconds = (after.t - before.t) / 1000;
    const cpu = after.cpu - before.cpu;
    const result: FanoutResult = {
      system: kind,
      label: system.label,
      instances,
      subscribers,
      connected: subscribers,
      connectMs: connected.ms,
      events: published,
      deliveries,
      seconds,
      deliveriesPerSecond: deliveries / seconds,
      serverCpuSeconds: cpu,
      cpuPerDeliveryUs: deliveries > 0 ? (cpu / deliveries) * 1e6 : NaN,
      deliveriesPerCpuSecond: cpu > 0 ? deliveries / cpu : NaN,
      wholePathCpuSeconds: after.whole - before.whole,
      loadgenCpuSeconds: after.lg - before.lg,
      otherCpuPercent: Math.max(0, ((after.busy - before.busy - (after.ours - before.ours)) / seconds) * 100),
      machineBusyPercent: ((after.busy - before.busy) / seconds) * 100,
      cpuPressurePercent: after.pressure !== null && before.pressure !== null ? ((after.pressure - before.pressure) / 1e6 / seconds) * 100 : null,
      cpuPercentByGroup: Object.fromEntries(Object.keys(groups).map((name) => [name, ((after.groups[name]! - before.groups[name]!) / seconds) * 100])),
      ...(instanceConnections ? { instanceConnections } : {}),
      missing: Math.max(0, expected - final.deliveries),
      closed: final.closedAfterReady,
      serverRssMiB: serverRss / 1024 ** 2,
      errors,
    };
    log(
      `    ${Math.round(result.deliveriesPerSecond).toLocaleString('en')} deliveries/s, ${result.cpuPerDeliveryUs.toFixed(2)} µs CPU/delivery, ` +
        `${published} events (${Date.now() - started} ms), missing ${result.missing}, closed ${result.closed}, other processes ${Math.round(result.otherCpuPercent)} % CPU`,
    );
    return result;
  } finally {
    await fleet?.close();
    await system.stop();
  }
}
