import type { WikiRegistry } from '@wikicast/service-runtime';
import { EdgeError } from '../edge-error.js';
import { assignCid, identify, type Credentials, type Identity } from './identity.js';
import type { RevokedTokens } from './revoked-tokens.js';

/**
 * Who may connect, for every way in (WebSocket, SSE, a token refresh): a valid token or an
 * anonymous reader of a public wiki, and not a token minted before its user was revoked.
 */
export class Admission {
  constructor(
    /** The wikis in force now: a SIGHUP may replace them between two connections. */
    private readonly wikis: () => WikiRegistry,
    private readonly revoked: RevokedTokens,
  ) {}

  /** The identity the credentials prove; EdgeError `unauthorized` or `revoked` (close 1008) otherwise. */
  async admit(credentials: Credentials, cid: () => string = assignCid): Promise<Identity> {
    const identity = await identify(credentials, this.wikis(), cid);
    const reason = this.revoked.refusal(identity);
    if (reason !== null) {
      throw new EdgeError('revoked', `this token was issued before access was revoked (${reason}); get a new one`);
    }
    return identity;
  }
}
