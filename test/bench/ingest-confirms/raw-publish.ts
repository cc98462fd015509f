import amqp from 'amqplib';

export interface PhaseResult {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  errors: number;
}

/**
 * The ceiling: what amqplib alone achieves publishing persistent messages with confirms to the
 * same fanout exchange (and stream), keeping `window` messages unconfirmed, as ingest does.
 * No HTTP, no validation, no JSON: the cost of durability on this broker.
 */
export async function rawPublishLoop(url: string, exchange: string, body: Buffer, window: number, seconds: number): Promise<PhaseResult> {
  const connection = await amqp.connect(url, { noDelay: true, clientProperties: { connection_name: 'wikicast-bench-raw' } });
  const channel = await connection.createConfirmChannel();
  let confirmed = 0;
  let errors = 0;
  let unconfirmed = 0;
  let wake: (() => void) | null = null;
  const onConfirm = (err: unknown): void => {
    unconfirmed--;
    if (err === null || err === undefined) confirmed++;
    else errors++;
    if (wake !== null && unconfirmed < window) {
      const w = wake;
      wake = null;
      w();
    }
  };
  const started = performance.now();
  const end = started + seconds * 1000;
  let seq = 0;
  while (performance.now() < end) {
    while (unconfirmed < window && performance.now() < end) {
      unconfirmed++;
      channel.publish(exchange, '', body, { persistent: true, contentType: 'application/json', messageId: String(seq++) }, onConfirm);
      // Yield now and then so socket writes and confirms are processed.
      if (seq % 256 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (unconfirmed >= window) await new Promise<void>((resolve) => (wake = resolve));
  }
  await channel.waitForConfirms();
  const elapsed = (performance.now() - started) / 1000;
  await connection.close();
  // Only messages confirmed within the measured time count, as for ingest's 202s.
  return { events: confirmed, seconds: elapsed, eventsPerSecond: confirmed / elapsed, errors };
}
