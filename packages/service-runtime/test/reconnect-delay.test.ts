import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { reconnectDelayMs } from '../src/index.js';

const middle = (): number => 0.5;

it('tries every node once quickly before the wait grows, then doubles per round up to 5 s', () => {
  assert.deepEqual([1, 2, 3].map((n) => reconnectDelayMs(n, 3, middle)), [100, 100, 100]);
  assert.deepEqual([4, 7, 10].map((n) => reconnectDelayMs(n, 3, middle)), [200, 400, 800]);
  assert.equal(reconnectDelayMs(100, 3, middle), Math.round(5_000 / 1.2));
  assert.deepEqual([1, 2, 3].map((n) => reconnectDelayMs(n, 1, middle)), [100, 200, 400]);
});

it('spreads each wait by ±20 % and never passes the maximum', () => {
  assert.equal(reconnectDelayMs(1, 1, () => 0), 80);
  assert.equal(reconnectDelayMs(1, 1, () => 1), 120);
  assert.ok(reconnectDelayMs(1_000, 1, () => 1) <= 5_000);
});
