import { BARE_NAME_PATTERN, TOPIC_PATTERN } from './limits.js';

const topicRe = new RegExp(TOPIC_PATTERN);
const bareRe = new RegExp(BARE_NAME_PATTERN);

export type TopicResolution =
  | { ok: true; topic: string }
  | { ok: false; reason: 'invalid' | 'foreign-wiki'; message: string };

/** The error code (error-codes.ts) every intake answers a topic it could not resolve with. */
export function topicErrorCode(reason: Extract<TopicResolution, { ok: false }>['reason']): 'foreign_topic' | 'invalid_topic' {
  return reason === 'foreign-wiki' ? 'foreign_topic' : 'invalid_topic';
}

/** The wiki a full topic belongs to (text before the first colon). */
export function topicWiki(topic: string): string {
  const i = topic.indexOf(':');
  return i < 0 ? '' : topic.slice(0, i);
}

/**
 * Resolves a topic as a client or producer names it, for a token of `wiki`:
 * - `<wiki>:<name>` of the token's own wiki is taken as is;
 * - a name prefixed with another known wiki's id is refused, so wikis never see each other's events;
 * - anything else (the seed's bare `FooDataChanged`, or `Foo:Bar` where `Foo` is no wiki) is scoped
 *   to the token's wiki.
 */
export function resolveTopic(name: string, wiki: string, isKnownWiki: (id: string) => boolean): TopicResolution {
  const prefix = topicWiki(name);
  if (prefix === wiki && topicRe.test(name)) return { ok: true, topic: name };
  if (prefix !== '' && prefix !== wiki && isKnownWiki(prefix)) {
    return { ok: false, reason: 'foreign-wiki', message: `topic "${name}" belongs to wiki "${prefix}", not "${wiki}"` };
  }
  const scoped = `${wiki}:${name}`;
  if (!bareRe.test(name) || !topicRe.test(scoped)) {
    return { ok: false, reason: 'invalid', message: `topic "${name}" is not a valid topic name (no spaces, 1-255 characters)` };
  }
  return { ok: true, topic: scoped };
}

/**
 * Resolves every name of a request (a subscribe frame, a retraction's topics) for a token of
 * `wiki`, all or nothing, without repeats: the first name that does not resolve decides.
 */
export function resolveTopicList(
  names: readonly string[],
  wiki: string,
  isKnownWiki: (id: string) => boolean,
): { ok: true; topics: string[] } | Extract<TopicResolution, { ok: false }> {
  const topics: string[] = [];
  for (const name of names) {
    const resolution = resolveTopic(name, wiki, isKnownWiki);
    if (!resolution.ok) return resolution;
    if (!topics.includes(resolution.topic)) topics.push(resolution.topic);
  }
  return { ok: true, topics };
}

/**
 * Whether a token of `wiki` with these `send` patterns may send to `topic` (a resolved
 * `<wiki>:<name>`). The one rule for sending: a pattern names the topics a client may send to,
 * because the topic is what decides who receives an event; the type is the sender's label within
 * it. A pattern is scoped like a topic name: `demo:chat:*` as written when it begins with the
 * token's wiki, any other (`*`, `chat:*`, the seed's `FooDataChanged`) inside the token's wiki.
 * Seed-era type patterns keep their meaning, as the seed sends to topic = type.
 */
export function maySendTo(patterns: readonly string[] | undefined, wiki: string, topic: string): boolean {
  return matchesTopicPatterns(patterns, wiki, topic);
}

/**
 * Whether one of a token's topic patterns (`send`, `presence`) matches a resolved topic of the
 * token's wiki, each pattern scoped like a topic name (see maySendTo).
 */
export function matchesTopicPatterns(patterns: readonly string[] | undefined, wiki: string, topic: string): boolean {
  if (patterns === undefined || topicWiki(topic) !== wiki) return false;
  return patterns.some((pattern) => matchesPattern(topicWiki(pattern) === wiki ? pattern : `${wiki}:${pattern}`, topic));
}

/**
 * Whether `value` matches a token's `send` pattern: `*` matches any run of characters,
 * everything else literally (`demo:*`, `demo:page:*`, `*`).
 */
export function matchesPattern(pattern: string, value: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === value;
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (!value.startsWith(first) || value.length < first.length + last.length || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] ?? '';
    const found = value.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/**
 * Names under which a wiki publishes its own changes (the extension's `recentchange`, `page:<id>`,
 * `user:<name>` topics): readers trust what arrives there to come from the wiki, so clients may
 * subscribe to them but never send to them, whatever their send patterns say.
 */
export const WIKI_OWNED_NAMES = ['recentchange', 'page:*', 'user:*'] as const;

/** Whether a resolved `<wiki>:<name>` topic is one the wiki alone publishes on (WIKI_OWNED_NAMES). */
export function isWikiOwnedTopic(topic: string): boolean {
  const wiki = topicWiki(topic);
  if (wiki === '') return false;
  const name = topic.slice(wiki.length + 1);
  return WIKI_OWNED_NAMES.some((pattern) => matchesPattern(pattern, name));
}

const USER_TOPIC_INFIX = ':user:';

/**
 * The user whose own topic `<wiki>:user:<name>` is (watch notices, talk-page messages), or `null`
 * for any other topic. Such a topic is private: only that user may subscribe to it.
 */
export function userTopicOwner(topic: string): string | null {
  const wiki = topicWiki(topic);
  if (wiki === '' || !topic.startsWith(USER_TOPIC_INFIX, wiki.length)) return null;
  const name = topic.slice(wiki.length + USER_TOPIC_INFIX.length);
  return name === '' ? null : name;
}
