/** Why RabbitMQ could not take (or confirm) a publish; every reason maps to 503 `unavailable`. */
export type PublishFailure = 'down' | 'blocked' | 'window_full' | 'timeout' | 'nacked' | 'channel_closed' | 'closing';

export class PublishError extends Error {
  readonly code = 'unavailable';
  constructor(
    readonly reason: PublishFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PublishError';
  }
}
