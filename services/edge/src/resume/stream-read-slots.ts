/** Gives a granted stream read back; idempotent. */
export type ReleaseSlot = () => void;

export interface StreamReadLimits {
  /** Stream reads running at once on this edge (each holds a channel and a share of the event loop). */
  total: number;
  /** Stream reads running at once for one client address. */
  perAddress: number;
}

interface Waiter {
  connection: object;
  /** The connection went away while waiting: it is dropped instead of granted. */
  cancelled: () => boolean;
  resolve: (release: ReleaseSlot | null) => void;
}

/**
 * Who may read the stream now. A connection runs one read at a time, an address at most
 * `perAddress`, the edge at most `total`; the rest wait in one queue per address, and free slots
 * go to the addresses in turn (round-robin), not in arrival order. So a client that opens many
 * connections from one address waits behind itself, and a reader from another address starts as
 * soon as a slot is free, however many reads that client queued first.
 */
export class StreamReadSlots {
  readonly #limits: StreamReadLimits;
  readonly #onChange: (running: number, waiting: number) => void;
  /** Waiting reads by address. */
  readonly #queues = new Map<string, Waiter[]>();
  /** When each address with reads running or waiting was last granted one (a grant count), for the turns. */
  readonly #lastServed = new Map<string, number>();
  #grants = 0;
  readonly #runningByAddress = new Map<string, number>();
  readonly #busy = new Set<object>();
  #running = 0;
  #waiting = 0;

  /** @param onChange told the running and waiting counts after every change, for the metrics. */
  constructor(limits: StreamReadLimits, onChange: (running: number, waiting: number) => void = () => {}) {
    this.#limits = limits;
    this.#onChange = onChange;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting;
  }

  /**
   * Resolves with the function that gives the slot back once this connection may read, or with
   * `null` if `cancelled()` became true while it waited.
   */
  acquire(address: string, connection: object, cancelled: () => boolean): Promise<ReleaseSlot | null> {
    return new Promise((resolve) => {
      let queue = this.#queues.get(address);
      if (queue === undefined) this.#queues.set(address, (queue = []));
      queue.push({ connection, cancelled, resolve });
      this.#waiting++;
      this.#grant();
      this.#onChange(this.#running, this.#waiting);
    });
  }

  /**
   * Grants free slots while any are free and someone eligible waits, each to the waiting address
   * served longest ago (round-robin that survives an address's queue running empty for a moment).
   */
  #grant(): void {
    while (this.#running < this.#limits.total) {
      const turn = [...this.#queues.keys()].sort((a, b) => (this.#lastServed.get(a) ?? 0) - (this.#lastServed.get(b) ?? 0));
      let granted = false;
      for (const address of turn) {
        if ((this.#runningByAddress.get(address) ?? 0) >= this.#limits.perAddress) continue;
        const queue = this.#queues.get(address)!;
        const waiter = this.#takeEligible(queue);
        if (queue.length === 0) this.#forgetQueue(address);
        if (waiter === null) continue;
        this.#start(address, waiter);
        granted = true;
        break;
      }
      if (!granted) return;
    }
  }

  #forgetQueue(address: string): void {
    this.#queues.delete(address);
    if (!this.#runningByAddress.has(address)) this.#lastServed.delete(address);
  }

  /** Removes and returns the first waiter whose connection is not reading already; drops cancelled ones. */
  #takeEligible(queue: Waiter[]): Waiter | null {
    for (let i = 0; i < queue.length; ) {
      const waiter = queue[i]!;
      if (waiter.cancelled()) {
        queue.splice(i, 1);
        this.#waiting--;
        waiter.resolve(null);
        continue;
      }
      if (!this.#busy.has(waiter.connection)) {
        queue.splice(i, 1);
        this.#waiting--;
        return waiter;
      }
      i++;
    }
    return null;
  }

  #start(address: string, waiter: Waiter): void {
    this.#running++;
    this.#runningByAddress.set(address, (this.#runningByAddress.get(address) ?? 0) + 1);
    this.#busy.add(waiter.connection);
    this.#lastServed.set(address, ++this.#grants);
    let released = false;
    waiter.resolve(() => {
      if (released) return;
      released = true;
      this.#running--;
      const left = this.#runningByAddress.get(address)! - 1;
      if (left === 0) {
        this.#runningByAddress.delete(address);
        if (!this.#queues.has(address)) this.#lastServed.delete(address);
      } else this.#runningByAddress.set(address, left);
      this.#busy.delete(waiter.connection);
      this.#grant();
      this.#onChange(this.#running, this.#waiting);
    });
  }
}
