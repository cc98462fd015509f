import type { WikiRegistry } from '@wikicast/service-runtime';
import { EdgeError } from '../edge-error.js';
import type { Session } from '../session.js';

/**
 * Why a live connection may no longer stay after the wikis file was reloaded, or `null` when it
 * may: its wiki was removed, its token was verified with a secret that has since changed (a
 * rotation is usually a response to a leaked secret, so tokens signed with the old one must stop
 * reading), or it reads anonymously a wiki that is no longer public.
 */
export function disownedReason(session: Session, current: WikiRegistry, previous: WikiRegistry): string | null {
  const { wiki, anonymous } = session.identity;
  const now = current.get(wiki);
  if (now === undefined) return `wiki ${JSON.stringify(wiki)} is no longer served`;
  if (anonymous) return now.public === true ? null : `wiki ${JSON.stringify(wiki)} is no longer public: a token is required`;
  if (now.secret !== previous.get(wiki)?.secret) return `wiki ${JSON.stringify(wiki)} changed its secret: connect with a new token`;
  return null;
}

/**
 * After a SIGHUP reload: closes every connection the new wikis no longer admit with an `error`
 * frame `unauthorized` and close 1008, as a refused connect would be (clients fetch a new token
 * and reconnect), counted as `unauthorized`. Connections of unchanged wikis are not touched.
 * Returns how many were closed.
 */
export function closeDisowned(sessions: Iterable<Session>, current: WikiRegistry, previous: WikiRegistry): number {
  let closed = 0;
  // A copy: each close removes its session from the router synchronously.
  for (const session of [...sessions]) {
    if (session.closed) continue;
    const reason = disownedReason(session, current, previous);
    if (reason === null) continue;
    session.logger.info({ reason }, 'connection closed by a wikis reload');
    session.fail(new EdgeError('unauthorized', reason));
    closed++;
  }
  return closed;
}
