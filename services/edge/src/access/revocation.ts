import type { RevokeControl } from '@wikicast/protocol';
import { EdgeError } from '../edge-error.js';
import type { Session } from '../session.js';

/** The `error` frame's message when the wiki gave no reason. */
export const DEFAULT_REVOKE_REASON = 'access revoked by the wiki';

/**
 * Whether a revocation names this connection: its wiki, its token's user or its client id, and a
 * token issued no later than the revocation (same second included, as RevokedTokens refuses
 * them). A token issued afterwards is the wiki's new word: a revocation read back from the
 * control stream when an edge starts or reconnects must not close it.
 */
export function isRevoked(session: Session, revocation: RevokeControl): boolean {
  const { identity } = session;
  if (identity.wiki !== revocation.wiki) return false;
  if (identity.issuedAtMs !== null && Math.floor(identity.issuedAtMs / 1000) > Math.floor(Date.parse(revocation.ts) / 1000)) return false;
  if (revocation.user !== undefined && identity.user === revocation.user) return true;
  return revocation.cid !== undefined && identity.cid === revocation.cid;
}

/**
 * Closes every session the revocation names: an `error` frame `revoked`, then close 1008 (get a
 * new token before reconnecting), counted as `revoked`. Returns how many were closed.
 */
export function revokeSessions(sessions: Iterable<Session>, revocation: RevokeControl): number {
  const error = new EdgeError('revoked', revocation.reason ?? DEFAULT_REVOKE_REASON);
  let closed = 0;
  // A copy: each close removes its session from the router synchronously.
  for (const session of [...sessions]) {
    if (session.closed || !isRevoked(session, revocation)) continue;
    session.logger.info({ revocation: revocation.id }, 'connection revoked');
    session.fail(error);
    closed++;
  }
  return closed;
}
