/** Wire limits shared by every part, so a client can check before the server refuses. */
export const WIKI_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
/** `<wiki>:<name>`; the name may itself contain colons (`page:42`, the seed's `42:UpdateComments`). */
export const TOPIC_PATTERN = '^[A-Za-z0-9_-]{1,64}:[^\\s]{1,255}$';
/** A bare event name (the seed's `FooDataChanged`), scoped to the token's wiki. */
export const BARE_NAME_PATTERN = '^[^\\s:][^\\s]{0,254}$';
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const MAX_TYPE_LENGTH = 128;
/**
 * Event types a producer may not use: `wikicast.` (any case) names the connection's own messages
 * (SSE's `wikicast.reset`, `wikicast.close`), which an event must never be taken for.
 */
export const RESERVED_TYPE_PREFIX = 'wikicast.';
export const EVENT_TYPE_PATTERN = '^(?![Ww][Ii][Kk][Ii][Cc][Aa][Ss][Tt]\\.)';
/**
 * How deep objects and arrays may nest in a document (an event, a frame, a POST body). Serialising
 * is recursive: a few thousand levels overflow the stack of whichever process builds the text,
 * so every intake refuses deeper documents rather than letting one edge fail on them.
 */
export const MAX_JSON_DEPTH = 64;
export const MAX_CLIENT_ID_LENGTH = 64;
export const MAX_RECIPIENTS = 1000;
export const MAX_AUDIENCE_ENTRIES = 1000;
export const MAX_TOPICS_PER_FRAME = 100;
export const MAX_REF_LENGTH = 128;
export const MAX_CURSOR_LENGTH = 64;
export const MAX_TOKEN_LENGTH = 8192;

/**
 * Named members a presence frame lists at most, and the topic size up to which members are sent
 * each join and leave: beyond it they get a `presence` summary at most every
 * PRESENCE_SUMMARY_INTERVAL_MS instead, so a crowded topic costs each member O(1), not O(members).
 */
export const PRESENCE_LISTED = 100;
export const PRESENCE_SUMMARY_INTERVAL_MS = 2000;
