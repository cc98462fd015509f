import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeCursor, sinceTime } from '../src/index.js';

test('since: ISO-8601 times with a zone and epoch milliseconds name a time', () => {
  assert.equal(sinceTime('2026-12-03T10:00:00Z'), Date.UTC(2026, 11, 3, 10));
  assert.equal(sinceTime('2026-12-03T10:00:00.250Z'), Date.UTC(2026, 11, 3, 10, 0, 0, 250));
  assert.equal(sinceTime('2026-12-03T12:00:00+02:00'), Date.UTC(2026, 11, 3, 10));
  assert.equal(sinceTime('1764756000000'), 1764756000000);
  assert.equal(sinceTime('0'), 0);
});

test('since: cursors, zoneless or partial times and junk name no time', () => {
  for (const text of [encodeCursor(42, '0190e2b4-7c1d-7000-8000-00000000abcd'), '2026-12-03T10:00:00', '2026-12-03', 'yesterday', '', '-5', '1e12', '9999999999999999']) {
    assert.equal(sinceTime(text), null, text);
  }
});
