import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type Transport = 'ws' | 'sse';
export type ReplaySource = 'ring' | 'stream';
/** Why a resume got `reset` instead of history, as `wikicast_edge_replay_resets_total{reason}` counts it. */
export type ResetReason = 'anonymous_limit' | 'unavailable';

/** Why a connection ended (`wikicast_edge_disconnects_total{reason}`); the error registry binds refusals to theirs. */
export type { DisconnectReason } from '@wikicast/protocol';

export interface EdgeMetrics {
  connections: Gauge<'transport'>;
  deliveries: Counter;
  deliveryLag: Histogram;
  disconnects: Counter<'reason'>;
  replayed: Counter<'source'>;
  streamReads: Gauge<'state'>;
  resets: Counter<'reason'>;
  invalidMessages: Counter;
  retractions: Gauge;
  presenceMembers: Gauge<'scope'>;
  presenceMessages: Counter<'direction'>;
  presenceBytes: Counter<'direction'>;
}

/** The edge's metrics as SPEC names them, on the instance's own registry. */
export function createEdgeMetrics(registry: Registry): EdgeMetrics {
  const registers = [registry];
  return {
    connections: new Gauge({ name: 'wikicast_edge_connections', help: 'Open client connections.', labelNames: ['transport'], registers }),
    deliveries: new Counter({ name: 'wikicast_edge_deliveries_total', help: 'Events written to client connections (one per event and connection).', registers }),
    deliveryLag: new Histogram({
      name: 'wikicast_edge_delivery_lag_seconds',
      help: "Time from the event's ts to its live delivery on this edge (observed once per event delivered to at least one connection).",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    disconnects: new Counter({ name: 'wikicast_edge_disconnects_total', help: 'Client connections that ended, by reason.', labelNames: ['reason'], registers }),
    replayed: new Counter({ name: 'wikicast_edge_replayed_events_total', help: 'Events replayed to resuming subscribers, by source (ring: memory; stream: RabbitMQ).', labelNames: ['source'], registers }),
    streamReads: new Gauge({ name: 'wikicast_edge_stream_reads', help: 'Resumes reading history from the stream, by state (running, or waiting for a slot).', labelNames: ['state'], registers }),
    resets: new Counter({
      name: 'wikicast_edge_replay_resets_total',
      help: 'Resumes answered with reset instead of history, by reason (anonymous_limit: an anonymous cursor older than memory; unavailable: history gone or not a cursor).',
      labelNames: ['reason'],
      registers,
    }),
    presenceMembers: new Gauge({ name: 'wikicast_edge_presence_members', help: 'Presence memberships (a connection in a topic), by scope: local (this edge\'s connections) or cluster (as this edge knows the cluster).', labelNames: ['scope'], registers }),
    presenceMessages: new Counter({ name: 'wikicast_edge_presence_messages_total', help: 'Presence messages between edges, by direction (out: published by this edge; in: received from others).', labelNames: ['direction'], registers }),
    presenceBytes: new Counter({ name: 'wikicast_edge_presence_bytes_total', help: 'Bytes of presence messages between edges, by direction.', labelNames: ['direction'], registers }),
    retractions: new Gauge({ name: 'wikicast_edge_retractions', help: 'Retracted revisions and log entries this edge redacts in the events it hands out.', registers }),
    invalidMessages: new Counter({ name: 'wikicast_edge_invalid_stream_messages_total', help: 'Stream messages that are not deliverable events; the readers of their topic got reset.', registers }),
  };
}
