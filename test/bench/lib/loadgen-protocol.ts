/** Messages between the runner and its load-generator workers (over the IPC channel). */
export type Protocol = 'wikicast' | 'plain' | 'socketio';

export interface Target {
  host: string;
  port: number;
  /** Request path with query, e.g. `/v1/ws?token=…` or `/socket.io/?EIO=4&transport=websocket`. */
  path: string;
  count: number;
}

export type LoadgenCommand =
  | { cmd: 'connect'; targets: Target[]; protocol: Protocol; topics: string[]; topicOffset: number; localAddresses: string[]; concurrency: number }
  | { cmd: 'reset'; latency: boolean }
  | { cmd: 'progress'; everyMs: number }
  | { cmd: 'report' }
  | { cmd: 'close' };

export type LoadgenReply =
  | { type: 'started'; pid: number }
  | { type: 'connected'; ready: number; failed: number; errors: string[]; ms: number }
  | { type: 'reset' }
  | { type: 'progress'; deliveries: number }
  | {
      type: 'report';
      deliveries: number;
      histogram: string | null;
      open: number;
      closedAfterReady: number;
      closeCodes: Record<string, number>;
      rssBytes: number;
      /** The longest event-loop delay since the last reset, ms. */
      loopDelayMaxMs: number;
    }
  | { type: 'closed' };
