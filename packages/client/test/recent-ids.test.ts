import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentIds } from '../src/recent-ids.js';

test('an id is new once, then a duplicate', () => {
  const ids = new RecentIds(4);
  assert.equal(ids.add('a'), true);
  assert.equal(ids.add('a'), false);
  assert.equal(ids.has('a'), true);
});

test('bounded: the oldest id is forgotten once capacity is reached', () => {
  const ids = new RecentIds(3);
  for (const id of ['a', 'b', 'c', 'd']) ids.add(id);
  assert.equal(ids.size, 3);
  assert.equal(ids.has('a'), false);
  assert.deepEqual(['b', 'c', 'd'].map((id) => ids.has(id)), [true, true, true]);
  assert.equal(ids.add('a'), true);
  assert.equal(ids.has('b'), false);
});

test('a duplicate does not take a slot', () => {
  const ids = new RecentIds(2);
  ids.add('a');
  ids.add('b');
  ids.add('b');
  assert.equal(ids.has('a'), true);
});
