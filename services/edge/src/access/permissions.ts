import type { WikiEvent } from '@wikicast/protocol';
import type { Identity } from './identity.js';

/**
 * Whether a connection may receive an event of a topic it subscribed to. `to` narrows delivery
 * to those client ids; `audience` to the named users or members of the named groups. An audience
 * that names nobody (`{}` or empty lists) reaches nobody: restrictions fail closed.
 */
export function mayRead(identity: Identity, event: WikiEvent): boolean {
  if (event.to !== undefined && !event.to.includes(identity.cid)) return false;
  const audience = event.audience;
  if (audience === undefined) return true;
  if (identity.user !== null && audience.users?.includes(identity.user) === true) return true;
  const groups = audience.groups;
  return groups !== undefined && identity.groups.some((group) => groups.includes(group));
}
