import type { Channel, ChannelModel } from 'amqplib';

/** RabbitMQ names under a prefix, so tests and tenants can share one broker (SPEC "RabbitMQ topology"). */
export interface TopologyNames {
  /** Durable fanout exchange every event is published to. */
  events: string;
  /** Durable stream queue bound to `events`: the replayable log. */
  log: string;
  /** Durable fanout exchange for revocations and drain notices. */
  control: string;
  /** Durable stream queue bound to `control`: every revocation, kept, so that an edge started or reconnected later still learns it. */
  controlLog: string;
  /** Edges' presence messages (a non-durable fanout; each edge binds an exclusive queue). */
  presence: string;
}

export function topologyNames(prefix: string): TopologyNames {
  return { events: `${prefix}.events`, log: `${prefix}.events.log`, control: `${prefix}.control`, controlLog: `${prefix}.control.log`, presence: `${prefix}.presence` };
}

/**
 * How long the control stream keeps revocations at least: longer than any token lives and than
 * edges remember revocations (WIKICAST_EDGE_REVOCATION_MEMORY_S, at most a week), so every edge
 * that starts can learn every revocation that still refuses a live token. Revocations are a few
 * hundred bytes; a week of them is nothing.
 */
export const CONTROL_LOG_MAX_AGE = '7D';

/** RabbitMQ's `x-max-age` units, in ms; a month and a year rounded up, as a retention is a lower bound here. */
const MAX_AGE_UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, D: 86_400_000, M: 31 * 86_400_000, Y: 366 * 86_400_000 };

/** An `x-max-age` such as `7D` in ms (NaN for anything else). */
export function maxAgeMs(maxAge: string): number {
  const match = /^(\d+)(Y|M|D|h|m|s)$/.exec(maxAge);
  return match === null ? Number.NaN : Number(match[1]) * MAX_AGE_UNIT_MS[match[2]!]!;
}

/**
 * The control stream's retention: the longer of CONTROL_LOG_MAX_AGE and the events stream's, as
 * it also holds retractions, which must outlive every event they redact (an edge that starts
 * reads them all back before it serves anyone).
 */
export function controlLogMaxAge(eventsMaxAge: string): string {
  return maxAgeMs(eventsMaxAge) > maxAgeMs(CONTROL_LOG_MAX_AGE) ? eventsMaxAge : CONTROL_LOG_MAX_AGE;
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
  await declareControlLog(model, names, stream.replicas, controlLogMaxAge(stream.maxAge));
  return declaration;
}

/**
 * The control stream, replicated like the events stream. One that exists keeps its replicas and
 * its retention (RabbitMQ cannot change them by declaring; docs/operations.md says how).
 */
async function declareControlLog(model: ChannelModel, names: TopologyNames, replicas: number, maxAge: string): Promise<void> {
  const retention = { 'x-queue-type': 'stream', 'x-max-age': maxAge };
  const refused = await declareStream(model, names.controlLog, { ...retention, [REPLICAS_ARG]: replicas });
  if (refused !== null && (await declareStream(model, names.controlLog, retention)) !== null) {
    await withChannel(model, (channel) => channel.checkQueue(names.controlLog));
  }
  await withChannel(model, (channel) => channel.bindQueue(names.controlLog, names.control, ''));
}

/** Removes everything `declareTopology` made; for tests that isolate themselves under a prefix. */
export async function deleteTopology(channel: Channel, names: TopologyNames): Promise<void> {
  await channel.deleteQueue(names.log);
  await channel.deleteQueue(names.controlLog);
  await channel.deleteExchange(names.events);
  await channel.deleteExchange(names.control);
  // Edges declare it when they attach; a test may have started none.
  await channel.deleteExchange(names.presence);
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
