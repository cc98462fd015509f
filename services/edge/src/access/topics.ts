import { matchesTopicPatterns, resolveTopicList, topicErrorCode, userTopicOwner } from '@wikicast/protocol';
import type { WikiRegistry } from '@wikicast/service-runtime';
import { EdgeError } from '../edge-error.js';
import type { Identity } from './identity.js';

/**
 * Resolves the topics of one frame for a connection of `wiki`, all or nothing: bare seed names
 * are scoped to the wiki, another wiki's topic is `foreign_topic`.
 */
export function resolveTopics(names: readonly string[], wiki: string, wikis: WikiRegistry): string[] {
  const resolution = resolveTopicList(names, wiki, (id) => wikis.has(id));
  if (!resolution.ok) throw new EdgeError(topicErrorCode(resolution.reason), resolution.message);
  return resolution.topics;
}

/**
 * Refuses a subscription to another user's own topic (`<wiki>:user:<name>`): what arrives there
 * (whose watched pages changed, talk-page messages) is that user's business alone. The events carry
 * an audience of that user too; this refusal also keeps others from learning when they arrive.
 */
export function assertMaySubscribe(topics: readonly string[], identity: Identity): void {
  for (const topic of topics) throwIf(subscribeRefusal(topic, identity));
}

/** Why `identity` may not subscribe to `topic`, or `null` when it may (assertMaySubscribe). */
export function subscribeRefusal(topic: string, identity: Identity): EdgeError | null {
  const owner = userTopicOwner(topic);
  if (owner === null || owner === identity.user) return null;
  return new EdgeError('forbidden', `topic ${JSON.stringify(topic)} is the user ${JSON.stringify(owner)}'s own; only that user may subscribe to it`);
}

/**
 * Refuses presence (joining, or asking who is there) on a topic the connection may not read, or
 * one its token's `presence` claim does not name: the wiki names in it the pages the user may
 * read, so a page's presence shows only to its readers. A connection without a token has no
 * presence at all; a token without the claim may use every topic it may subscribe to.
 */
export function assertMayUsePresence(topics: readonly string[], identity: Identity): void {
  // Every topic's subscription first, as before the claim: the refusal named is the same.
  assertMaySubscribe(topics, identity);
  for (const topic of topics) throwIf(presenceRefusal(topic, identity));
}

/** Why `identity` may not use `topic`'s presence, or `null` when it may (assertMayUsePresence). */
export function presenceRefusal(topic: string, identity: Identity): EdgeError | null {
  const refusal = subscribeRefusal(topic, identity);
  if (refusal !== null || identity.presence === null || matchesTopicPatterns(identity.presence, identity.wiki, topic)) return refusal;
  const why = identity.anonymous ? 'connect with a token for presence' : "the token's presence claim does not name it";
  return new EdgeError('forbidden', `no presence on topic ${JSON.stringify(topic)}: ${why}`);
}

function throwIf(refusal: EdgeError | null): void {
  if (refusal !== null) throw refusal;
}
