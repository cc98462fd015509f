import type { DisconnectReason, EdgeMetrics } from '../metrics.js';
import type { Router } from '../router.js';
import type { Session } from '../session.js';
import type { TokenExpiry } from '../access/token-expiry.js';
import type { Presence } from '../presence/presence.js';

export interface ConnectionsDeps {
  router: Router;
  expiry: TokenExpiry<Session>;
  metrics: EdgeMetrics;
  presence: Presence;
}

/**
 * The bookkeeping every connection gets from open to end, whatever its transport: the router
 * knows it, its token's expiry is watched, and the connection gauge and disconnect counter count it.
 */
export class Connections {
  readonly #deps: ConnectionsDeps;

  constructor(deps: ConnectionsDeps) {
    this.#deps = deps;
  }

  opened(session: Session): void {
    this.#deps.router.add(session);
    this.#deps.expiry.watch(session, session.identity.expiresAtMs);
    this.#deps.metrics.connections.inc({ transport: session.sink.transport });
  }

  /** Forgets the session; counts it under the reason the edge gave, else `otherwise`, and returns that reason. */
  ended(session: Session, otherwise: DisconnectReason): DisconnectReason {
    this.#deps.expiry.forget(session);
    this.#deps.router.remove(session);
    this.#deps.presence.leave(session);
    const reason = session.closeReason ?? otherwise;
    this.#deps.metrics.connections.dec({ transport: session.sink.transport });
    this.#deps.metrics.disconnects.inc({ reason });
    return reason;
  }
}
