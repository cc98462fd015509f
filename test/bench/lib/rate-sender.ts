import { sleep } from './proc.js';

/**
 * Sends at `rate` per second for `ms`: each pass sends, concurrently, every send that is due by
 * now and waits for them before the next pass (so a few share a moment when the machine lags).
 * path-cpu.ts and path-floor.ts load their systems this way, so their figures compare.
 * Returns how many were sent.
 */
export async function sendAtRate(rate: number, ms: number, send: (seq: number) => Promise<unknown>): Promise<number> {
  const started = Date.now();
  let sent = 0;
  while (Date.now() - started < ms) {
    const due = Math.floor(((Date.now() - started) / 1000) * rate);
    const batch: Promise<unknown>[] = [];
    for (; sent < due; sent++) batch.push(send(sent));
    await Promise.all(batch);
    await sleep(1);
  }
  return sent;
}
