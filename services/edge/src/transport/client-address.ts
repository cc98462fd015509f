import { BlockList, isIP } from 'node:net';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';

/**
 * The proxies whose `X-Forwarded-For` the edge believes: addresses and CIDR ranges
 * (`WIKICAST_EDGE_TRUSTED_PROXIES`). Anyone else could write any address into the header and
 * so escape the per-address limits, hence nobody else is believed.
 */
export class TrustedProxies {
  readonly #list = new BlockList();

  /** @param entries addresses (`127.0.0.1`, `::1`) or ranges (`10.0.0.0/8`), already validated by `trustedProxyError`. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address, prefix] = entry.split('/') as [string, string | undefined];
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.#list.addAddress(address, family);
      else this.#list.addSubnet(address, Number(prefix), family);
    }
  }

  trusts(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.#list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** Why `entry` is not an address or a CIDR range, or `null` if it is one. */
export function trustedProxyError(entry: string): string | null {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return `${JSON.stringify(entry)} is not an IP address or CIDR range`;
  if (prefix === undefined) return null;
  const bits = Number(prefix);
  const max = family === 6 ? 128 : 32;
  if (!/^\d{1,3}$/.test(prefix) || bits > max) return `${JSON.stringify(entry)} has a prefix length outside 0–${max}`;
  return null;
}

/**
 * The client's address: the peer's, unless the peer is a trusted proxy, in which case the
 * `X-Forwarded-For` entries are read from the right (the nearest hop, which HAProxy's
 * `option forwardfor` appends) past every trusted proxy; the first one that is not trusted is
 * the client. Entries further left were written by whoever sent the request, so they are never
 * reached while an untrusted hop stands between. An entry that is not an address ends the walk
 * at the proxy that passed it on.
 */
export function clientAddress(peer: string, forwardedFor: readonly string[], trusted: TrustedProxies): string {
  if (!trusted.trusts(peer)) return peer;
  const hops = forwardedFor.flatMap((value) => value.split(',')).map((hop) => hop.trim()).filter((hop) => hop !== '');
  let nearest = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) return nearest;
    if (!trusted.trusts(hop)) return hop;
    nearest = hop;
  }
  return nearest;
}

/**
 * The client address of a uWS request, read synchronously (uWS reuses the request and response
 * once the handler returns). Every `X-Forwarded-For` line counts: HAProxy adds its own line
 * rather than appending to one the client sent, and `getHeader` would return only the first.
 */
export function requestAddress(res: HttpResponse, req: HttpRequest, trusted: TrustedProxies): string {
  const forwardedFor: string[] = [];
  req.forEach((key, value) => {
    if (key === 'x-forwarded-for') forwardedFor.push(value);
  });
  return interned(clientAddress(Buffer.from(res.getRemoteAddressAsText()).toString('latin1'), forwardedFor, trusted));
}

/** Addresses seen lately, so that the many connections of one address share one string. */
const addresses = new Map<string, string>();
const MAX_INTERNED_ADDRESSES = 10_000;

/** Each session keeps its address: one string per address rather than per connection (an edge holds tens of thousands). */
function interned(address: string): string {
  const known = addresses.get(address);
  if (known !== undefined) return known;
  if (addresses.size >= MAX_INTERNED_ADDRESSES) addresses.clear();
  addresses.set(address, address);
  return address;
}
