import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';

export interface TestWiki {
  id: string;
  secret: string;
  public?: boolean;
}

export function testWiki(id: string, options: { public?: boolean } = {}): TestWiki {
  return { id, secret: randomBytes(32).toString('hex'), ...options };
}

/** One key of a wiki in the wikis file's `keys` form. */
export interface TestKey {
  kid: string;
  secret: string;
}

export function testKey(kid: string): TestKey {
  return { kid, secret: randomBytes(32).toString('hex') };
}

/** A wikis file entry: a wiki with its single `secret`, or with `keys` (current first). */
export type WikisFileEntry = { id: string; public?: boolean } & ({ secret: string } | { keys: readonly TestKey[] });

/** `wiki`'s entry listing `keys`, the current key first, instead of its single secret. */
export function withKeys(wiki: TestWiki, keys: readonly TestKey[]): WikisFileEntry {
  return { id: wiki.id, ...(wiki.public === undefined ? {} : { public: wiki.public }), keys };
}

/** Writes a WIKICAST_WIKIS_FILE into a fresh temporary folder; `remove()` deletes it. */
export function writeWikisFile(wikis: readonly WikisFileEntry[]): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'wikicast-wikis-'));
  const path = join(dir, 'wikis.json');
  writeFileSync(path, JSON.stringify(wikis), { mode: 0o600 });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TokenOptions {
  sub?: string;
  cid?: string;
  groups?: string[];
  send?: string[];
  /** The `presence` claim: topic patterns whose presence the token may use. */
  presence?: string[];
  aud?: string;
  ttlS?: number;
  /** Sign with this secret instead of the wiki's (to test refusal). */
  secret?: string;
  /** Sign with this key, naming its `kid` in the header (wins over `secret`). */
  key?: TestKey;
}

/** A token as a wiki would mint it: HS256 with the wiki's secret (or `key`, with its kid), `iss` = wiki id. */
export async function signToken(wiki: TestWiki, options: TokenOptions = {}): Promise<string> {
  const { sub, cid, groups, send, presence, aud, ttlS = 300, key } = options;
  const secret = key?.secret ?? options.secret ?? wiki.secret;
  const claims: Record<string, unknown> = {};
  if (cid !== undefined) claims.cid = cid;
  if (groups !== undefined) claims.groups = groups;
  if (send !== undefined) claims.send = send;
  if (presence !== undefined) claims.presence = presence;
  let jwt = new SignJWT(claims)
    .setProtectedHeader(key === undefined ? { alg: 'HS256', typ: 'JWT' } : { alg: 'HS256', typ: 'JWT', kid: key.kid })
    .setIssuer(wiki.id)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlS);
  if (sub !== undefined) jwt = jwt.setSubject(sub);
  if (aud !== undefined) jwt = jwt.setAudience(aud);
  return jwt.sign(new TextEncoder().encode(secret));
}
