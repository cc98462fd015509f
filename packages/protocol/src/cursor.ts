/**
 * A cursor names one event's place in the log: its stream offset, plus a check taken from the
 * event's id. Offsets restart at 0 when the stream is deleted and re-created, so an offset alone
 * could silently point at a different event; the id check turns that case into a reset instead.
 * Clients treat cursors as opaque strings.
 */
export interface Cursor {
  offset: number;
  check: string;
}

const CHECK_LENGTH = 8;
const cursorRe = /^([0-9a-z]{1,14})\.([0-9a-f]{8})$/;

/** The check for an event id: the tail of a UUID is its random part. */
export function cursorCheck(eventId: string): string {
  return eventId.slice(-CHECK_LENGTH).toLowerCase();
}

export function encodeCursor(offset: number, eventId: string): string {
  return `${offset.toString(36)}.${cursorCheck(eventId)}`;
}

export function decodeCursor(text: string): Cursor | null {
  const m = cursorRe.exec(text);
  if (m === null) return null;
  const offset = Number.parseInt(m[1] ?? '', 36);
  if (!Number.isSafeInteger(offset)) return null;
  return { offset, check: m[2] ?? '' };
}
