import { type ClientFrame, type PresenceFrame, type SubscribeFrame, type UnsubscribeFrame } from '@wikicast/protocol';
import { parseClientFrame } from '@wikicast/protocol/schemas';
import type { WikiRegistry } from '@wikicast/service-runtime';
import type { ClientSends } from './client-sends.js';
import { EdgeError } from '../edge-error.js';
import type { Router } from '../router.js';
import { withRef, type Session } from '../session.js';
import type { ResumingSubscriptions } from '../resume/resuming-subscriptions.js';
import type { TokenRefresh } from '../access/token-refresh.js';
import { assertMaySubscribe, assertMayUsePresence, resolveTopics } from '../access/topics.js';
import type { Presence } from '../presence/presence.js';

export interface ClientFrameDeps {
  wikis: () => WikiRegistry;
  subscriptions: ResumingSubscriptions;
  router: Router;
  presence: Presence;
  maxTopicsPerConnection: number;
  sends: ClientSends;
  refresh: TokenRefresh;
}

/**
 * Answers the frames a client sends. Every refusal is an `error` frame with a documented code
 * and the frame's `ref`; only the failures SPEC gives a close code end the connection.
 */
export class ClientFrames {
  readonly #deps: ClientFrameDeps;

  constructor(deps: ClientFrameDeps) {
    this.#deps = deps;
  }

  handle(session: Session, text: string): void {
    const refreshing = this.#deps.refresh.pending(session);
    if (refreshing !== undefined) {
      void refreshing.then(() => {
        if (!session.closed) this.handle(session, text);
      });
      return;
    }
    const parsed = parseClientFrame(text);
    if (!parsed.ok) {
      session.logger.debug({ code: parsed.code, message: parsed.message }, 'refused a client frame');
      session.sendError(new EdgeError(parsed.code, parsed.message), parsed.ref);
      return;
    }
    const frame = parsed.frame;
    try {
      this.#dispatch(session, frame);
    } catch (err) {
      if (!(err instanceof EdgeError)) throw err;
      session.logger.debug({ op: frame.op, code: err.code, message: err.message }, 'refused a client frame');
      session.sendError(err, frame.ref);
    }
  }

  #dispatch(session: Session, frame: ClientFrame): void {
    switch (frame.op) {
      case 'subscribe':
        return this.#subscribe(session, frame);
      case 'unsubscribe':
        return this.#unsubscribe(session, frame);
      case 'send':
        return this.#deps.sends.send(session, frame);
      case 'auth':
        return this.#deps.refresh.auth(session, frame);
      case 'presence':
        return this.#presence(session, frame);
    }
  }

  #subscribe(session: Session, frame: SubscribeFrame): void {
    const topics = resolveTopics(frame.topics, session.identity.wiki, this.#deps.wikis());
    if (frame.presence === true) assertMayUsePresence(topics, session.identity);
    else assertMaySubscribe(topics, session.identity);
    const added = topics.filter((topic) => !session.topics.has(topic)).length;
    if (session.topics.size + added > this.#deps.maxTopicsPerConnection) {
      throw new EdgeError('forbidden', `at most ${this.#deps.maxTopicsPerConnection} topics per connection`);
    }
    this.#deps.subscriptions.subscribe(session, topics, frame.since, () => {
      session.send({ op: 'subscribed', topics, ...withRef(frame.ref) });
      // Joins come after `subscribed`, its own first (docs/presence.md).
      if (frame.presence === true) this.#deps.presence.join(session, topics);
    });
  }

  /** The presence of topics this connection may read, one `presence` answer each; joining is not needed. */
  #presence(session: Session, frame: PresenceFrame): void {
    const topics = resolveTopics(frame.topics, session.identity.wiki, this.#deps.wikis());
    assertMayUsePresence(topics, session.identity);
    for (const topic of topics) this.#deps.presence.answer(session, topic, frame.ref);
  }

  #unsubscribe(session: Session, frame: UnsubscribeFrame): void {
    const topics = resolveTopics(frame.topics, session.identity.wiki, this.#deps.wikis());
    for (const topic of topics) this.#deps.router.unsubscribe(session, topic);
    this.#deps.presence.leave(session, topics);
    session.send({ op: 'unsubscribed', topics, ...withRef(frame.ref) });
  }
}
