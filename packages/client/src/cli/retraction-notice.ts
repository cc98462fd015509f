import { HiddenBits, RETRACT_EVENT_TYPE } from '@wikicast/protocol';

/** The fields each visibility bit hides, as a person reads them. */
const HIDDEN_NAMES: ReadonlyArray<[number, string]> = [
  [HiddenBits.text, 'content'],
  [HiddenBits.comment, 'summary'],
  [HiddenBits.user, 'user'],
];

interface RetractedItem {
  id?: unknown;
  hidden?: unknown;
}

/**
 * The stderr line `wikicast tail` adds to a `retract` event (which it prints on stdout like any
 * event): which earlier changes to drop or redact, and what was hidden. `null` for other events.
 */
export function retractionNotice(event: { type: string; topic: string; msg?: unknown }): string | null {
  if (event.type !== RETRACT_EVENT_TYPE || typeof event.msg !== 'object' || event.msg === null) return null;
  const msg = event.msg as { revisions?: unknown; logs?: unknown; reason?: unknown };
  const parts = [...describe('revision', msg.revisions), ...describe('log entry', msg.logs)];
  const reason = typeof msg.reason === 'string' ? ` (${msg.reason})` : '';
  return `wikicast: retraction on ${event.topic}${reason}: ${parts.join('; ') || 'nothing named'}; earlier lines about them show what is now hidden: drop or redact them`;
}

function describe(kind: string, items: unknown): string[] {
  if (!Array.isArray(items)) return [];
  return (items as RetractedItem[]).map((item) => {
    const hidden = typeof item.hidden === 'number' ? item.hidden : 0;
    const fields = HIDDEN_NAMES.filter(([bit]) => (hidden & bit) !== 0).map(([, name]) => name);
    return `${kind} ${String(item.id)} hides ${fields.join(', ') || 'nothing more'}`;
  });
}
