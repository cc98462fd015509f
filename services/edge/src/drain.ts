import { CloseCode } from '@wikicast/protocol';
import { withinTime } from '@wikicast/service-runtime';
import type { Logger } from 'pino';
import type { Session } from './session.js';

/** What a drain needs from the edge; each step is a function so the order lives here alone. */
export interface DrainSteps {
  /** Closes the listen socket: new connections are refused (HAProxy retries them elsewhere). */
  stopAccepting: () => void;
  /** Every open client connection, whatever its transport. */
  sessions: () => Iterable<Session>;
  /**
   * Work to let finish after the clients are gone and before the broker closes, e.g. client
   * sends published and not yet confirmed (the send path's `idle()`), so their senders' acks are
   * decided by RabbitMQ and not by the exit.
   */
  inFlight: ReadonlyArray<() => Promise<void>>;
  closeBroker: () => Promise<void>;
  /** WIKICAST_DRAIN_TIMEOUT_S in ms: past it the drain gives up waiting and resolves anyway. */
  timeoutMs: number;
  logger: Logger;
}

/** The close frame's reason text clients see with 1012. */
export const RESTARTING_MESSAGE = 'edge restarting; reconnect and resume';

/**
 * SIGTERM: stop accepting, tell every client 1012 (they reconnect to another edge and resume by
 * cursor), let in-flight work finish, close the broker. Resolves within `timeoutMs` whatever
 * hangs (an unanswered confirm, a broker that does not answer its close), so the process exits
 * before Kubernetes' SIGKILL; what was still pending is logged.
 */
export async function drain(steps: DrainSteps): Promise<void> {
  const started = Date.now();
  steps.stopAccepting();
  let clients = 0;
  // A copy: each close removes its session from the router synchronously.
  for (const session of [...steps.sessions()]) {
    session.close(CloseCode.restarting, RESTARTING_MESSAGE, 'restarting');
    clients++;
  }
  let stage = 'in-flight work';
  const work = (async () => {
    await Promise.all(steps.inFlight.map((idle) => idle()));
    stage = 'closing the broker connection';
    await steps.closeBroker();
    stage = 'done';
  })();
  try {
    const outcome = await withinTime(work, steps.timeoutMs);
    const elapsedMs = Date.now() - started;
    if (outcome === 'timeout') steps.logger.warn({ clients, elapsedMs, stage }, 'drain timed out; exiting anyway');
    else steps.logger.info({ clients, elapsedMs }, 'drained');
  } catch (err) {
    steps.logger.error({ err, clients, stage }, 'drain failed; exiting anyway');
  }
}
