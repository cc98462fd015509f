/**
 * Visibility bits as MediaWiki's revision deletion sets them (RevisionRecord::DELETED_*, and
 * LogPage::DELETED_* for log entries): 1 the content (a log entry's target and details), 2 the
 * comment, 4 the user, 8 suppressed (hidden from administrators too).
 */
export const HiddenBits = { text: 1, comment: 2, user: 4, restricted: 8 } as const;

/**
 * The type of the event that tells a topic's readers that changes they may have seen were
 * retracted: `msg` is `{revisions: [{id, hidden}], logs: [{id, hidden}], reason?}`.
 */
export const RETRACT_EVENT_TYPE = 'retract';

/** The part of a change event's `msg` (the extension's ChangeMessage) that retraction looks at. */
interface ChangeFields {
  type?: unknown;
  revision?: { new?: unknown } | null;
  log_id?: unknown;
}

/** What a retraction names: revision and log ids with the bits hidden now. */
export interface RetractedIds {
  revisions: ReadonlyMap<number, number>;
  logs: ReadonlyMap<number, number>;
}

/**
 * The bits hidden for the revision or log entry a change message is about (`msg.revision.new`,
 * or `msg.log_id` of a log entry), or 0 when none of them is retracted or the message is no change.
 */
export function retractedBits(msg: unknown, retracted: RetractedIds): number {
  if (typeof msg !== 'object' || msg === null) return 0;
  const change = msg as ChangeFields;
  let bits = 0;
  const revision = change.revision?.new;
  if (typeof revision === 'number') bits |= retracted.revisions.get(revision) ?? 0;
  if (typeof change.log_id === 'number') bits |= retracted.logs.get(change.log_id) ?? 0;
  return bits;
}

/**
 * A change message with what `hidden` hides removed, as MediaWiki shows such a change to the
 * public (and as the extension's ChangeMessage.php builds one hidden from the start): the comment
 * emptied with `commenthidden`, the user nulled with `userhidden`, the content's traces (a
 * revision's lengths; a log entry's target and details) dropped with `texthidden`. Returns a copy.
 */
export function redactChange(msg: Record<string, unknown>, hidden: number): Record<string, unknown> {
  const out: Record<string, unknown> = { ...msg };
  if (hidden & HiddenBits.text) {
    if (out.type !== 'edit' && out.type !== 'new') {
      // A log action (a `log` change, or a page's delete or move event): its target and details.
      delete out.log_params;
      delete out.old_title;
      out.title = null;
      out.namespace = null;
      out.page_id = null;
    } else {
      delete out.length;
    }
    out.texthidden = true;
  }
  if (hidden & HiddenBits.comment) {
    out.comment = '';
    delete out.parsedcomment;
    out.commenthidden = true;
  }
  if (hidden & HiddenBits.user) {
    out.user = null;
    out.userhidden = true;
  }
  return out;
}
