import WebSocket from 'ws';
import { sleep } from './proc.js';

/**
 * Runs a full garbage collection in another Node process, so an RSS reading counts what is live
 * rather than garbage not yet collected. Works for any Node server without changing it: SIGUSR1
 * opens the inspector on 127.0.0.1:9229, and `HeapProfiler.collectGarbage` collects. The
 * process's pid is checked through the inspector before collecting. Only one process at a time
 * (they share the inspector port). Returns the process's JS heap in use and external memory after it.
 */
export async function forceGc(pid: number): Promise<{ heapUsed: number; external: number } | null> {
  process.kill(pid, 'SIGUSR1');
  let url: string | undefined;
  for (let i = 0; i < 50 && url === undefined; i++) {
    await sleep(100);
    try {
      const list = (await (await fetch('http://127.0.0.1:9229/json/list')).json()) as Array<{ webSocketDebuggerUrl?: string }>;
      url = list[0]?.webSocketDebuggerUrl;
    } catch {
      /* not listening yet */
    }
  }
  if (url === undefined) return null;
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let id = 0;
  const call = (method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const mine = ++id;
      const onMessage = (data: WebSocket.RawData): void => {
        const message = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown> };
        if (message.id === mine) {
          ws.off('message', onMessage);
          resolve(message.result ?? {});
        }
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id: mine, method, params }));
    });
  try {
    const answer = (await call('Runtime.evaluate', { expression: 'process.pid', returnByValue: true })) as { result?: { value?: unknown } };
    if (answer.result?.value !== pid) return null;
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const usage = (await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as { result?: { value?: unknown } };
    const parsed = JSON.parse(String(usage.result?.value ?? '{}')) as { heapUsed?: number; external?: number };
    return { heapUsed: parsed.heapUsed ?? NaN, external: parsed.external ?? NaN };
  } finally {
    ws.close();
  }
}
