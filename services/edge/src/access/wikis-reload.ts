import type { WikiRegistry } from '@wikicast/service-runtime';
import { EdgeError } from '../edge-error.js';
import { FARM_READER_WIKI } from './identity.js';
import type { Session } from '../session.js';

/**
 * Why a live connection may no longer stay after the wikis file was reloaded, or `null` when it
 * may: its wiki was removed, it reads anonymously a wiki that is no longer public, or its token
 * would no longer verify because the key that verified it was removed (or its secret changed).
 * A removed key may have leaked, so what was signed with it must stop reading at once; a
 * rotation that keeps the old key as a previous key closes nothing (docs/operations.md
 * "Rotating a wiki's key").
 */
export function disownedReason(session: Session, current: WikiRegistry): string | null {
  const { wiki, anonymous, key } = session.identity;
  // It reads no one wiki: each event is checked against the wikis in force when it is written.
  if (anonymous && wiki === FARM_READER_WIKI) return null;
  const now = current.get(wiki);
  if (now === undefined) return `wiki ${JSON.stringify(wiki)} is no longer served`;
  if (anonymous) return now.public ? null : `wiki ${JSON.stringify(wiki)} is no longer public: a token is required`;
  if (key !== null && !now.keys.accepts(key)) return `the key that signed this token was removed from wiki ${JSON.stringify(wiki)}: connect with a new token`;
  return null;
}

/**
 * After a SIGHUP reload: closes every connection the new wikis no longer admit with an `error`
 * frame `unauthorized` and close 1008, as a refused connect would be (clients fetch a new token
 * and reconnect), counted as `unauthorized`. Connections whose wiki and key stay are not touched.
 * Returns how many were closed.
 */
export function closeDisowned(sessions: Iterable<Session>, current: WikiRegistry): number {
  let closed = 0;
  // A copy: each close removes its session from the router synchronously.
  for (const session of [...sessions]) {
    if (session.closed) continue;
    const reason = disownedReason(session, current);
    if (reason === null) continue;
    session.logger.info({ reason }, 'connection closed by a wikis reload');
    session.fail(new EdgeError('unauthorized', reason));
    closed++;
  }
  return closed;
}
