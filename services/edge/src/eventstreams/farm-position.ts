import { decodeCursor } from '@wikicast/protocol';
import { EdgeError } from '../edge-error.js';

/**
 * EventStreams' `id:` is a JSON array of positions, one per Kafka topic and partition the reader
 * follows, and a reconnecting EventSource sends it back as `Last-Event-ID`. Wikicast's streams
 * all come from one RabbitMQ stream, so the array has one position: the stream's name as
 * `topic`, partition 0, the `offset`, and the event's `cursor` (the offset and a check of the
 * event's id, which turns a position in a re-created stream into a reset instead of wrong
 * events). A position may name a `timestamp` (ms since the epoch) instead, as Wikimedia's do.
 */
export function farmId(topic: string, cursor: string): string {
  const offset = decodeCursor(cursor)?.offset;
  return JSON.stringify([{ topic, partition: 0, offset, cursor }]);
}

/**
 * The `since` a `Last-Event-ID` names (a cursor, or a time in ms as text). EdgeError
 * `invalid_query` when it names no position this cluster's stream `topic` can resume from.
 */
export function sinceFromLastEventId(text: string, topic: string): string {
  let positions: unknown;
  try {
    positions = JSON.parse(text);
  } catch {
    throw new EdgeError('invalid_query', 'Last-Event-ID is not the JSON array this stream hands out as id');
  }
  if (!Array.isArray(positions)) throw new EdgeError('invalid_query', 'Last-Event-ID is not a JSON array of positions');
  for (const position of positions as unknown[]) {
    if (typeof position !== 'object' || position === null) continue;
    const { topic: named, cursor, timestamp } = position as Record<string, unknown>;
    if (named !== topic) continue;
    if (typeof cursor === 'string' && decodeCursor(cursor) !== null) return cursor;
    if (typeof timestamp === 'number' && Number.isSafeInteger(timestamp) && timestamp >= 0) return String(timestamp);
  }
  throw new EdgeError('invalid_query', `Last-Event-ID names no cursor or timestamp of topic ${JSON.stringify(topic)}`);
}
