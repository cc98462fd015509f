import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { clientAddress, TrustedProxies, trustedProxyError } from '../src/transport/client-address.js';

/** Whose address a connection is counted under: X-Forwarded-For only through trusted proxies. */
describe('client address', () => {
  const trusted = new TrustedProxies(['127.0.0.1', '::1', '10.1.0.0/16']);

  it('is the peer when the peer is not a trusted proxy, whatever the header says', () => {
    assert.equal(clientAddress('203.0.113.9', ['198.51.100.1'], trusted), '203.0.113.9');
  });

  it('is the nearest untrusted hop behind trusted proxies', () => {
    assert.equal(clientAddress('127.0.0.1', ['198.51.100.7'], trusted), '198.51.100.7');
    assert.equal(clientAddress('10.1.2.3', ['198.51.100.7, 10.1.9.9'], trusted), '198.51.100.7');
    // A client's own header comes first; HAProxy adds its line after it.
    assert.equal(clientAddress('127.0.0.1', ['1.2.3.4', '198.51.100.7'], trusted), '198.51.100.7');
    assert.equal(clientAddress('::1', ['2001:db8::5'], trusted), '2001:db8::5');
  });

  it('stops at the proxy that passed on an entry that is not an address, or when every hop is trusted', () => {
    assert.equal(clientAddress('10.1.2.3', ['unknown'], trusted), '10.1.2.3');
    assert.equal(clientAddress('127.0.0.1', ['10.1.0.1'], trusted), '10.1.0.1');
    assert.equal(clientAddress('127.0.0.1', [], trusted), '127.0.0.1');
  });

  it('trusts nobody when configured with no proxies', () => {
    assert.equal(clientAddress('127.0.0.1', ['198.51.100.7'], new TrustedProxies([])), '127.0.0.1');
  });

  it('validates the configured entries', () => {
    for (const good of ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', '0.0.0.0/0']) assert.equal(trustedProxyError(good), null, good);
    for (const bad of ['localhost', '10.0.0.0/33', '10.0.0.0/x', '::/129', '1.2.3.4/8/1', '']) assert.notEqual(trustedProxyError(bad), null, bad);
  });
});
