/** Whether the device is online, and word when that changes (browsers only). */
export interface NetworkStatus {
  online(): boolean;
  /** Calls `onChange` on every change; returns the function that stops watching. */
  watch(onChange: (online: boolean) => void): () => void;
}

interface BrowserGlobals {
  window?: unknown;
  navigator?: { onLine?: boolean };
  addEventListener?: (name: string, listener: () => void) => void;
  removeEventListener?: (name: string, listener: () => void) => void;
}

/** The browser's `online`/`offline` events, or undefined outside a browser window. */
export function browserNetworkStatus(globals: BrowserGlobals = globalThis as BrowserGlobals): NetworkStatus | undefined {
  const { addEventListener: add, removeEventListener: remove } = globals;
  if (globals.window === undefined || typeof add !== 'function' || typeof remove !== 'function') return undefined;
  return {
    online: () => globals.navigator?.onLine !== false,
    watch(onChange) {
      const online = (): void => onChange(true);
      const offline = (): void => onChange(false);
      add.call(globals, 'online', online);
      add.call(globals, 'offline', offline);
      return () => {
        remove.call(globals, 'online', online);
        remove.call(globals, 'offline', offline);
      };
    },
  };
}
