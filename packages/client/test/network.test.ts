import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserNetworkStatus } from '../src/network.js';

test('outside a browser window there is no network status (Node)', () => {
  assert.equal(browserNetworkStatus({}), undefined);
  assert.equal(browserNetworkStatus(globalThis as never), undefined);
});

test("in a window: navigator.onLine, and the window's online/offline events until unwatched", () => {
  const listeners = new Map<string, () => void>();
  const globals = {
    window: {},
    navigator: { onLine: false },
    addEventListener: (name: string, listener: () => void) => listeners.set(name, listener),
    removeEventListener: (name: string) => listeners.delete(name),
  };
  const status = browserNetworkStatus(globals);
  assert.ok(status);
  assert.equal(status.online(), false);
  const seen: boolean[] = [];
  const stop = status.watch((online) => seen.push(online));
  listeners.get('online')?.();
  listeners.get('offline')?.();
  assert.deepEqual(seen, [true, false]);
  stop();
  assert.equal(listeners.size, 0);
});
