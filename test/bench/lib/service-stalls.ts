/**
 * Where a latency tail comes from, per Wikicast process: the longest event-loop delay and the
 * garbage collector's pauses in a measured window, read from each service's own `/metrics`
 * (prom-client's default metrics: `monitorEventLoopDelay`, reset at every scrape, and the GC
 * duration histogram). Scrape once before the window (which also resets the delay monitor) and
 * once after.
 */

export interface ServiceEndpoint {
  /** `ingest`, `edge 1`, … */
  role: string;
  port: number;
}

interface Scrape {
  loopMaxMs: number;
  loopP99Ms: number;
  gcSeconds: number;
  gcCount: number;
  /** Pauses of 10 ms or more (the histogram's `le="0.01"` bucket subtracted from the count). */
  gcOver10ms: number;
  /** An edge's live deliveries (events), and those within 25 ms of ingest's `ts` stamp. */
  delivered: number;
  deliveredIn25ms: number;
}

export interface ServiceStalls {
  role: string;
  /** Longest event-loop delay in the window, ms (the monitor's resolution is 10 ms). */
  loopMaxMs: number;
  loopP99Ms: number;
  /** Time in GC pauses in the window, ms, and how many pauses. */
  gcMs: number;
  gcPauses: number;
  gcPausesOver10ms: number;
  /**
   * For an edge: the share of its live-delivered events it handed to its sockets more than 25 ms
   * after ingest stamped them (`wikicast_edge_delivery_lag_seconds`): late before the edge's
   * sockets, rather than on the way to the client. NaN for a process that delivers nothing.
   */
  lateAtEdgeShare: number;
}

export async function scrapeStalls(endpoints: readonly ServiceEndpoint[]): Promise<Scrape[]> {
  return Promise.all(endpoints.map(async ({ port }) => parse(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())));
}

export function stallsBetween(endpoints: readonly ServiceEndpoint[], before: readonly Scrape[], after: readonly Scrape[]): ServiceStalls[] {
  return endpoints.map(({ role }, i) => ({
    role,
    loopMaxMs: after[i]!.loopMaxMs,
    loopP99Ms: after[i]!.loopP99Ms,
    gcMs: (after[i]!.gcSeconds - before[i]!.gcSeconds) * 1000,
    gcPauses: after[i]!.gcCount - before[i]!.gcCount,
    gcPausesOver10ms: after[i]!.gcOver10ms - before[i]!.gcOver10ms,
    lateAtEdgeShare: 1 - (after[i]!.deliveredIn25ms - before[i]!.deliveredIn25ms) / (after[i]!.delivered - before[i]!.delivered),
  }));
}

function parse(text: string): Scrape {
  const scrape: Scrape = { loopMaxMs: NaN, loopP99Ms: NaN, gcSeconds: 0, gcCount: 0, gcOver10ms: 0, delivered: 0, deliveredIn25ms: 0 };
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith('wikicast_nodejs_eventloop_lag_max_seconds')) scrape.loopMaxMs = value * 1000;
    else if (line.startsWith('wikicast_nodejs_eventloop_lag_p99_seconds')) scrape.loopP99Ms = value * 1000;
    else if (line.startsWith('wikicast_nodejs_gc_duration_seconds_sum')) scrape.gcSeconds += value;
    else if (line.startsWith('wikicast_nodejs_gc_duration_seconds_count')) {
      scrape.gcCount += value;
      scrape.gcOver10ms += value;
    } else if (line.startsWith('wikicast_nodejs_gc_duration_seconds_bucket') && line.includes('le="0.01"')) scrape.gcOver10ms -= value;
    else if (line.startsWith('wikicast_edge_delivery_lag_seconds_count')) scrape.delivered = value;
    else if (line.startsWith('wikicast_edge_delivery_lag_seconds_bucket') && line.includes('le="0.025"')) scrape.deliveredIn25ms = value;
  }
  return scrape;
}
