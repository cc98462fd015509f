import type { Logger } from 'pino';
import { describePublishFailure as describe, PublishError, type ConfirmPublisher, type OutgoingMessage, type PublishOutcome } from '@wikicast/service-runtime';
import { HttpError } from './http-error.js';
import type { IngestMetrics } from './metrics.js';

export interface PublishDeps {
  publisher: ConfirmPublisher;
  metrics: IngestMetrics;
  retryAfterS: number;
}

export interface PublishRequest {
  exchange: string;
  messages: readonly OutgoingMessage[];
  log: Logger;
  /** Maps a message's position to its index in the request body, for the per-event results. */
  indexOf: (position: number) => number;
  /** Added to a 503 body (e.g. the request's invalid events). */
  extra: Record<string, unknown>;
  /** Counts messages by result; `null` for messages that are no events (control). */
  count: ((result: 'accepted' | 'unavailable', n: number) => void) | null;
}

/**
 * Publishes and waits for RabbitMQ's confirms; anything short of a confirm for every message
 * becomes a 503 with `Retry-After` that lists what was confirmed and what may need a retry (with
 * the same ids, so consumers de-duplicate), never a 2xx.
 */
export async function publishOrRefuse(deps: PublishDeps, request: PublishRequest): Promise<PublishOutcome> {
  const { messages, log, count } = request;
  const retryAfter = { 'retry-after': String(deps.retryAfterS) };
  const started = performance.now();
  let outcome: PublishOutcome;
  try {
    outcome = await deps.publisher.publish(request.exchange, messages);
  } catch (err) {
    if (!(err instanceof PublishError)) throw err;
    count?.('unavailable', messages.length);
    throw refusedError(err, deps.retryAfterS, request.extra);
  }
  deps.metrics.publishSeconds.observe((performance.now() - started) / 1000);
  count?.('accepted', outcome.confirmed.length);
  const first = outcome.unconfirmed[0];
  if (first === undefined) return outcome;
  count?.('unavailable', outcome.unconfirmed.length);
  log.warn({ reason: first.reason, unconfirmed: outcome.unconfirmed.length, confirmed: outcome.confirmed.length }, 'publish not confirmed');
  const unconfirmed = outcome.unconfirmed.map(({ position, id, reason }) => ({ index: request.indexOf(position), id, reason }));
  throw new HttpError('unavailable', describe(first.reason), retryAfter, { reason: first.reason, accepted: outcome.confirmed, unconfirmed, ...request.extra });
}

/** The 503 for a publish refused before anything was published (down, blocked, window full, closing). */
export function refusedError(err: PublishError, retryAfterS: number, extra: Record<string, unknown> = {}): HttpError {
  const code = err.reason === 'closing' ? 'shutting_down' : 'unavailable';
  return new HttpError(code, err.message, { 'retry-after': String(retryAfterS) }, { reason: err.reason, accepted: [], ...extra }, { cause: err });
}
