import { createHash } from 'node:crypto';
import type { WikiKey } from '@wikicast/protocol/schemas';

/** One key ready to verify with. */
export interface VerifyingKey {
  /** The `kid` tokens signed with it carry; `null` for a wiki's single `secret`. */
  kid: string | null;
  bytes: Uint8Array;
  /**
   * SHA-256 of the secret: tells, across reloads of the wikis file, whether a key is still the
   * same one without a connection keeping the secret itself.
   */
  fingerprint: string;
  /**
   * What a connection verified with this key records, for a token that named the key's `kid` and
   * for one that named none: made once per key and shared by every such connection, since an edge
   * holds many thousands of them and every byte per connection counts.
   */
  uses: { named: KeyUse; unnamed: KeyUse };
}

/**
 * Which key verified a token: the token's own `kid` (`null` when it named none) and the key's
 * fingerprint. A connection keeps it to learn, on a reload, whether its token would still verify.
 */
export interface KeyUse {
  kid: string | null;
  fingerprint: string;
}

/** A wiki's keys from the wikis file, the signing key first (docs/architecture.md "Tokens"). */
export class WikiKeyRing {
  readonly #keys: readonly VerifyingKey[];

  constructor(keys: readonly WikiKey[]) {
    const encoder = new TextEncoder();
    this.#keys = keys.map(({ kid, secret }) => {
      const fingerprint = createHash('sha256').update(secret).digest('base64url');
      return { kid, bytes: encoder.encode(secret), fingerprint, uses: { named: { kid, fingerprint }, unnamed: { kid: null, fingerprint } } };
    });
  }

  /**
   * The keys a token may be verified with: a token naming a `kid` only with the key of that id
   * (none when the wiki has no such key); a token naming none with every key, so tokens signed
   * before the wiki started naming keys keep working through a rotation.
   */
  candidates(kid: string | null): readonly VerifyingKey[] {
    return kid === null ? this.#keys : this.#keys.filter((key) => key.kid === kid);
  }

  /** Whether a token verified as `use` says would still verify with these keys. */
  accepts(use: KeyUse): boolean {
    return this.candidates(use.kid).some((key) => key.fingerprint === use.fingerprint);
  }

  /** The key ids, for messages; `null` stands for the single `secret`. */
  get kids(): Array<string | null> {
    return this.#keys.map((key) => key.kid);
  }
}
