import type { AuthFrame } from '@wikicast/protocol';
import { EdgeError } from '../edge-error.js';
import type { Admission } from './admission.js';
import type { Identity } from './identity.js';
import type { Session } from '../session.js';
import type { TokenExpiry } from './token-expiry.js';

export interface TokenRefreshDeps {
  admission: Admission;
  expiry: TokenExpiry<Session>;
  /** Runs once the new identity is in force: drops what it may not hold (applyIdentityChange). */
  afterRefresh: (session: Session, previous: Identity) => void;
}

/**
 * `{"op":"auth","token"}` on a live connection: the new token must verify as at connect, name the
 * same wiki and (if it names one) the same client id; it then replaces the connection's identity
 * (user, groups, send patterns, presence claim, expiry), and the connection loses the
 * subscriptions and presences the new identity may not hold. Success has no answer; a refusal is
 * an `error` frame with the frame's `ref`, and the connection goes on with the token it had.
 *
 * Verifying is asynchronous, so frames that arrive meanwhile wait for it (`pending`): each frame
 * is handled with the token in force when the client sent it.
 */
export class TokenRefresh {
  readonly #deps: TokenRefreshDeps;
  readonly #pending = new WeakMap<Session, Promise<void>>();

  constructor(deps: TokenRefreshDeps) {
    this.#deps = deps;
  }

  /** The refresh being verified for `session`, if any: later frames wait for it. */
  pending(session: Session): Promise<void> | undefined {
    return this.#pending.get(session);
  }

  auth(session: Session, frame: AuthFrame): void {
    const done = this.#refresh(session, frame)
      .catch((err: unknown) => {
        session.logger.error({ err }, 'verifying a refreshed token failed unexpectedly');
        session.sendError(new EdgeError('internal', 'verifying the token failed'), frame.ref);
      })
      .finally(() => this.#pending.delete(session));
    this.#pending.set(session, done);
  }

  async #refresh(session: Session, frame: AuthFrame): Promise<void> {
    let identity: Identity;
    try {
      identity = await this.#verify(session, frame);
    } catch (err) {
      if (!(err instanceof EdgeError)) throw err;
      session.logger.info({ code: err.code, reason: err.message }, 'token refresh refused');
      session.sendError(err, frame.ref);
      return;
    }
    this.#apply(session, identity);
  }

  async #verify(session: Session, frame: AuthFrame): Promise<Identity> {
    const current = session.identity;
    const identity = await this.#deps.admission.admit({ token: frame.token, wiki: null }, () => current.cid);
    if (identity.wiki !== current.wiki) {
      throw new EdgeError('forbidden', `the token is for wiki ${JSON.stringify(identity.wiki)}, this connection is of ${JSON.stringify(current.wiki)}`);
    }
    if (identity.cid !== current.cid) {
      throw new EdgeError('forbidden', `the token names client id ${JSON.stringify(identity.cid)}, this connection is ${JSON.stringify(current.cid)}`);
    }
    return identity;
  }

  #apply(session: Session, identity: Identity): void {
    if (session.closed) return;
    const previous = session.identity;
    session.identity = identity;
    this.#deps.expiry.watch(session, identity.expiresAtMs);
    this.#deps.afterRefresh(session, previous);
    session.logger.debug(
      { user: identity.user, previousUser: previous.user, expiresAt: new Date(identity.expiresAtMs ?? 0).toISOString() },
      'token refreshed',
    );
  }
}
