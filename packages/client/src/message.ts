import type { DeliveredEvent } from '@wikicast/protocol';

/**
 * What subscription callbacks receive: the delivered event without its `op`. It is the seed's
 * message shape (`type`, `msg`, `from`, `to`) with Wikicast's fields added (`id`, `wiki`,
 * `topic`, `ts`, `cursor`), so seed callbacks that read `data.msg` or `data.from` work unchanged.
 */
export type WikicastMessage = DeliveredEvent;

export type MessageCallback = (message: WikicastMessage) => void;
