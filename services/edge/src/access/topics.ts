import { resolveTopic } from '@wikicast/protocol';
import type { WikiRegistry } from '@wikicast/service-runtime';
import { EdgeError } from '../edge-error.js';

/**
 * Resolves the topics of one frame for a connection of `wiki`, all or nothing: bare seed names
 * are scoped to the wiki, another wiki's topic is `foreign_topic`.
 */
export function resolveTopics(names: readonly string[], wiki: string, wikis: WikiRegistry): string[] {
  const topics: string[] = [];
  for (const name of names) {
    const resolution = resolveTopic(name, wiki, (id) => wikis.has(id));
    if (!resolution.ok) throw new EdgeError(resolution.reason === 'foreign-wiki' ? 'foreign_topic' : 'invalid_topic', resolution.message);
    if (!topics.includes(resolution.topic)) topics.push(resolution.topic);
  }
  return topics;
}
