import type { Channel } from 'amqplib';
import type { Logger } from 'pino';

/**
 * Watches a long-lived channel: when RabbitMQ closes it with an error while the connection lives,
 * it is logged and handed to `recycle` (the broker's restart), so that the channel comes back
 * through the broker's setup like every other, rather than being mended on its own.
 */
export function recycleOnChannelError(channel: Channel, what: string, logger: Logger, recycle: (reason: string) => void): void {
  channel.on('error', (err: Error) => {
    logger.error({ err }, `${what} channel failed`);
    recycle(`${what} channel failed: ${err.message}`);
  });
}
