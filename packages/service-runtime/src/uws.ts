import uWS from 'uWebSockets.js';

export type Uws = typeof uWS;

export class UwsFallbackError extends Error {
  readonly code = 'uws_fallback';
  constructor() {
    super(
      'uWebSockets.js fell back to its JavaScript implementation (no native binary for this Node.js build); ' +
        'refusing to start. Use Node 18/20 on linux-x64, or set WIKICAST_ALLOW_UWS_FALLBACK=true to run slowly anyway.',
    );
    this.name = 'UwsFallbackError';
  }
}

/** Whether the loaded uWebSockets.js is the native addon rather than its slow `ws`-based fallback. */
export function uwsIsNative(lib: Uws = uWS): boolean {
  return Function.prototype.toString.call(lib.App).includes('[native code]');
}

/** The uWebSockets.js module, refusing the JavaScript fallback unless explicitly allowed. */
export function loadUws(allowFallback: boolean): Uws {
  if (!uwsIsNative(uWS) && !allowFallback) throw new UwsFallbackError();
  return uWS;
}
