/** A publisher that keeps publishing while a test disturbs the cluster. */
export interface PublisherLoop {
  /** What the last publish threw (the loop stopped there), or null. */
  readonly error: unknown;
  /** Stops after the publish in progress; resolves once it ended. */
  stop: () => Promise<void>;
}

/**
 * Publishes one event after another, `publishOne(n)` with n = the events in `published` so far
 * (each call waits for its answer: ingest answers after RabbitMQ's confirm), pausing `paceMs`
 * between them so a shared machine is not flooded, and appends each returned id to `published`.
 */
export function publishContinuously(published: string[], publishOne: (n: number) => Promise<string>, paceMs: number): PublisherLoop {
  let running = true;
  let error: unknown = null;
  const loop = (async () => {
    while (running) {
      published.push(await publishOne(published.length));
      await new Promise((resolve) => setTimeout(resolve, paceMs));
    }
  })().catch((err: unknown) => {
    error = err;
  });
  return {
    get error() {
      return error;
    },
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
