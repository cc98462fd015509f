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

/** Writes a WIKICAST_WIKIS_FILE into a fresh temporary folder; `remove()` deletes it. */
export function writeWikisFile(wikis: readonly TestWiki[]): { path: string; remove: () => void } {
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
  aud?: string;
  ttlS?: number;
  /** Sign with this secret instead of the wiki's (to test refusal). */
  secret?: string;
}

/** A token as a wiki would mint it: HS256 with the wiki's secret, `iss` = wiki id. */
export async function signToken(wiki: TestWiki, options: TokenOptions = {}): Promise<string> {
  const { sub, cid, groups, send, aud, ttlS = 300, secret = wiki.secret } = options;
  const claims: Record<string, unknown> = {};
  if (cid !== undefined) claims.cid = cid;
  if (groups !== undefined) claims.groups = groups;
  if (send !== undefined) claims.send = send;
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(wiki.id)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlS);
  if (sub !== undefined) jwt = jwt.setSubject(sub);
  if (aud !== undefined) jwt = jwt.setAudience(aud);
  return jwt.sign(new TextEncoder().encode(secret));
}
