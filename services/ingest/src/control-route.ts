import { type RevokeControl } from '@wikicast/protocol';
import { summarize, validators } from '@wikicast/protocol/schemas';
import type { EventIds } from './event-ids.js';
import { HttpError } from './http-error.js';
import type { JsonPost, JsonReply } from './json-post.js';
import { publishOrRefuse, type PublishDeps } from './publish-or-refuse.js';

export interface ControlRouteDeps extends PublishDeps {
  /** The control fanout exchange every edge binds a queue to. */
  exchange: string;
  ids: EventIds;
}

/**
 * `POST /v1/control/revoke` `{user?, cid?, reason?}`: asks every edge to close the token's wiki's
 * connections of that user or client id. The wiki comes from the token alone, so a wiki can only
 * revoke its own users. Answers 202 `{accepted: [id]}` once RabbitMQ confirmed the message.
 */
export function revokeRoute(deps: ControlRouteDeps): (post: JsonPost) => Promise<JsonReply> {
  return async ({ wiki, body, log }) => {
    const validation = validators.revokeRequest.validate(body);
    if (!validation.ok) throw new HttpError('invalid_request', summarize(validation.issues));
    const request = validation.value;
    if (request.user === undefined && request.cid === undefined) {
      throw new HttpError('invalid_request', '"user" or "cid" is required: whose connections to revoke');
    }
    const message = { op: 'revoke', id: deps.ids.next(), wiki } as RevokeControl;
    if (request.user !== undefined) message.user = request.user;
    if (request.cid !== undefined) message.cid = request.cid;
    if (request.reason !== undefined) message.reason = request.reason;
    message.ts = new Date().toISOString();
    const outcome = await publishOrRefuse(deps, {
      exchange: deps.exchange,
      messages: [{ id: message.id, type: message.op, body: Buffer.from(JSON.stringify(message)) }],
      log,
      indexOf: () => 0,
      extra: {},
      count: null,
    });
    log.info({ user: message.user, cid: message.cid, id: message.id }, 'revocation published');
    return { status: 202, body: { accepted: outcome.confirmed } };
  };
}
