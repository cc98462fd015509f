/**
 * `since` names where a resume starts: a cursor (what an edge handed out), or a time, as
 * Wikimedia's EventStreams takes it: an ISO-8601 date-time, or milliseconds since the epoch.
 * A cursor always holds a dot and a time never names a cursor, so the two cannot be confused.
 */

/** A date, a time to the second at least, and an explicit zone: a time without one is ambiguous. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/i;
/** Up to 15 digits: every millisecond count up to the year 33658, none that loses precision. */
const EPOCH_MS = /^\d{1,15}$/;

/** The time a `since` names, in ms since the epoch; `null` when it names none (a cursor, or nothing valid). */
export function sinceTime(text: string): number | null {
  if (EPOCH_MS.test(text)) return Number(text);
  if (!ISO_TIME.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}
