/**
 * The metric names a PromQL expression reads, and the names Wikicast's dashboards and alerts may
 * use: SPEC "Metrics" and a few more of the services', the default process metrics, the exporters
 * of HAProxy and RabbitMQ, and the Blackbox exporter's certificate expiry.
 */
const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan']);

export const SPEC_METRICS = {
  counters: ['wikicast_ingest_events_total', 'wikicast_edge_deliveries_total', 'wikicast_edge_disconnects_total', 'wikicast_edge_replayed_events_total'],
  gauges: ['wikicast_ingest_inflight', 'wikicast_edge_connections'],
  histograms: ['wikicast_ingest_publish_seconds', 'wikicast_edge_delivery_lag_seconds'],
} as const;

/** Service metrics beyond SPEC's that alerts read (defined in each service's src/metrics.ts). */
export const SERVICE_METRICS = ['wikicast_ingest_requests_total'] as const;
/** The Blackbox exporter's, from the Probe of the public https address (overlays/example). */
const PROBE_METRICS = ['probe_ssl_earliest_cert_expiry'];

const HISTOGRAM_SERIES = SPEC_METRICS.histograms.flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]);
const ALLOWED = new Set<string>([...SPEC_METRICS.counters, ...SPEC_METRICS.gauges, ...HISTOGRAM_SERIES, ...SERVICE_METRICS, ...PROBE_METRICS, 'up']);

/** Whether a dashboard or an alert may read this metric. */
export function isKnownMetric(name: string): boolean {
  return ALLOWED.has(name) || /^wikicast_(process|nodejs)_[a-z0-9_]+$/.test(name) || /^haproxy_[a-z0-9_]+$/.test(name) || /^rabbitmq_[a-z0-9_]+$/.test(name);
}

/** Metric names in an expression: identifiers that are not functions, keywords or labels. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w$.])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = match[0];
    const isCall = /^\s*\(/.test(stripped.slice(match.index + name.length));
    if (!isCall && !KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}
