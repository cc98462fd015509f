/**
 * Wikicast as deployed: ingest and N edge processes behind HAProxy with the shared
 * deploy/haproxy/haproxy.cfg (test/support's HAProxy cluster). Clients connect to HAProxy's
 * entry, which spreads them over the edges (`leastconn`); the producer POSTs through it too.
 */
import { setupHaproxyCluster, signToken, testWiki, wsConnections } from '@wikicast/test/support';
import { BENCH_WIKI, SYSTEM_LABELS, withPublisher, type SystemUnderTest } from './systems.js';

/** `readerGroups`: the groups in every reader's token (for events with an `audience`). */
export async function startWikicastBehindHaproxy(edges: number, readerGroups: string[] = []): Promise<SystemUnderTest> {
  // Ingest's per-wiki rate limit off (the benchmark is the only producer); the rest as startWikicast.
  const cluster = await setupHaproxyCluster('bench-scale', {
    edges,
    wiki: { ...testWiki(BENCH_WIKI), public: true },
    ingestEnv: { WIKICAST_INGEST_RATE_PER_WIKI: '0', INGEST_ID: 'bench-ingest' },
  });
  try {
    const entry = new URL(cluster.haproxy.url);
    const readerToken = await signToken(cluster.wiki, { sub: 'BenchReader', ttlS: 6 * 3600, ...(readerGroups.length ? { groups: readerGroups } : {}) });
    // Ingest accepts publishing tokens that expire within an hour; one measurement is far shorter.
    const ingestToken = await signToken(cluster.wiki, { aud: 'ingest', ttlS: 3000 });
    const edgePids = cluster.edges.map((e) => e.child.pid!);
    return await withPublisher({
      kind: 'wikicast',
      label: `${SYSTEM_LABELS.wikicast} behind HAProxy`,
      protocol: 'wikicast',
      targets: [{ host: entry.hostname, port: Number(entry.port), path: `/v1/ws?token=${encodeURIComponent(readerToken)}` }],
      serverPids: edgePids,
      helperPids: [cluster.ingest.child.pid!, cluster.haproxy.pid],
      processGroups: { edges: edgePids, HAProxy: [cluster.haproxy.pid], ingest: [cluster.ingest.child.pid!] },
      connections: () => Promise.all(cluster.edges.map(async (e) => (await wsConnections(e)) ?? 0)),
      warnings: () => [cluster.ingest, ...cluster.edges].flatMap((p) => p.logs.filter((l) => typeof l.level === 'number' && l.level >= 40)),
      producer: { kind: 'ingest', port: Number(entry.port), token: ingestToken },
      stop: () => cluster.cleanup(),
    });
  } catch (err) {
    await cluster.cleanup();
    throw err;
  }
}
