import type { Channel } from 'amqplib';

/** RabbitMQ names under a prefix, so tests and tenants can share one broker (SPEC "RabbitMQ topology"). */
export interface TopologyNames {
  /** Durable fanout exchange every event is published to. */
  events: string;
  /** Durable stream queue bound to `events`: the replayable log. */
  log: string;
  /** Durable fanout exchange for revocations and drain notices. */
  control: string;
}

export function topologyNames(prefix: string): TopologyNames {
  return { events: `${prefix}.events`, log: `${prefix}.events.log`, control: `${prefix}.control` };
}

export interface StreamRetention {
  /** RabbitMQ `x-max-age`, e.g. `7D`. */
  maxAge: string;
  maxLengthBytes: number;
}

/**
 * Declares exchanges, the stream and its binding. Idempotent: every service calls it at every
 * (re)connect. A stream declared earlier with other retention arguments is refused by the broker
 * (PRECONDITION_FAILED); retention changes belong in a RabbitMQ policy, so say that.
 */
export async function declareTopology(channel: Channel, names: TopologyNames, retention: StreamRetention): Promise<void> {
  await channel.assertExchange(names.events, 'fanout', { durable: true });
  await channel.assertExchange(names.control, 'fanout', { durable: true });
  try {
    await channel.assertQueue(names.log, {
      durable: true,
      arguments: {
        'x-queue-type': 'stream',
        'x-max-age': retention.maxAge,
        'x-max-length-bytes': retention.maxLengthBytes,
      },
    });
  } catch (err) {
    const message = (err as Error).message;
    if (message.includes('PRECONDITION_FAILED')) {
      throw new Error(
        `stream ${names.log} exists with other arguments than WIKICAST_STREAM_MAX_AGE/WIKICAST_STREAM_MAX_BYTES ask for; ` +
          `change retention with a RabbitMQ policy instead (${message})`,
        { cause: err },
      );
    }
    throw err;
  }
  await channel.bindQueue(names.log, names.events, '');
}

/** Removes everything `declareTopology` made; for tests that isolate themselves under a prefix. */
export async function deleteTopology(channel: Channel, names: TopologyNames): Promise<void> {
  await channel.deleteQueue(names.log);
  await channel.deleteExchange(names.events);
  await channel.deleteExchange(names.control);
}
