import { WikicastError } from './errors.js';
import { ErrorCode } from './codes.js';
import type { TimerHandle, Timers } from './timers.js';

interface Pending {
  resolve: (id: string) => void;
  reject: (err: WikicastError) => void;
  timer: TimerHandle;
}

/** Sends waiting for their `ack`, by `ref`; each ends in exactly one of ack, error, timeout or disconnect. */
export class PendingRequests {
  private readonly byRef = new Map<string | number, Pending>();
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly timers: Timers) {}

  add(ref: string | number, timeoutMs: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer = this.timers.set(() => {
        this.reject(ref, new WikicastError(ErrorCode.ackTimeout, `no ack within ${timeoutMs} ms`, { ref }));
      }, timeoutMs);
      this.byRef.set(ref, { resolve, reject, timer });
    });
  }

  has(ref: string | number | undefined): boolean {
    return ref !== undefined && this.byRef.has(ref);
  }

  resolve(ref: string | number | undefined, id: string): boolean {
    const pending = this.take(ref);
    pending?.resolve(id);
    return pending !== undefined;
  }

  reject(ref: string | number | undefined, err: WikicastError): boolean {
    const pending = this.take(ref);
    pending?.reject(err);
    return pending !== undefined;
  }

  rejectAll(make: (ref: string | number) => WikicastError): void {
    for (const ref of [...this.byRef.keys()]) this.reject(ref, make(ref));
  }

  get size(): number {
    return this.byRef.size;
  }

  /** Resolves once nothing is pending (each request ends by its own timeout at the latest). */
  idle(): Promise<void> {
    if (this.byRef.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private take(ref: string | number | undefined): Pending | undefined {
    if (ref === undefined) return undefined;
    const pending = this.byRef.get(ref);
    if (pending === undefined) return undefined;
    this.byRef.delete(ref);
    this.timers.clear(pending.timer);
    if (this.byRef.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
    return pending;
  }
}
