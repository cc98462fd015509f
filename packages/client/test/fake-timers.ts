/**
 * Hand-driven time for pure logic tests: backoff, timeouts and token refresh run when the test
 * advances the clock, so the tests neither sleep nor depend on the machine's speed.
 */
import type { TimerHandle, Timers } from '../src/timers.js';

interface Task {
  id: number;
  at: number;
  callback: () => void;
}

export class FakeTimers implements Timers {
  private clock = Date.UTC(2026, 10, 22, 10, 0, 0);
  private tasks: Task[] = [];
  private nextId = 1;

  set(callback: () => void, ms: number): TimerHandle {
    const task = { id: this.nextId++, at: this.clock + Math.max(0, ms), callback };
    this.tasks.push(task);
    return task.id;
  }

  clear(handle: TimerHandle): void {
    this.tasks = this.tasks.filter((task) => task.id !== handle);
  }

  now(): number {
    return this.clock;
  }

  /** Delays of the scheduled tasks from now, soonest first. */
  delays(): number[] {
    return this.tasks.map((task) => task.at - this.clock).sort((a, b) => a - b);
  }

  /** Moves the clock forward, running every task that falls due (in order, including new ones). */
  advance(ms: number): void {
    const target = this.clock + ms;
    for (;;) {
      const due = this.tasks.filter((task) => task.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.tasks = this.tasks.filter((task) => task !== due);
      this.clock = due.at;
      due.callback();
    }
    this.clock = target;
  }
}

/** Lets promise callbacks (token fetches) run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
