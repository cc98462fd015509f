import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenExpiry } from '../src/token-keeper.js';
import { flush } from './fake-timers.js';
import { harness } from './harness.js';

/** An unsigned JWT-shaped token: the client only reads `exp`, the server verifies. */
function jwt(expMs: number, label = 'x'): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256' })}.${part({ exp: Math.floor(expMs / 1000), label })}.sig`;
}

test('tokenExpiry reads exp, and gives up quietly on what is no JWT', () => {
  assert.equal(tokenExpiry(jwt(1_800_000_000_000)), 1_800_000_000_000);
  assert.equal(tokenExpiry('opaque'), undefined);
  assert.equal(tokenExpiry('a.!!!.c'), undefined);
});

test('before expiry the client fetches a new token and sends op:auth on the live connection', async () => {
  const h = harness();
  const start = h.timers.now();
  const fresh = [jwt(start + 1_200_000, 'second'), jwt(start + 1_800_000, 'third')];
  const client = harness({ token: jwt(start + 600_000, 'first'), getToken: async () => fresh.shift() ?? 'none' });
  const socket = await client.connectAndWelcome();
  assert.deepEqual(client.timers.delays(), [540_000], 'refresh 60 s before the 10-minute expiry');
  client.timers.advance(540_000);
  await flush();
  const auth = socket.sentOps('auth');
  assert.equal(auth.length, 1);
  assert.equal(tokenExpiry(String(auth[0]?.token)), start + 1_200_000);
  assert.deepEqual(client.timers.delays(), [600_000], 'the next refresh is scheduled for the new token');
  // A reconnection uses the refreshed token.
  socket.serverClose(1006);
  client.timers.advance(client.timers.delays()[0] ?? 0);
  await flush();
  assert.equal(tokenExpiry(client.last().token ?? ''), start + 1_200_000);
});

test('a token about to expire is replaced before connecting', async () => {
  const h = harness();
  const now = h.timers.now();
  const client = harness({ token: jwt(now + 10_000), getToken: () => jwt(now + 3_600_000) });
  client.client.connect();
  await flush();
  assert.equal(tokenExpiry(client.last().token ?? ''), now + 3_600_000);
});
