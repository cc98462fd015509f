export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What the state was when time ran out, added to the failure (which readers lacked what). */
  detail?: () => string;
}

/** Polls a condition until it holds; fails with `what` so a timeout says which condition never came true. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) {
      const detail = options.detail === undefined ? '' : ` (${options.detail()})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
