import { isWikiOwnedTopic, maySendTo, type FrameRef, type SendFrame, type WikiEvent } from '@wikicast/protocol';
import type { WikiRegistry } from '@wikicast/service-runtime';
import { v7 as uuidv7 } from 'uuid';
import { EdgeError } from '../edge-error.js';
import type { EdgePublisher } from '../broker/edge-publisher.js';
import type { Identity } from '../access/identity.js';
import type { SendRateLimiter } from './send-rate.js';
import { withRef, type Session } from '../session.js';
import { resolveTopics } from '../access/topics.js';

export interface ClientSendDeps {
  wikis: () => WikiRegistry;
  publisher: EdgePublisher;
  limiter: SendRateLimiter<Session>;
}

/**
 * `{"op":"send"}` (and the seed's `{type, msg, to}`, parsed into one): checks the connection's
 * rate and rights, builds the event with the fields the edge owns (`id`, `wiki`, `from`, `ts`)
 * and publishes it; `ack` follows only RabbitMQ's confirm. Refusals found before publishing are
 * thrown as EdgeError (the caller answers them); those after are answered here.
 */
export class ClientSends {
  readonly #deps: ClientSendDeps;

  constructor(deps: ClientSendDeps) {
    this.#deps = deps;
  }

  send(session: Session, frame: SendFrame): void {
    if (!this.#deps.limiter.allow(session)) {
      this.#rateLimited(session, frame.ref);
      return;
    }
    const identity = session.identity;
    if (identity.anonymous) throw new EdgeError('forbidden', 'anonymous connections may not send; connect with a token');
    const [topic] = resolveTopics([frame.topic ?? frame.type], identity.wiki, this.#deps.wikis()) as [string];
    if (isWikiOwnedTopic(topic)) {
      throw new EdgeError('forbidden', `topic ${JSON.stringify(topic)} carries the wiki's own changes; only the wiki publishes there`);
    }
    if (!maySendTo(identity.send, identity.wiki, topic)) {
      throw new EdgeError('forbidden', `the token's send patterns do not allow sending to topic ${JSON.stringify(topic)}`);
    }
    const event: WikiEvent = {
      id: uuidv7(),
      wiki: identity.wiki,
      topic,
      type: frame.type,
      ...(frame.msg !== undefined ? { msg: frame.msg } : {}),
      from: session.cid,
      ...(frame.to !== undefined ? { to: frame.to } : {}),
      ts: new Date().toISOString(),
    };
    this.#deps.publisher.publish(event).then(
      () => session.send({ op: 'ack', ...withRef(frame.ref), id: event.id }),
      (err: unknown) => {
        if (err instanceof EdgeError) {
          session.logger.warn({ code: err.code, reason: err.message, id: event.id }, 'send not confirmed');
          session.sendError(err, frame.ref);
          return;
        }
        session.logger.error({ err, id: event.id }, 'publishing a send failed unexpectedly');
        session.sendError(new EdgeError('internal', 'publishing the event failed'), frame.ref);
      },
    );
  }

  #rateLimited(session: Session, ref: FrameRef | undefined): void {
    const { ratePerS, burst } = this.#deps.limiter;
    const error = new EdgeError('rate_limited', `more than ${ratePerS} sends a second (bursts of ${burst}); back off before reconnecting`);
    session.logger.info('send rate exceeded; closing with 4008');
    session.fail(error, ref);
  }
}
