import type { RevokeControl } from '@wikicast/protocol';
import type { Identity } from './identity.js';

interface Revoked {
  /** When the wiki revoked, whole seconds since the epoch (token `iat` has that resolution). */
  atS: number;
  reason: string;
  /** When this edge learnt of it, for forgetting it once no token from before can be alive. */
  notedMs: number;
}

/**
 * The revocations this edge has seen, so that a revoked user cannot simply reconnect with a token
 * minted before the revocation: such a token (its `iat` at or before the revocation's second, or
 * without `iat`) is refused while revocations are remembered. A token issued in the same second
 * as the revocation is refused too: tokens carry whole seconds, and refusing errs on the safe
 * side (the client gets a new token a second later).
 */
export class RevokedTokens {
  readonly #users = new Map<string, Revoked>();
  readonly #cids = new Map<string, Revoked>();
  readonly #memoryMs: number;

  /** @param memoryMs how long a revocation is remembered: at least the longest token lifetime the wikis use. */
  constructor(memoryMs: number) {
    this.#memoryMs = memoryMs;
  }

  note(revocation: RevokeControl, reason: string, nowMs = Date.now()): void {
    this.#forgetOld(nowMs);
    const revoked: Revoked = { atS: Math.floor(Date.parse(revocation.ts) / 1000), reason, notedMs: nowMs };
    if (revocation.user !== undefined) this.#users.set(key(revocation.wiki, revocation.user), revoked);
    if (revocation.cid !== undefined) this.#cids.set(key(revocation.wiki, revocation.cid), revoked);
  }

  /** The revocation's reason if `identity`'s token was issued before its user or client id was revoked. */
  refusal(identity: Identity): string | null {
    if (identity.anonymous || (this.#users.size === 0 && this.#cids.size === 0)) return null;
    const issuedS = identity.issuedAtMs === null ? null : Math.floor(identity.issuedAtMs / 1000);
    for (const revoked of [
      identity.user === null ? undefined : this.#users.get(key(identity.wiki, identity.user)),
      this.#cids.get(key(identity.wiki, identity.cid)),
    ]) {
      if (revoked !== undefined && (issuedS === null || issuedS <= revoked.atS)) return revoked.reason;
    }
    return null;
  }

  #forgetOld(nowMs: number): void {
    for (const map of [this.#users, this.#cids]) {
      for (const [name, revoked] of map) if (nowMs - revoked.notedMs > this.#memoryMs) map.delete(name);
    }
  }
}

function key(wiki: string, name: string): string {
  return `${wiki}\n${name}`;
}
