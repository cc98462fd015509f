import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** How an event submitted to ingest ended, the `result` label of `wikicast_ingest_events_total`. */
export type EventResult = 'accepted' | 'invalid' | 'forbidden' | 'rate_limited' | 'unavailable';

export interface IngestMetrics {
  events: Counter<'wiki' | 'result'>;
  publishSeconds: Histogram<string>;
  inflight: Gauge<string>;
  requests: Counter<'route' | 'status'>;
}

/** SPEC "Metrics": the names are a contract with dashboards and alert rules. */
export function createIngestMetrics(registry: Registry, unconfirmed: () => number): IngestMetrics {
  return {
    events: new Counter({
      name: 'wikicast_ingest_events_total',
      help: 'Events submitted to ingest, by wiki and result (accepted only once RabbitMQ confirmed).',
      labelNames: ['wiki', 'result'],
      registers: [registry],
    }),
    publishSeconds: new Histogram({
      name: 'wikicast_ingest_publish_seconds',
      help: 'Time from publishing a request’s events to RabbitMQ confirming all of them.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    inflight: new Gauge({
      name: 'wikicast_ingest_inflight',
      help: 'Events published to RabbitMQ and not yet confirmed (the unconfirmed window in use).',
      registers: [registry],
      collect() {
        this.set(unconfirmed());
      },
    }),
    requests: new Counter({
      name: 'wikicast_ingest_requests_total',
      help: 'HTTP requests to ingest endpoints, by route and status code.',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
  };
}
