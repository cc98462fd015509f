import { getRandomValues } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

const IDS_PER_REFILL = 256;

/**
 * UUIDv7 event ids, monotonic within the process like uuid's own v7() (a random sequence per
 * millisecond, counted up within it), but with randomness drawn for 256 ids at a time: one
 * getRandomValues call per id showed up as a tenth of ingest's CPU time under load.
 */
export class EventIds {
  readonly #pool = new Uint8Array(16 * IDS_PER_REFILL);
  #at = this.#pool.length;
  #msecs = -Infinity;
  #seq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  next(): string {
    if (this.#at === this.#pool.length) {
      getRandomValues(this.#pool);
      this.#at = 0;
    }
    const random = this.#pool.subarray(this.#at, (this.#at += 16));
    const now = this.now();
    if (now > this.#msecs) {
      this.#msecs = now;
      this.#seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
    } else {
      this.#seq = (this.#seq + 1) | 0;
      // The 32-bit sequence ran over within one millisecond: borrow the next one, as uuid does.
      if (this.#seq === 0) this.#msecs++;
    }
    return uuidv7({ msecs: this.#msecs, seq: this.#seq, random });
  }
}
