import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { REPO_ROOT } from '@wikicast/test/support';
import { readEdgeConfig } from '../src/config.js';

/** docs/edge.md is the authority on the edge's settings: its table must name every one the code reads, with the same default. */
it("docs/edge.md's configuration table lists every setting the edge reads, with its default", () => {
  const source = readFileSync(`${REPO_ROOT}/services/edge/src/config.ts`, 'utf8');
  const doc = readFileSync(`${REPO_ROOT}/docs/edge.md`, 'utf8');
  const read = new Set([...source.matchAll(/'(WIKICAST_[A-Z0-9_]+|EDGE_ID)'/g)].map((m) => m[1]!));
  const rows = new Map([...doc.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()]));
  assert.ok(read.size >= 10, 'the settings are found in config.ts');
  for (const name of read) assert.ok(rows.has(name), `docs/edge.md documents ${name}`);
  const defaults = readEdgeConfig({ WIKICAST_WIKIS_FILE: '/dev/null' }) as unknown as Record<string, unknown>;
  const numeric: Record<string, string> = {
    WIKICAST_EDGE_MAX_PAYLOAD_BYTES: 'maxPayloadBytes',
    WIKICAST_EDGE_MAX_BUFFERED_BYTES: 'maxBufferedBytes',
    WIKICAST_EDGE_IDLE_TIMEOUT_S: 'idleTimeoutS',
    WIKICAST_EDGE_STREAM_PREFETCH: 'streamPrefetch',
    WIKICAST_EDGE_MAX_TOPICS: 'maxTopicsPerConnection',
    WIKICAST_EDGE_RECENT_EVENTS: 'recentEvents',
    WIKICAST_EDGE_REVOCATION_MEMORY_S: 'revocationMemoryS',
    WIKICAST_DRAIN_TIMEOUT_S: 'drainTimeoutS',
    WIKICAST_EDGE_SEND_RATE: 'sendRatePerS',
    WIKICAST_EDGE_SEND_BURST: 'sendBurst',
    WIKICAST_EDGE_SEND_TIMEOUT_MS: 'sendConfirmTimeoutMs',
    WIKICAST_EDGE_SSE_HEARTBEAT_S: 'sseHeartbeatS',
    WIKICAST_EDGE_STREAM_READS: 'maxStreamReads',
    WIKICAST_EDGE_STREAM_READS_PER_ADDRESS: 'maxStreamReadsPerAddress',
  };
  for (const [name, key] of Object.entries(numeric)) assert.equal(rows.get(name), String(defaults[key]), `the default of ${name}`);
  assert.equal(rows.get('WIKICAST_EDGE_TRUSTED_PROXIES'), (defaults.trustedProxies as string[]).join(','), 'the default of WIKICAST_EDGE_TRUSTED_PROXIES');
});
