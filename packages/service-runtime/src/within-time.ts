/**
 * `work`'s result, or `'timeout'` once `ms` passed first: how a shutdown waits for what is in
 * flight without ever outliving its grace period (the timer is cleared either way).
 */
export async function withinTime<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
