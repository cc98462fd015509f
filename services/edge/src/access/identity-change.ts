import { EdgeError } from '../edge-error.js';
import type { Presence } from '../presence/presence.js';
import type { Router } from '../router.js';
import type { Session } from '../session.js';
import type { Identity } from './identity.js';
import { presenceRefusal, subscribeRefusal } from './topics.js';

export interface IdentityChangeDeps {
  router: Router;
  presence: Presence;
}

/**
 * After a token refresh, a connection keeps only what its new identity may hold (docs/edge.md
 * "Refreshing the token"). Subscriptions and presence were checked against the token of the
 * moment; a refresh may change the user (a login or a logout in another tab of the wiki), and
 * events without `to` or `audience` reach a topic's subscribers by uWS broadcast, unchecked, so
 * a connection that is no longer Alice must not stay on Alice's own topic. Presence members carry
 * the user's name, so a connection whose user changed leaves each presence and joins again as the
 * new user where the new token allows it.
 *
 * What is dropped is said to the client: `unsubscribed` (no `ref`), then a `forbidden` error per
 * topic with the reason, as a subscription refused at the door would have said it.
 */
export function applyIdentityChange(session: Session, previous: Identity, deps: IdentityChangeDeps): void {
  const identity = session.identity;
  /** Topics the connection may no longer read at all, and presences it may no longer be in. */
  const unreadable = new Map<string, EdgeError>();
  const presenceLost = new Map<string, EdgeError>();
  const rejoin: string[] = [];
  for (const topic of session.topics) {
    const refusal = subscribeRefusal(topic, identity);
    if (refusal !== null) unreadable.set(topic, refusal);
  }
  for (const topic of deps.presence.joinedBy(session)) {
    if (unreadable.has(topic)) continue;
    const refusal = presenceRefusal(topic, identity);
    if (refusal !== null) presenceLost.set(topic, refusal);
    else if (previous.user !== identity.user) rejoin.push(topic);
  }
  deps.presence.leave(session, [...unreadable.keys(), ...presenceLost.keys(), ...rejoin]);
  for (const topic of unreadable.keys()) deps.router.unsubscribe(session, topic);
  if (unreadable.size > 0) session.send({ op: 'unsubscribed', topics: [...unreadable.keys()] });
  for (const refusal of [...unreadable.values(), ...presenceLost.values()]) session.sendError(refusal);
  deps.presence.join(session, rejoin);
}

