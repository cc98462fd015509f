import { RETRACT_EVENT_TYPE } from '@wikicast/protocol';
import type { LogEntry } from '../broker/log-entry.js';

/**
 * The streams `/v2/stream/{streams}` offers, each built from the wikis' recent-changes events as
 * Wikimedia's EventStreams shapes them: the `mediawiki/recentchange` event itself, and the
 * page-create, page-delete and page-move events (Wikimedia's `mediawiki/revision/create`,
 * `mediawiki/page/delete` and `mediawiki/page/move` schemas) from the entries that record them.
 * Fields the extension does not have are left out rather than guessed.
 */

/** A recent-changes entry as the extension sends it (ChangeMessage.php); any field may be missing. */
export interface ChangeMsg {
  id?: number | null;
  type?: string;
  namespace?: number | null;
  title?: string | null;
  page_id?: number | null;
  comment?: string;
  timestamp?: number | null;
  user?: string | null;
  bot?: boolean;
  minor?: boolean;
  length?: { old?: number | null; new?: number | null };
  revision?: { old?: number | null; new?: number | null };
  log_type?: string | null;
  log_action?: string | null;
  log_params?: Record<string, unknown> | unknown[];
  commenthidden?: boolean;
  userhidden?: boolean;
  server_url?: string | null;
  server_name?: string | null;
  server_script_path?: string | null;
  wiki?: string | null;
}

/** What every stream's `meta` says of the entry's place in the log (the rest is per event). */
export interface LogPosition {
  /** The RabbitMQ stream the events are read from, as Wikimedia names the Kafka topic. */
  topic: string;
}

interface StreamSpec {
  /** `meta.stream`, as Wikimedia names it. */
  stream: string;
  schema: string;
  /** The event's data without `$schema` and `meta`, or `null` when the entry is not one of this stream. */
  build: (msg: ChangeMsg) => Record<string, unknown> | null;
}

export const STREAMS = {
  recentchange: {
    stream: 'mediawiki.recentchange',
    schema: '/mediawiki/recentchange/1.0.0',
    build: (msg) => ({ ...msg, ...urls(msg) }),
  },
  'page-create': {
    stream: 'mediawiki.page-create',
    schema: '/mediawiki/revision/create/2.0.0',
    build: (msg) => {
      if (msg.type !== 'new') return null;
      return {
        ...pageFields(msg, msg.title),
        rev_id: msg.revision?.new ?? undefined,
        rev_timestamp: isoTime(msg.timestamp),
        rev_len: msg.length?.new ?? undefined,
        rev_minor_edit: msg.minor,
      };
    },
  },
  'page-delete': {
    stream: 'mediawiki.page-delete',
    schema: '/mediawiki/page/delete/1.0.0',
    build: (msg) => (msg.type === 'log' && msg.log_type === 'delete' && (msg.log_action === 'delete' || msg.log_action === 'delete_redir') ? pageFields(msg, msg.title) : null),
  },
  'page-move': {
    stream: 'mediawiki.page-move',
    schema: '/mediawiki/page/move/1.0.0',
    build: (msg) => {
      if (msg.type !== 'log' || msg.log_type !== 'move') return null;
      const target = logParam(msg, 'target');
      if (target === null) return null;
      // The log names the new title as text; its namespace number is not in the entry.
      return {
        ...pageFields(msg, target),
        page_namespace: undefined,
        prior_state: { page_title: dbKey(msg.title), page_namespace: msg.namespace ?? undefined },
      };
    },
  },
} as const satisfies Record<string, StreamSpec>;

export type StreamName = keyof typeof STREAMS;

export function isStreamName(name: string): name is StreamName {
  return Object.hasOwn(STREAMS, name);
}

/**
 * The `data:` text of `entry` in `stream`, or `null` when the entry is not one of the stream's.
 * Built from the entry's parsed event; no field a hidden revision part would expose is added.
 */
export function streamData(stream: StreamName, entry: LogEntry, position: LogPosition): string | null {
  const spec: StreamSpec = STREAMS[stream];
  // Wikimedia's streams have no retraction: a reader resuming later gets the redacted events.
  if (entry.event.type === RETRACT_EVENT_TYPE) return null;
  const msg = changeMsg(entry.event.msg);
  if (msg === null) return null;
  const body = spec.build(msg);
  if (body === null) return null;
  const meta = {
    uri: urls(msg).title_url,
    id: entry.event.id,
    dt: entry.event.ts,
    domain: msg.server_name ?? undefined,
    stream: spec.stream,
    topic: position.topic,
    partition: 0,
    offset: entry.offset,
  };
  return JSON.stringify({ $schema: spec.schema, meta, ...body });
}

function changeMsg(msg: unknown): ChangeMsg | null {
  return typeof msg === 'object' && msg !== null && !Array.isArray(msg) ? (msg as ChangeMsg) : null;
}

/** Fields every page stream shares (Wikimedia's common page and performer fields). */
function pageFields(msg: ChangeMsg, title: string | null | undefined): Record<string, unknown> {
  return {
    database: msg.wiki ?? undefined,
    page_id: msg.page_id ?? undefined,
    page_title: dbKey(title),
    page_namespace: msg.namespace ?? undefined,
    comment: msg.commenthidden === true ? undefined : msg.comment,
    performer: msg.userhidden === true || msg.user == null ? undefined : { user_text: msg.user, user_is_bot: msg.bot === true },
  };
}

/** `title_url` and, for edits and new pages, `notify_url`, as MediaWiki's RC feed gives them. */
function urls(msg: ChangeMsg): { title_url?: string; notify_url?: string } {
  if (typeof msg.server_url !== 'string') return {};
  const script = `${msg.server_url}${(msg.server_script_path ?? '').replace(/\/$/, '')}/index.php`;
  const out: { title_url?: string; notify_url?: string } = {};
  if (typeof msg.title === 'string') out.title_url = `${script}?title=${encodeURIComponent(dbKey(msg.title) ?? '')}`;
  const rev = msg.revision;
  if (msg.type === 'edit' && rev?.new != null && rev.old != null) out.notify_url = `${script}?diff=${rev.new}&oldid=${rev.old}`;
  else if (msg.type === 'new' && rev?.new != null) out.notify_url = `${script}?oldid=${rev.new}`;
  return out;
}

function dbKey(title: string | null | undefined): string | undefined {
  return typeof title === 'string' ? title.replaceAll(' ', '_') : undefined;
}

function isoTime(seconds: number | null | undefined): string | undefined {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : undefined;
}

function logParam(msg: ChangeMsg, name: string): string | null {
  const params = msg.log_params;
  if (params === undefined || Array.isArray(params)) return null;
  const value = params[name];
  return typeof value === 'string' ? value : null;
}
