import { decodeCursor, sinceTime, type Cursor } from '@wikicast/protocol';

/** Where a resume starts: after a cursor's event, or at the first event stamped at or after a time. */
export type ResumePoint = { kind: 'cursor'; cursor: Cursor } | { kind: 'time'; ms: number };

/**
 * How far a producer's clock may be ahead of the broker's. Events are kept in stream order, not
 * in `ts` order: an event stamped at `t` may sit in the stream after one stamped later, and its
 * chunk's broker timestamp may be earlier than `t` by the producer's clock skew. A time-based
 * resume therefore starts reading this much before the time asked for, and hands on only events
 * stamped at or after it.
 */
export const CLOCK_SKEW_MS = 60_000;

/** `since` as a cursor or a time; `null` when it is neither. */
export function parseResumePoint(since: string): ResumePoint | null {
  const cursor = decodeCursor(since);
  if (cursor !== null) return { kind: 'cursor', cursor };
  const ms = sinceTime(since);
  return ms === null ? null : { kind: 'time', ms };
}
