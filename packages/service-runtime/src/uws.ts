import uWS from 'uWebSockets.js';

export type Uws = typeof uWS;

export class UwsFallbackError extends Error {
  readonly code = 'uws_fallback';
  constructor() {
    super(
      `uWebSockets.js fell back to its slow JavaScript implementation: the build Wikicast depends on ` +
        `(@trufflesuite/uws-js-unofficial 20.30.0-unofficial.0) has native binaries for the Node 18 and 20 ABIs only, ` +
        `and this is Node ${process.version} (ABI ${process.versions.modules}) on ${process.platform}-${process.arch}; refusing to start. ` +
        'Run Node 20 (as the images do; it reached its end of life in April 2026), or a uWebSockets.js built for this Node and glibc ' +
        '(docs/operations.md, "Runtime support"); WIKICAST_ALLOW_UWS_FALLBACK=true runs slowly anyway, for development only.',
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
