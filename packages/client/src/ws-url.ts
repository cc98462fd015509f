/** The path of the WebSocket endpoint (SPEC: `/v1/ws`, alias `/websocket`). */
export const WS_PATH = '/v1/ws';

/**
 * The WebSocket URL for a server address as people write it: `http(s)://host[:port]` (the
 * `WIKICAST_URL` form) becomes `ws(s)://host[:port]/v1/ws`; a `ws(s)://` URL with a path is kept
 * as is. A relative URL (`/v1/ws`) is resolved against `base` (the page's location in browsers).
 * The token goes in `?token=`; without one, `wiki` (a public wiki read anonymously) in `?wiki=`.
 */
export function webSocketUrl(address: string, token?: string, base?: string, wiki?: string): string {
  const url = new URL(address, base);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.pathname === '' || url.pathname === '/') url.pathname = WS_PATH;
  if (token !== undefined && token !== '') url.searchParams.set('token', token);
  else if (wiki !== undefined && wiki !== '') url.searchParams.set('wiki', wiki);
  return url.toString();
}
