import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { validate, version } from 'uuid';
import { EventIds } from '../src/event-ids.js';

it('makes valid UUIDv7 ids, unique and in order even within one millisecond', () => {
  let now = 1_700_000_000_000;
  const ids = new EventIds(() => now);
  const made: string[] = [];
  for (let i = 0; i < 1_000; i++) {
    if (i % 300 === 0) now++;
    made.push(ids.next());
  }
  for (const id of made) {
    assert.ok(validate(id), id);
    assert.equal(version(id), 7);
  }
  assert.equal(new Set(made).size, made.length);
  assert.deepEqual([...made].sort(), made, 'sorted as made');
  assert.equal(made[0]!.slice(0, 13).replace('-', ''), (1_700_000_000_001).toString(16).padStart(12, '0'), 'the time is in the first 48 bits');
});
