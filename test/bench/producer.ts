/**
 * The latency scenario's producer: a child process of its own (so nothing else the runner does
 * can delay a send) that publishes at a fixed open-loop rate through one system's producer path
 * and records how long the producer took to be answered. Commands over IPC:
 * `{cmd:'run', spec, topics, rate, seconds}` → `{type:'ran', …}`; `{cmd:'close'}`.
 */
import * as hdr from 'hdr-histogram-js';
import { createPublisher, type ProducerSpec, type Publisher } from './lib/publisher.js';
import { makeEvent, nowMs } from './lib/systems.js';

export type ProducerCommand = { cmd: 'run'; spec: ProducerSpec; topics: string[]; rate: number; seconds: number } | { cmd: 'close' };
export interface ProducerReply {
  type: 'ran';
  events: number;
  publishErrors: number;
  seconds: number;
  maxLagMs: number;
  answered: string | null;
  errors: string[];
}

let publisher: Publisher | null = null;
let publisherSpec = '';

async function run(command: Extract<ProducerCommand, { cmd: 'run' }>): Promise<ProducerReply> {
  const spec = JSON.stringify(command.spec);
  if (publisher === null || spec !== publisherSpec) {
    await publisher?.close();
    publisher = await createPublisher(command.spec);
    publisherSpec = spec;
  }
  const answered = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  const errors: string[] = [];
  const interval = 1000 / command.rate;
  const total = Math.round(command.rate * command.seconds);
  const start = nowMs();
  let sent = 0;
  let publishErrors = 0;
  let maxLagMs = 0;
  const pending = new Set<Promise<void>>();
  const active = publisher;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = nowMs();
      while (sent < total && start + sent * interval <= now) {
        const topic = command.topics[sent % command.topics.length]!;
        // Stamped when it is actually sent (the POST or PUBLISH starts now); how late that is
        // against the schedule is kept apart, to show the open loop held its rate.
        maxLagMs = Math.max(maxLagMs, now - (start + sent * interval));
        const event = makeEvent(topic, sent, nowMs());
        sent++;
        const p = active
          .publish(topic, [event])
          .then(() => answered.recordValue(Math.min(119_000_000, Math.max(1, Math.round((nowMs() - event.msg.bt) * 1000)))))
          .catch((error: unknown) => {
            publishErrors++;
            if (errors.length < 5) errors.push(String(error));
          })
          .finally(() => pending.delete(p));
        pending.add(p);
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 1);
  });
  await Promise.all(pending);
  return {
    type: 'ran',
    events: sent,
    publishErrors,
    seconds: (nowMs() - start) / 1000,
    maxLagMs,
    answered: answered.totalCount > 0 ? hdr.encodeIntoCompressedBase64(answered) : null,
    errors,
  };
}

process.on('message', (raw: unknown) => {
  const command = raw as ProducerCommand;
  if (command.cmd === 'run') {
    void run(command).then((reply) => process.send!(reply));
  } else {
    void (publisher?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
