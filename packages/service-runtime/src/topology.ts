import type { Channel, ChannelModel } from 'amqplib';

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

/** How the stream is declared; RabbitMQ applies these only when it creates the stream. */
export interface StreamSettings {
  /** RabbitMQ `x-max-age`, e.g. `7D`. */
  maxAge: string;
  maxLengthBytes: number;
  /** RabbitMQ `x-initial-cluster-size`: nodes holding a replica (all nodes of a smaller cluster). */
  replicas: number;
}

/** How `declareTopology` found the stream. */
export type StreamDeclaration =
  /** Created now, or there already with the same arguments. */
  | 'declared'
  /** There already, declared with another (or no) replica count: replicas are managed with rabbitmq-streams, not by declaring. */
  | 'existing-replicas-kept';

const REPLICAS_ARG = 'x-initial-cluster-size';

/**
 * Declares exchanges, the stream and its binding, each on a short-lived channel of `model`.
 * Idempotent: every service calls it at every (re)connect. Exchanges are durable and the stream
 * replicated, so all of it outlives the node that declared it. A stream declared earlier with
 * other retention arguments is refused by the broker (PRECONDITION_FAILED); retention changes
 * belong in a RabbitMQ policy, so say that. A stream declared with another replica count, or
 * before the setting existed, is used as it is: RabbitMQ would refuse the re-declaration, and a
 * declaration cannot move replicas anyway.
 */
export async function declareTopology(model: ChannelModel, names: TopologyNames, stream: StreamSettings): Promise<StreamDeclaration> {
  await withChannel(model, async (channel) => {
    await channel.assertExchange(names.events, 'fanout', { durable: true });
    await channel.assertExchange(names.control, 'fanout', { durable: true });
  });
  const retention = { 'x-queue-type': 'stream', 'x-max-age': stream.maxAge, 'x-max-length-bytes': stream.maxLengthBytes };
  let declaration: StreamDeclaration = 'declared';
  const declared = await declareStream(model, names.log, { ...retention, [REPLICAS_ARG]: stream.replicas });
  if (declared !== null) {
    if (!declared.includes(REPLICAS_ARG)) throw retentionError(names, declared);
    declaration = 'existing-replicas-kept';
    // Without the replica count RabbitMQ still checks retention, for a stream declared without one;
    // a stream declared with another count is refused again, and then only checked to exist.
    const again = await declareStream(model, names.log, retention);
    if (again !== null && !again.includes(REPLICAS_ARG)) throw retentionError(names, again);
    if (again !== null) await withChannel(model, (channel) => channel.checkQueue(names.log));
  }
  await withChannel(model, (channel) => channel.bindQueue(names.log, names.events, ''));
  return declaration;
}

/** Removes everything `declareTopology` made; for tests that isolate themselves under a prefix. */
export async function deleteTopology(channel: Channel, names: TopologyNames): Promise<void> {
  await channel.deleteQueue(names.log);
  await channel.deleteExchange(names.events);
  await channel.deleteExchange(names.control);
}

/** Declares the stream; the PRECONDITION_FAILED message if RabbitMQ refuses the arguments, else `null`. */
async function declareStream(model: ChannelModel, queue: string, args: Record<string, unknown>): Promise<string | null> {
  try {
    await withChannel(model, (channel) => channel.assertQueue(queue, { durable: true, arguments: args }));
    return null;
  } catch (err) {
    const message = (err as Error).message;
    if (message.includes('PRECONDITION_FAILED')) return message;
    throw err;
  }
}

function retentionError(names: TopologyNames, message: string): Error {
  return new Error(
    `stream ${names.log} exists with other arguments than WIKICAST_STREAM_MAX_AGE/WIKICAST_STREAM_MAX_BYTES ask for; ` +
      `change retention with a RabbitMQ policy instead (${message})`,
  );
}

/** A channel for one step: RabbitMQ closes a channel on a refused declaration, so each step gets its own. */
async function withChannel<T>(model: ChannelModel, step: (channel: Channel) => Promise<T>): Promise<T> {
  const channel = await model.createChannel();
  // The refusal reaches the caller as the step's rejection; without a listener amqplib would also
  // rethrow it as an uncaught 'error'.
  let refusal: Error | null = null;
  channel.on('error', (err: Error) => {
    refusal = err;
  });
  const result = await step(channel);
  if (refusal === null) await channel.close();
  return result;
}
