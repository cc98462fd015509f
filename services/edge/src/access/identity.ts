import { randomBytes } from 'node:crypto';
import { EDGE_AUDIENCE } from '@wikicast/protocol';
import { TokenError, verifyTokenKey, type KeyUse, type WikiRegistry } from '@wikicast/service-runtime';
import { EdgeError } from '../edge-error.js';

/** Who is on the other end of a connection, as the verified token (or its absence) says. */
export interface Identity {
  wiki: string;
  /** Token `sub`; `null` for anonymous connections and tokens without a user. */
  user: string | null;
  groups: readonly string[];
  /** Topic patterns the token may send to (`send` claim, see `maySendTo`); empty: read-only. */
  send: readonly string[];
  /**
   * Topic patterns whose presence the token may join and see (`presence` claim); `null`: the claim
   * is absent, so every topic it may subscribe to. Connections without a token get none.
   */
  presence: readonly string[] | null;
  /** The client id receivers see as `from` and senders address with `to`. */
  cid: string;
  anonymous: boolean;
  /** Token `iat` in ms since the epoch; `null` for anonymous connections and tokens without one. */
  issuedAtMs: number | null;
  /** Token expiry in ms since the epoch; `null` for anonymous connections. */
  expiresAtMs: number | null;
  /** Which of the wiki's keys verified the token, so a reload can tell whether it still would; `null` for anonymous connections. */
  key: KeyUse | null;
}

/** What a client hands over when it connects: `?token=`, or for anonymous reading `?wiki=`. */
export interface Credentials {
  token: string | null;
  wiki: string | null;
}

/** No groups, no send patterns: one shared empty list rather than two per connection. */
const NONE: readonly string[] = Object.freeze([]);

/** A client id for connections whose token names none: `WS` and 12 hex digits, as the seed's were short. */
export function assignCid(): string {
  return `WS${randomBytes(6).toString('hex')}`;
}

/**
 * Verifies the credentials; throws EdgeError `unauthorized` (close 1008) when they do not admit the
 * client. `cid` gives the client id when the token names none: a new one, or on a token refresh the connection's own.
 */
export async function identify(credentials: Credentials, wikis: WikiRegistry, cid: () => string = assignCid): Promise<Identity> {
  if (credentials.token === null) return anonymous(credentials.wiki, wikis);
  try {
    const { claims, key } = await verifyTokenKey(credentials.token, wikis, { audience: EDGE_AUDIENCE, allowMissingAudience: true });
    return {
      wiki: claims.iss,
      user: claims.sub ?? null,
      groups: claims.groups ?? NONE,
      send: claims.send ?? NONE,
      presence: claims.presence ?? null,
      cid: claims.cid ?? cid(),
      anonymous: false,
      issuedAtMs: claims.iat === undefined ? null : claims.iat * 1000,
      expiresAtMs: claims.exp * 1000,
      key,
    };
  } catch (err) {
    if (err instanceof TokenError) throw new EdgeError('unauthorized', err.message, { cause: err });
    throw err;
  }
}

/** The `wiki` of an anonymous reader of the farm streams (`/v2/stream/…`): it reads every public wiki, not one. */
export const FARM_READER_WIKI = '*';

/** An anonymous reader of the farm streams: which wikis it sees is decided per event (see farm-encoder.ts). */
export function anonymousFarmReader(): Identity {
  return anonymousReader(FARM_READER_WIKI);
}

function anonymousReader(wiki: string): Identity {
  return { wiki, user: null, groups: NONE, send: NONE, presence: NONE, cid: assignCid(), anonymous: true, issuedAtMs: null, expiresAtMs: null, key: null };
}

function anonymous(wiki: string | null, wikis: WikiRegistry): Identity {
  if (wiki === null) {
    throw new EdgeError('unauthorized', 'no token: pass ?token=, or ?wiki=<id> to read a public wiki anonymously');
  }
  if (wikis.get(wiki)?.public !== true) {
    throw new EdgeError('unauthorized', `wiki ${JSON.stringify(wiki)} is not public: a token is required`);
  }
  return anonymousReader(wiki);
}
