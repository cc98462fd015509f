import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { waitFor } from '@wikicast/test/support';

/**
 * Debian's headless Chromium driven over the DevTools protocol with the `ws` package the tests
 * already use, so that this one page check needs no browser-automation dependency.
 */
export interface BrowserPage {
  goto: (url: string) => Promise<void>;
  /** Evaluates an expression in the page and returns its (JSON) value; awaits promises. */
  evaluate: <T>(expression: string) => Promise<T>;
  /** Polls an expression until it is truthy. */
  waitForTruthy: (expression: string, what: string, timeoutMs?: number) => Promise<void>;
  /** Gives the browser these cookies for `url` (e.g. a logged-in wiki session). */
  setCookies: (url: string, cookies: ReadonlyMap<string, string>) => Promise<void>;
  /** Writes a PNG of the viewport (for looking at a failure). */
  screenshot: (path: string) => Promise<void>;
  /** Console messages and uncaught exceptions, for failure messages. */
  console: string[];
  close: () => Promise<void>;
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LAUNCH_TIMEOUT_MS = 20_000;

export async function openPage(): Promise<BrowserPage> {
  const profile = mkdtempSync(join(tmpdir(), 'wikicast-chromium-'));
  const child: ChildProcess = spawn(
    CHROMIUM,
    ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(profile, { recursive: true, force: true });
  };
  let browserUrl: string;
  try {
    browserUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Chromium did not start')), LAUNCH_TIMEOUT_MS);
      createInterface({ input: child.stderr! }).on('line', (line) => {
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      void exited.then(() => reject(new Error('Chromium exited at start')));
    });
  } catch (err) {
    await kill();
    throw err;
  }
  const { host } = new URL(browserUrl);
  const targets = (await (await fetch(`http://${host}/json/list`)).json()) as Array<{ type: string; webSocketDebuggerUrl: string }>;
  const target = targets.find((t) => t.type === 'page');
  if (!target) {
    await kill();
    throw new Error('Chromium has no page target');
  }
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  const consoleLines: string[] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { id?: number; result?: Record<string, unknown>; error?: { message: string }; method?: string; params?: Record<string, unknown> };
    if (message.id !== undefined) {
      const pending = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error) pending?.reject(new Error(message.error.message));
      else pending?.resolve(message.result ?? {});
    } else if (message.method === 'Runtime.consoleAPICalled') {
      const args = (message.params?.args as Array<{ value?: unknown; description?: string }>) ?? [];
      consoleLines.push(args.map((a) => a.value ?? a.description).join(' '));
    } else if (message.method === 'Runtime.exceptionThrown') {
      consoleLines.push(`exception: ${JSON.stringify(message.params?.exceptionDetails)}`);
    }
  });
  const send = (method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  await send('Page.enable');
  await send('Runtime.enable');

  const evaluate = async <T>(expression: string): Promise<T> => {
    const result = (await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })) as {
      result: { value?: T };
      exceptionDetails?: unknown;
    };
    if (result.exceptionDetails) throw new Error(`page threw: ${JSON.stringify(result.exceptionDetails)}`);
    return result.result.value as T;
  };
  return {
    console: consoleLines,
    goto: async (url) => {
      await send('Page.navigate', { url });
      await waitFor(`${url} to load`, async () => (await evaluate<string>('document.readyState')) === 'complete', { timeoutMs: 20_000, intervalMs: 100 });
    },
    evaluate,
    setCookies: async (url, cookies) => {
      for (const [name, value] of cookies) await send('Network.setCookie', { url, name, value });
    },
    screenshot: async (path) => {
      const { data } = (await send('Page.captureScreenshot', { format: 'png' })) as { data: string };
      writeFileSync(path, Buffer.from(data, 'base64'));
    },
    waitForTruthy: async (expression, what, timeoutMs = 15_000) => {
      try {
        await waitFor(what, async () => Boolean(await evaluate<unknown>(expression)), { timeoutMs, intervalMs: 100 });
      } catch (err) {
        throw new Error(`${(err as Error).message}\nbrowser console:\n${consoleLines.join('\n')}`);
      }
    },
    close: async () => {
      socket.close();
      await kill();
    },
  };
}
