import type { WikiEvent } from '@wikicast/protocol';
import { EdgeError } from '../edge-error.js';
import type { ChangeMsg } from './streams.js';

/**
 * The server-side filters of `/v2/stream/…` (EventStreams has none; its users filter every event
 * of every wiki themselves): `?wiki=a,b`, `?type=edit,new`, `?namespace=0,2`, `?bot=true|false`.
 * A parameter given several times, or as a comma-separated list, allows any of its values;
 * different parameters must all match. Applied before anything is encoded or written.
 */
export interface FarmFilter {
  wikis: ReadonlySet<string> | null;
  types: ReadonlySet<string> | null;
  namespaces: ReadonlySet<number> | null;
  bot: boolean | null;
}

/** The recent-changes types MediaWiki has (RecentChange::parseToRCType). */
const CHANGE_TYPES = new Set(['edit', 'new', 'log', 'categorize', 'external']);

/** Reads the filters from the query; EdgeError `invalid_query` names the first bad one. */
export function parseFarmFilter(query: URLSearchParams): FarmFilter {
  const types = listParam(query, 'type');
  for (const type of types ?? []) {
    if (!CHANGE_TYPES.has(type)) throw new EdgeError('invalid_query', `type=${type} is not a recent-changes type (${[...CHANGE_TYPES].join(', ')})`);
  }
  const namespaces = listParam(query, 'namespace');
  for (const ns of namespaces ?? []) {
    if (!/^-?\d{1,9}$/.test(ns)) throw new EdgeError('invalid_query', `namespace=${ns} is not a namespace number`);
  }
  const bots = listParam(query, 'bot');
  if (bots !== null && (bots.length !== 1 || (bots[0] !== 'true' && bots[0] !== 'false'))) {
    throw new EdgeError('invalid_query', 'bot must be true or false');
  }
  const wikis = listParam(query, 'wiki');
  return {
    wikis: wikis === null ? null : new Set(wikis),
    types: types === null ? null : new Set(types),
    namespaces: namespaces === null ? null : new Set(namespaces.map(Number)),
    bot: bots === null ? null : bots[0] === 'true',
  };
}

/** Whether the event passes every filter given. */
export function passesFilter(filter: FarmFilter, event: WikiEvent, msg: ChangeMsg): boolean {
  if (filter.wikis !== null && !filter.wikis.has(event.wiki)) return false;
  if (filter.types !== null && (typeof msg.type !== 'string' || !filter.types.has(msg.type))) return false;
  if (filter.namespaces !== null && (typeof msg.namespace !== 'number' || !filter.namespaces.has(msg.namespace))) return false;
  if (filter.bot !== null && (msg.bot === true) !== filter.bot) return false;
  return true;
}

/** Every value of a repeatable, comma-separated parameter; `null` when it is absent. */
function listParam(query: URLSearchParams, name: string): string[] | null {
  if (!query.has(name)) return null;
  const values = query
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
  if (values.length === 0) throw new EdgeError('invalid_query', `${name} is empty: leave it out to take every value`);
  return values;
}
